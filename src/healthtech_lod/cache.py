"""A bounded cache of SPARQL answers, least recently used first out, by bytes.

The data only changes with a new dataset version, so an answer is keyed by the
dataset version, the query text, its dataset parameters, the formats asked for
and the row limit: a repeated query (the gallery, the home page, a crawler)
costs a lookup. One cache per process (``app.extensions``), at most
RESULT_CACHE_BYTES counting each entry's body, its key (the query text) and a
fixed overhead; an entry larger than a quarter of that is not kept. Thread-safe.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import Flask, current_app

from .executor import QueryOutcome

EXTENSION = "healthtech_lod.cache"
#: Bytes counted for each entry beyond its body and key: the objects holding them.
ENTRY_OVERHEAD = 512


class ResultCache:
    """Query outcomes by key, at most ``max_bytes`` of bodies."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[QueryOutcome, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> QueryOutcome | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, outcome: QueryOutcome) -> None:
        size = len(outcome.body) + len(repr(key)) + ENTRY_OVERHEAD
        if size > self.max_bytes // 4:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.size -= previous[1]
            self._entries[key] = (outcome, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped


def digest(key: Hashable) -> str:
    """A stable digest of a key made of strings, numbers and tuples (for ETags)."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = ResultCache(int(app.config["RESULT_CACHE_BYTES"]))


def get_cache() -> ResultCache:
    cache: ResultCache = current_app.extensions[EXTENSION]
    return cache
