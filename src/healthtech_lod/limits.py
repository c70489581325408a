"""Per-client limits: a rate (a token bucket) and the queries running at once.

RATE_LIMIT queries per minute for each client (its address, as ProxyFix gives
it behind trusted proxies), with bursts up to that number; beyond it 429 Too
Many Requests with ``Retry-After``, as the Wikidata Query Service does. The
buckets live in the app (``app.extensions``), one set per gunicorn worker: with
N workers a client may get up to N times the limit, which the deployment guide
says. Buckets idle long enough to be full again are forgotten, so memory stays
bounded by the clients of the last minute.

MAX_QUERIES_PER_CLIENT query workers at most for one client at once, per
process: a client sending runaway queries on several connections holds at most
that many, and the others stay free for other clients (429 with ``Retry-After``
beyond it).

MAX_CONTENT_LENGTH for a request body whatever its framing: Werkzeug refuses a
``Content-Length`` over it, but reads a body sent without one (``Transfer-Encoding:
chunked``) only up to the limit and silently drops the rest, so a query cut short
would run. ``BodyLimit`` reads such a body first, at most one byte past the limit:
past it, 413.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

EXTENSION = "healthtech_lod.limits"
SLOTS = "healthtech_lod.limits.slots"
#: Set in the WSGI environ by BodyLimit for a body over MAX_CONTENT_LENGTH.
BODY_TOO_LARGE = "healthtech_lod.body_too_large"
#: Seconds a client is told to wait when its queries already hold every slot it has.
SLOT_RETRY_AFTER = 2


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """``rate`` requests per ``period`` seconds per key, in bursts of at most ``rate``."""

    rate: int
    period: float = 60.0
    buckets: dict[str, Bucket] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, now: float | None = None) -> float:
        """Spend one token of ``key``: 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        refill = self.rate / self.period
        with self.lock:
            bucket = self.buckets.get(key)
            if bucket is None:
                bucket = self.buckets[key] = Bucket(float(self.rate), now)
            bucket.tokens = min(self.rate, bucket.tokens + (now - bucket.updated) * refill)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                wait = 0.0
            else:
                wait = (1 - bucket.tokens) / refill
            if len(self.buckets) > 1024:
                self._forget(now)
            return wait

    def _forget(self, now: float) -> None:
        """Drop the buckets that would be full by now (call with the lock held)."""
        refill = self.rate / self.period
        for key in [
            k for k, b in self.buckets.items() if b.tokens + (now - b.updated) * refill >= self.rate
        ]:
            del self.buckets[key]


@dataclass
class ClientSlots:
    """At most ``limit`` things held at once per key (queries running, per client)."""

    limit: int
    held: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, key: str) -> bool:
        """Hold one of ``key``'s slots; False when it holds ``limit`` already."""
        with self.lock:
            count = self.held.get(key, 0)
            if count >= self.limit:
                return False
            self.held[key] = count + 1
            return True

    def release(self, key: str) -> None:
        with self.lock:
            count = self.held.pop(key) - 1
            if count:
                self.held[key] = count


def init_app(app: Flask) -> None:
    rate = app.config["RATE_LIMIT"]
    app.extensions[EXTENSION] = RateLimiter(int(rate)) if rate else None
    slots = app.config["MAX_QUERIES_PER_CLIENT"]
    app.extensions[SLOTS] = ClientSlots(int(slots)) if slots else None
    limit = app.config["MAX_CONTENT_LENGTH"]
    if limit is not None:
        app.wsgi_app = BodyLimit(app.wsgi_app, int(limit))  # type: ignore[method-assign]
        app.before_request(refuse_a_body_too_large)


class BodyLimit:
    """WSGI middleware: a body sent without ``Content-Length`` (chunked), which the
    server ends itself (``wsgi.input_terminated``), is read here, at most ``limit`` + 1
    bytes, and handed on with its length, so that Werkzeug reads all of it; a longer one
    is handed on empty and marked BODY_TOO_LARGE (``refuse_a_body_too_large`` answers
    413). A body with a ``Content-Length`` is Werkzeug's to refuse past the limit."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            body = _read_at_most(environ["wsgi.input"], self.limit + 1)
            if len(body) > self.limit:
                environ[BODY_TOO_LARGE] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)


def _read_at_most(stream: Any, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0:
        chunk = stream.read(min(size, 64 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def refuse_a_body_too_large() -> None:
    """413 for a body BodyLimit found over MAX_CONTENT_LENGTH."""
    if request.environ.get(BODY_TOO_LARGE):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        raise RequestEntityTooLarge(
            f"The request body is over {limit} bytes (MAX_CONTENT_LENGTH); none of it was used."
        )


def client_address() -> str:
    """The client's address, as the limits know it (ProxyFix's behind trusted proxies)."""
    return request.remote_addr or "unknown"


def check_rate(what: str) -> None:
    """Spend one of this client's requests; raises 429 with Retry-After beyond the limit."""
    limiter: RateLimiter | None = current_app.extensions[EXTENSION]
    if limiter is None:
        return
    wait = limiter.take(client_address())
    if wait:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"This client sent more than {limiter.rate} {what} queries in a minute; "
            f"retry in {seconds} seconds.",
            retry_after=seconds,
        )


def take_query_slot() -> str | None:
    """Hold one of this client's MAX_QUERIES_PER_CLIENT slots for a query that runs:
    the key to give to ``release_query_slot`` (None when there is no limit). Raises
    429 with Retry-After when the client's queries already hold them all."""
    slots: ClientSlots | None = current_app.extensions[SLOTS]
    if slots is None:
        return None
    client = client_address()
    if not slots.acquire(client):
        queries = "query" if slots.limit == 1 else "queries"
        raise TooManyRequests(
            f"This client already has {slots.limit} SPARQL {queries} running here, the "
            f"most one client may have at once; wait for its answer. Retry in "
            f"{SLOT_RETRY_AFTER} seconds.",
            retry_after=SLOT_RETRY_AFTER,
        )
    return client


def release_query_slot(client: str | None) -> None:
    """Give back the slot ``take_query_slot`` gave."""
    if client is not None:
        slots: ClientSlots = current_app.extensions[SLOTS]
        slots.release(client)
