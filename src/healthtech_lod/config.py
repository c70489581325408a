"""Configuration in one place.

``create_app`` reads, in order: these defaults, then environment variables
prefixed ``HEALTHTECH_LOD_`` (values parsed as JSON, e.g.
``HEALTHTECH_LOD_QUERY_TIMEOUT=10``), then the mapping passed by the caller.
Every setting is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .dataset import REPO_ROOT
from .namespaces import BASE

DEFAULTS: dict[str, Any] = {
    # Canonical base of every IRI in the data; never changes with the host serving it.
    "BASE_URI": BASE,
    # Repository root holding ontology/, data/, seeds/ and shapes/.
    "DATA_ROOT": str(REPO_ROOT),
    # Where the data is read from: "embedded" (the Oxigraph store of a build) or
    # "sparql:URL", an external SPARQL 1.1 endpoint holding the dataset's graphs.
    "BACKEND": "embedded",
    # A dataset folder made by `healthtech-lod build`, opened read-only. None: the
    # repository is built into STORE_CACHE_DIR at the first start of each dataset
    # version, and that build is opened read-only.
    "STORE_PATH": None,
    # Folder of the cached builds (one per dataset version). None: a folder under the
    # system's temporary directory.
    "STORE_CACHE_DIR": None,
    # Maximum length of a SPARQL query, in characters.
    "MAX_QUERY_LENGTH": 20_000,
    # Longest Accept or Accept-Language header read, in characters, and most entries
    # (comma-separated) in one; a request whose header is over either gets 431.
    "MAX_ACCEPT_LENGTH": 4096,
    "MAX_ACCEPT_ENTRIES": 50,
    # Deepest nesting of brackets in a SPARQL query ((, { and [ counted together; 400
    # beyond): a few thousand levels overflow the SPARQL parser's stack.
    "MAX_QUERY_NESTING": 64,
    # Maximum size of a request body, in bytes (Flask's MAX_CONTENT_LENGTH).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Rows shown at most in the HTML table of query results (CSV and JSON give all).
    "HTML_MAX_ROWS": 1000,
    # Cache-Control max-age for documents and downloads, in seconds.
    "CACHE_MAX_AGE": 3600,
    # Seconds a SPARQL query may run; past it, its query worker process is killed and
    # replaced and the client gets 503. A client may ask for less with ?timeout=.
    "QUERY_TIMEOUT": 30,
    # The shortest limit a client's timeout= may set (seconds).
    "MIN_QUERY_TIMEOUT": 0.5,
    # Query worker processes per service process: the queries one process runs at once.
    "QUERY_WORKERS": 2,
    # Seconds a query waits for a free query worker before 503 with Retry-After.
    "QUERY_QUEUE_TIMEOUT": 1.0,
    # Rows (solutions or triples) of a SPARQL answer at most; a cut answer says so in
    # the SPARQL-Results-Truncated header.
    "MAX_RESULT_ROWS": 100_000,
    # Bytes of a SPARQL answer in its final format at most, enforced by the query
    # worker while it writes: the answer keeps the whole solutions or triples that
    # fit and says so in SPARQL-Results-Truncated: bytes=N. 64 MiB holds 100 000 rows
    # of ordinary size (the row limit bites first) but not 100 000 rows of 4 KiB, and
    # bounds what one answer costs: the worker's copy, the one sent to this process.
    "MAX_ANSWER_BYTES": 64 * 1024 * 1024,
    # Bytes of memory (data segment: RLIMIT_DATA) a query worker may take, its store
    # and Python included (about 110 MiB idle); a query needing more gets 503 and its
    # worker is replaced. None: no limit.
    "QUERY_WORKER_MEMORY": 512 * 1024 * 1024,
    # A query worker whose resident set is larger than this after a query (bytes), its
    # answer included, is replaced, giving back what a large answer left behind
    # (about 60 MiB idle). None: never.
    "QUERY_WORKER_MAX_RSS": 128 * 1024 * 1024,
    # A gunicorn worker whose resident set is larger than this after a request (bytes)
    # finishes its requests in flight and is replaced, with its query workers (about
    # 70 MiB idle, up to RESULT_CACHE_BYTES more with a full cache). None: never.
    "WEB_WORKER_MAX_RSS": 256 * 1024 * 1024,
    # SPARQL queries per client address and minute, per service process (429 beyond);
    # answers from the cache count too. 0 turns the limit off.
    "RATE_LIMIT": 120,
    # Seconds a client has to send a whole request (headers and body) once the
    # service waits for it; past it the connection is closed (408 if it had begun).
    # `serve` gathers requests in its event loop (front.py), so a slow client holds a
    # socket, never a request thread.
    "REQUEST_TIMEOUT": 10,
    # Bytes of request line and headers at most (431 beyond).
    "MAX_HEADER_BYTES": 32 * 1024,
    # Bytes of an answer held in memory for the event loop to send as the client reads
    # it; the rest of a larger answer goes to a temporary file (below).
    "RESPONSE_BUFFER_BYTES": 256 * 1024,
    # Bytes of answers one gunicorn worker spools to temporary files at once, for slow
    # readers; past it, a request thread sends its answer itself (SEND_TIMEOUT applies).
    "RESPONSE_SPOOL_BYTES": 1024**3,
    # Seconds a client may stop reading an answer before its connection is closed.
    "SEND_TIMEOUT": 10,
    # Connections one gunicorn worker holds at most (idle, slow or being answered);
    # beyond it, new connections wait in the listen queue.
    "WORKER_CONNECTIONS": 500,
    # SPARQL queries one client address may have running at once, per service process
    # (429 beyond): one client cannot hold every query worker. 0 turns the limit off.
    "MAX_QUERIES_PER_CLIENT": 1,
    # Request threads per gunicorn worker: pages keep being served while queries run.
    "SERVER_THREADS": 4,
    # Bytes of entity documents kept per service process, each written once per format
    # (and language, and host) and dataset version, then sent from memory (LRU).
    "DOCUMENT_CACHE_BYTES": 64 * 1024 * 1024,
    # Bytes of SPARQL answers kept per service process for repeated queries (LRU).
    "RESULT_CACHE_BYTES": 64 * 1024 * 1024,
    # Largest data /quality validates with pySHACL on request (503 beyond: pySHACL holds
    # the whole graph in memory); the files are validated at build time anyway.
    "QUALITY_MAX_TRIPLES": 500_000,
    # One JSON line per request on the healthtech_lod.access logger (standard error).
    "ACCESS_LOG": True,
    # SPARQL endpoints a query may call with SERVICE (federated query), as IRIs.
    # Oxigraph makes real outbound HTTP requests for SERVICE, so by default (an
    # empty list) every SERVICE clause is refused with 400.
    "SERVICE_ALLOWED_ENDPOINTS": [],
    # Queries in one reconciliation batch, and entities in one data extension request,
    # at most (413 beyond); the reconciliation manifest states it as batchSize.
    "RECONCILE_MAX_QUERIES": 100,
    # Language precedence for labels and descriptions on HTML pages.
    "LANGUAGES": ["en", "fr", "de"],
    # The dataset's license, stated in the description and in Link headers.
    "LICENSE": "https://creativecommons.org/licenses/by/4.0/",
    # Slugs under /id/ given as void:exampleResource when the data has them.
    "EXAMPLE_RESOURCES": ["voicemed", "luxembourg-institute-of-health", "artificial-intelligence"],
    # Last-Modified of every document, as an ISO date (e.g. "2026-11-24").
    # None: the newest modification time of the dataset's files.
    "DATASET_MODIFIED": None,
    # URLs in one sitemap at most (1 to 50 000, the sitemaps protocol's limit); past
    # it, /sitemap.xml is a sitemap index of numbered sitemaps.
    "SITEMAP_MAX_URLS": 50_000,
    # Number of reverse proxies in front of the service whose X-Forwarded-For,
    # -Proto, -Host and -Prefix headers are trusted (Werkzeug's ProxyFix); 0: none.
    "TRUSTED_PROXIES": 0,
    # Host names a request may be addressed to (Host, or X-Forwarded-Host from a
    # trusted proxy), whatever the port; ".example.org" also allows its subdomains, "*"
    # any name. PUBLIC_URL's host is added. Another name, or a malformed Host: 400.
    "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]"],
    # The service's public address, "http(s)://host[:port]": every link it writes
    # (Location, Link, Content-Location, @context, pages) is built from it, whatever
    # the request's host. None: links follow the request's (allowed) host.
    "PUBLIC_URL": None,
}


def defaults() -> dict[str, Any]:
    return dict(DEFAULTS)


class SettingsError(ValueError):
    """A setting whose value the service cannot use; the message names the setting,
    its environment variable, what it must be and what it was."""


#: The numeric settings: whether a whole number, the smallest value allowed, the
#: largest (None: no bound), and whether None ("no limit") is allowed.
NUMBERS: dict[str, tuple[bool, float, float | None, bool]] = {
    "MAX_QUERY_LENGTH": (True, 1, None, False),
    "MAX_ACCEPT_LENGTH": (True, 1, None, False),
    "MAX_ACCEPT_ENTRIES": (True, 1, None, False),
    "MAX_QUERY_NESTING": (True, 1, None, True),
    "MAX_CONTENT_LENGTH": (True, 0, None, True),
    "HTML_MAX_ROWS": (True, 0, None, False),
    "CACHE_MAX_AGE": (True, 0, None, False),
    "QUERY_TIMEOUT": (False, 0.001, None, False),
    "MIN_QUERY_TIMEOUT": (False, 0.001, None, False),
    "QUERY_WORKERS": (True, 1, None, False),
    "QUERY_QUEUE_TIMEOUT": (False, 0, None, False),
    "MAX_RESULT_ROWS": (True, 0, None, False),
    "MAX_ANSWER_BYTES": (True, 0, None, False),
    "QUERY_WORKER_MEMORY": (True, 1, None, True),
    "QUERY_WORKER_MAX_RSS": (True, 1, None, True),
    "WEB_WORKER_MAX_RSS": (True, 1, None, True),
    "RATE_LIMIT": (True, 0, None, False),
    "REQUEST_TIMEOUT": (False, 0.001, None, False),
    "MAX_HEADER_BYTES": (True, 1, None, False),
    "RESPONSE_BUFFER_BYTES": (True, 0, None, False),
    "RESPONSE_SPOOL_BYTES": (True, 0, None, False),
    "SEND_TIMEOUT": (False, 0.001, None, False),
    "WORKER_CONNECTIONS": (True, 1, None, False),
    "MAX_QUERIES_PER_CLIENT": (True, 0, None, False),
    "SERVER_THREADS": (True, 1, None, False),
    "DOCUMENT_CACHE_BYTES": (True, 0, None, False),
    "RESULT_CACHE_BYTES": (True, 0, None, False),
    "QUALITY_MAX_TRIPLES": (True, 0, None, False),
    "RECONCILE_MAX_QUERIES": (True, 1, None, False),
    "SITEMAP_MAX_URLS": (True, 1, 50_000, False),
    "TRUSTED_PROXIES": (True, 0, None, False),
}


def check(settings: Mapping[str, Any]) -> None:
    """Raise SettingsError for the first numeric setting of ``settings`` that is not
    a number in its range (environment variables are read as JSON: ``abc`` stays a
    string), so that a wrong value stops the service at start with one clear line
    rather than a traceback in every worker, or a limit that silently misbehaves."""
    for name, (whole, least, most, optional) in NUMBERS.items():
        value = settings.get(name)
        if value is None and optional:
            continue
        if _in_range(value, whole, least, most):
            continue
        kind = "a whole number" if whole else "a number"
        bounds = f"at least {least:g}" if most is None else f"from {least:g} to {most:g}"
        also = " (or null: no limit)" if optional else ""
        raise SettingsError(
            f"{name} (environment variable HEALTHTECH_LOD_{name}) must be {kind}, "
            f"{bounds}{also}; it is {value!r}."
        )


def _in_range(value: object, whole: bool, least: float, most: float | None) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if whole and not isinstance(value, int):
        return False
    return math.isfinite(value) and value >= least and (most is None or value <= most)
