"""Responses replayed: a request the service has answered before, in every respect its
answer depends on, gets the same final response again without Flask's dispatch.

Documents, the description and the vocabulary are written once per dataset version
(``responses.written_once``), and then still cost Flask's request cycle: routing,
negotiation, the before- and after-request hooks. ``Replay`` sits under them, as WSGI
middleware: when the app marks a GET's 200 answer as replayable (written once), its
status, final headers (safety headers, CORS, ``Vary``, compression included) and bytes
are kept, keyed by everything of the request that answer can depend on: the path and
query, the host and scheme (after trusted proxies), ``Accept``, ``Accept-Language`` and
``Accept-Encoding``. The same request again (GET or HEAD) is answered from there, and
written to the access log like any other. A conditional or ranged request, or one
with a body, always goes to the app, which answers 304 or 206 as it should.

The kept responses share the document cache's budget (DOCUMENT_CACHE_BYTES): one
process holds one dataset version, so nothing kept goes stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from .cache import REPLAYABLE, BoundedCache, Written
from .operations import log_request

#: Request headers a replayable answer may depend on (``Vary`` says which it does).
KEYED = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING")
#: Request headers that send a request to the app whatever is kept.
BYPASS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
)

StartResponse = Callable[..., Any]


class Replay:
    """WSGI middleware replaying the app's replayable answers from ``cache``."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], cache: BoundedCache[Written], log: bool
    ) -> None:
        self.app = app
        self.cache = cache
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or any(environ.get(h) for h in BYPASS):
            return self.app(environ, start_response)
        if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = _key(environ)
        kept = self.cache.get(key)
        if kept is not None:
            start_response("200 OK", list(kept.headers))
            if self.log:
                log_request(environ, 200, len(kept.body), started)
            return [] if method == "HEAD" else [kept.body]
        if method != "GET":
            return self.app(environ, start_response)
        answered: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            answered["status"], answered["headers"] = status, headers
            return start_response(status, headers, *args)

        body = self.app(environ, capture)
        if not environ.get(REPLAYABLE) or not answered.get("status", "").startswith("200"):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        self.cache.put(key, Written(data, tuple(answered["headers"])))
        return [data]


def _key(environ: dict[str, Any]) -> tuple[str, ...]:
    return (
        "replay",
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        *(environ.get(name, "") for name in KEYED),
    )
