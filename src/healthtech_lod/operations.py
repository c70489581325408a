"""What operators need: ``/health`` for load balancers and a structured access log.

``GET /health`` answers 200 with the dataset's version and size once the store
answers a query, 503 otherwise. Every request is logged as one JSON object per
line on the ``healthtech_lod.access`` logger (standard error by default): time,
client, method, path, status, bytes, duration, and for a SPARQL query its length,
a digest of its text, its kind, the rows answered, whether they were cut, and the
time spent in the query worker.

``recycle_large_worker`` is gunicorn's ``post_request`` hook (``server.py``): a
gunicorn worker whose resident set passed WEB_WORKER_MAX_RSS is replaced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request

from .description import get_statistics
from .evaluation import resident_bytes
from .media_types import BY_KEY
from .opening import get_store
from .remote import RemoteError
from .store import DatasetStore

ACCESS_LOGGER = "healthtech_lod.access"

bp = Blueprint("operations", __name__)


@bp.get("/health")
def health() -> Response:
    """Whether this process can answer: its store opens and answers, with the
    dataset's version and size. 503 when the store does not answer."""
    store = get_store()
    try:
        store.store.query("ASK { }")
        status, code = "ok", 200
    except (OSError, RemoteError):  # a store that stopped answering
        status, code = "unavailable", 503
    body = {
        "status": status,
        "dataset": {
            "version": store.version.digest,
            "modified": store.version.modified.isoformat(),
            "triples": get_statistics().triples,
        },
        "store": _kind(store),
        "query_workers": current_app.config["QUERY_WORKERS"],
    }
    response = Response(json.dumps(body), status=code, mimetype=BY_KEY["json"].mimetype)
    response.headers["Cache-Control"] = "no-store"
    return response


def _kind(store: DatasetStore) -> str:
    """What kind of store answers: ``embedded`` (Oxigraph on disk), ``memory`` or
    ``sparql`` (a backend). Never its path or address: /health is public, and
    which folder or host holds the data is the operator's business."""
    if getattr(store.store, "endpoint", None) is not None:
        return "sparql"
    return "embedded" if store.path else "memory"


def note_query(**fields: Any) -> None:
    """Add what a SPARQL query did to this request's access log line."""
    g.setdefault("query_log", {}).update(fields)


def query_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _start() -> None:
    g.started = time.perf_counter()


def _log(response: Response) -> Response:
    log_request(
        request.environ,
        response.status_code,
        response.calculate_content_length(),
        g.get("started"),
        g.get("query_log"),
    )
    return response


def log_request(
    environ: dict[str, Any],
    status: int,
    length: int | None,
    started: float | None,
    query: dict[str, Any] | None = None,
) -> None:
    """Write one request's line on the access log (also for answers replayed below
    Flask, replay.py)."""
    record: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "client": environ.get("REMOTE_ADDR"),
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
        "status": status,
        "bytes": length,
        "ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
    }
    if query is not None:
        record["query"] = query
    logging.getLogger(ACCESS_LOGGER).info(json.dumps(record, ensure_ascii=False))


def init_app(app: Flask) -> None:
    """Log every request of ``app`` and give the access logger a handler on
    standard error unless one is configured (ACCESS_LOG false: no log)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if app.config["ACCESS_LOG"] and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    if app.config["ACCESS_LOG"]:
        app.before_request(_start)
        app.after_request(_log)


def recycle_large_worker(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """gunicorn's ``post_request`` hook: once a gunicorn worker's resident set passes
    its app's WEB_WORKER_MAX_RSS, the worker stops accepting connections, finishes
    the requests in flight and exits, and the master starts another in its place
    (what gunicorn's own ``max_requests`` does). Its query workers go with it."""
    config = getattr(worker.wsgi, "config", None)
    limit = None if config is None else config.get("WEB_WORKER_MAX_RSS")
    if limit is None or not worker.alive:
        return
    size = resident_bytes()
    if size > limit:
        worker.log.info(
            "Restarting worker: %d MiB resident, past WEB_WORKER_MAX_RSS (%d MiB)",
            size >> 20,
            limit >> 20,
        )
        worker.alive = False
