"""Bounded caches of what only changes with the dataset's version, least recently
used first out, by bytes.

- SPARQL answers, keyed by the dataset version, the query text, its dataset
  parameters, the formats asked for and the limits: a repeated query (the
  gallery, the home page, a crawler) costs a lookup (RESULT_CACHE_BYTES).
- Entity documents, keyed by the dataset version and everything of the request
  their bytes depend on (resources.py): a document is written once per process and
  format, then sent (DOCUMENT_CACHE_BYTES).

One of each per process (``app.extensions``), counting each entry's body, its key
and a fixed overhead; an entry larger than a quarter of the cache is not kept.
Thread-safe.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import Flask, current_app

from .queries import QueryOutcome

EXTENSION = "healthtech_lod.cache"
DOCUMENTS = "healthtech_lod.documents"
#: Set in the WSGI environ by the app on an answer written once per dataset version,
#: whose final form replay.py may keep and send again.
REPLAYABLE = "healthtech_lod.replayable"
#: Bytes counted for each entry beyond its body and key: the objects holding them.
ENTRY_OVERHEAD = 512


V = TypeVar("V")


class BoundedCache(Generic[V]):
    """Values by key, at most ``max_bytes`` of them as ``weigh`` counts them."""

    def __init__(self, max_bytes: int, weigh: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self.weigh = weigh
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: V) -> None:
        size = self.weigh(value) + len(repr(key)) + ENTRY_OVERHEAD
        if size > self.max_bytes // 4:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.size -= previous[1]
            self._entries[key] = (value, size)
            self.size += size
            while self.size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped


@dataclass(frozen=True)
class Written:
    """A document's bytes and the headers written with them (type, links, caching)."""

    body: bytes
    headers: tuple[tuple[str, str], ...]


class ResultCache(BoundedCache[QueryOutcome]):
    """SPARQL answers (their final bytes) by key."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, lambda outcome: len(outcome.body))


def digest(key: Hashable) -> str:
    """A stable digest of a key made of strings, numbers and tuples (for ETags)."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = ResultCache(int(app.config["RESULT_CACHE_BYTES"]))
    app.extensions[DOCUMENTS] = BoundedCache[Written](
        int(app.config["DOCUMENT_CACHE_BYTES"]), lambda written: len(written.body)
    )


def get_cache() -> ResultCache:
    cache: ResultCache = current_app.extensions[EXTENSION]
    return cache


def get_documents(app: Flask | None = None) -> BoundedCache[Written]:
    """The document cache of ``app`` (default: the current app)."""
    documents: BoundedCache[Written] = (app or current_app).extensions[DOCUMENTS]
    return documents
