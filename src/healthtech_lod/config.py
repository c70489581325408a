"""Configuration in one place.

``create_app`` reads, in order: these defaults, then environment variables
prefixed ``HEALTHTECH_LOD_`` (values parsed as JSON, e.g.
``HEALTHTECH_LOD_QUERY_TIMEOUT=10``), then the mapping passed by the caller.
Every setting is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

from typing import Any

from .dataset import REPO_ROOT
from .namespaces import BASE

DEFAULTS: dict[str, Any] = {
    # Canonical base of every IRI in the data; never changes with the host serving it.
    "BASE_URI": BASE,
    # Repository root holding ontology/, data/, seeds/ and shapes/.
    "DATA_ROOT": str(REPO_ROOT),
    # On-disk Oxigraph store built by `healthtech-lod build`; None loads the files in memory.
    "STORE_PATH": None,
    # Maximum length of a SPARQL query, in characters.
    "MAX_QUERY_LENGTH": 20_000,
    # Maximum size of a request body, in bytes (Flask's MAX_CONTENT_LENGTH).
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Cache-Control max-age for documents and downloads, in seconds.
    "CACHE_MAX_AGE": 3600,
}


def defaults() -> dict[str, Any]:
    return dict(DEFAULTS)
