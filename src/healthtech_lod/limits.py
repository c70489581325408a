"""The per-client rate limit: a token bucket per client address, per process.

RATE_LIMIT queries per minute for each client (its address, as ProxyFix gives
it behind trusted proxies), with bursts up to that number; beyond it 429 Too
Many Requests with ``Retry-After``, as the Wikidata Query Service does. The
buckets live in the app (``app.extensions``), one set per gunicorn worker: with
N workers a client may get up to N times the limit, which the deployment guide
says. Buckets idle long enough to be full again are forgotten, so memory stays
bounded by the clients of the last minute.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

EXTENSION = "healthtech_lod.limits"


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


def init_app(app: Flask) -> None:
    rate = app.config["RATE_LIMIT"]
    app.extensions[EXTENSION] = RateLimiter(int(rate)) if rate else None


def check_rate(what: str) -> None:
    """Spend one of this client's requests; raises 429 with Retry-After beyond the limit."""
    limiter: RateLimiter | None = current_app.extensions[EXTENSION]
    if limiter is None:
        return
    client = request.remote_addr or "unknown"
    wait = limiter.take(client)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"This client sent more than {limiter.rate} {what} queries in a minute; "
            f"retry in {seconds} seconds.",
            retry_after=seconds,
        )
