"""SPARQL queries run in worker processes that can be stopped: the pool.

Oxigraph cannot cancel a query, and a thread that gives up waiting leaves the
query burning a core. So a ``QueryExecutor`` owns a small pool of worker
processes (started with ``spawn`` or ``forkserver``, never ``fork``): each opens
the store once, then answers requests over a pipe (``evaluation.serve_requests``).
A query that outlives its timeout gets its worker SIGKILLed and replaced; a
caller who finds every worker busy waits a short ``queue_timeout`` and gets
``ExecutorBusy`` (answer 503).

Only bytes cross the pipe: the request's text and format names, and the body the
worker wrote in its final format, so the caller only sends bytes
(``queries.outcome_of`` turns the reply into a ``QueryOutcome`` or an error).

A worker's data segment may be limited (``memory_limit``): a query needing more
gets ``QueryMemoryError`` and the worker is replaced. A worker whose resident set
exceeds ``recycle_rss`` after a query is replaced too, so memory a large answer
left behind is given back.

The pool starts on first use (or ``start()``) in the process that uses it, so an
executor made by ``create_app`` in gunicorn's master before the fork starts its
own pool in each gunicorn worker. A started executor refuses to serve from a
forked copy of its process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable, Mapping
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from types import TracebackType
from typing import cast

import pyoxigraph as ox

from .evaluation import serve_requests
from .queries import (
    ExecutorBusy,
    ExecutorClosedError,
    JsonLd,
    Kind,
    QueryMemoryError,
    QueryOutcome,
    QueryTimeout,
    ResultFormat,
    StoreSpec,
    WorkerError,
    format_names,
    outcome_of,
)

_START_METHODS = ("spawn", "forkserver")


class QueryExecutor:
    """A pool of worker processes answering SPARQL queries over one store.

    Thread-safe; use one per process. A context manager: leaving it closes it.
    ``allowed_service_endpoints`` lists the SERVICE endpoint IRIs a query may
    call (compared exactly, after resolving prefixed names and BASE); empty:
    federation is disabled. ``max_nesting`` refuses a query nesting brackets
    deeper (``federation.nesting_depth``; None: no limit). ``queue_timeout`` is
    how long ``execute`` waits for a free worker; ``startup_timeout`` how long a
    worker may take to open the store. ``memory_limit`` (bytes; None: none)
    bounds each worker's data segment (RLIMIT_DATA: its heap and private memory,
    not the store's files mapped in), store included; ``recycle_rss`` (bytes;
    None: never) replaces a worker whose resident set is larger after a query.
    """

    def __init__(
        self,
        spec: StoreSpec,
        *,
        workers: int = 2,
        queue_timeout: float = 0.5,
        allowed_service_endpoints: Iterable[str] = (),
        max_nesting: int | None = None,
        start_method: str = "spawn",
        startup_timeout: float = 60.0,
        memory_limit: int | None = None,
        recycle_rss: int | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if memory_limit is not None and memory_limit <= 0:
            raise ValueError("memory_limit must be positive or None")
        if recycle_rss is not None and recycle_rss <= 0:
            raise ValueError("recycle_rss must be positive or None")
        self.memory_limit = memory_limit
        self.recycle_rss = recycle_rss
        if start_method not in _START_METHODS:
            raise ValueError(f"start_method must be one of {_START_METHODS}")
        self.spec = spec
        self.workers = workers
        self.queue_timeout = queue_timeout
        self.allowed_service_endpoints = frozenset(allowed_service_endpoints)
        self.max_nesting = max_nesting
        self.startup_timeout = startup_timeout
        self._context = cast(
            "SpawnContext | ForkServerContext", multiprocessing.get_context(start_method)
        )
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._start_lock = threading.Lock()
        # Free workers: the most recently used (warm) at the right, fresh ones at the left.
        self._idle: deque[_Worker] = deque()
        self._started = False
        self._live: set[_Worker] = set()
        self._busy = 0
        self._pid: int | None = None
        self._closed = False
        self._finalizer: weakref.finalize[..., QueryExecutor] | None = None

    def __enter__(self) -> QueryExecutor:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def busy(self) -> int:
        """How many workers are running a query now."""
        return self._busy

    @property
    def pids(self) -> list[int]:
        """The process ids of the current workers."""
        with self._lock:
            return sorted(w.pid for w in self._live)

    def start(self) -> None:
        """Start the workers and wait until each has opened the store; does nothing
        if they are started. ``execute`` calls it on first use.

        Raises WorkerError if a worker cannot open the store in time (the workers
        started are stopped, and the next call tries again), ExecutorClosedError
        after ``close()`` or in a process forked after the start.
        """
        with self._start_lock:
            with self._lock:
                self._check_open()
                if self._started:
                    return
                self._pid = os.getpid()
                self._finalizer = weakref.finalize(
                    self, _shut_down, self._pid, self._lock, self._live
                )
                started = [self._spawn() for _ in range(self.workers)]
            try:
                for worker in started:
                    worker.wait_ready(self.startup_timeout)
            except WorkerError:
                with self._lock:
                    self._live.difference_update(started)
                for worker in started:
                    worker.kill()
                raise
            with self._available:
                self._idle.extend(started)
                self._started = True
                self._available.notify_all()

    def close(self) -> None:
        """Stop every worker (a query running is abandoned). Idempotent."""
        with self._available:
            self._closed = True
            finalizer = self._finalizer
            self._available.notify_all()
        if finalizer is not None and (self._pid is None or self._pid == os.getpid()):
            finalizer()

    def execute(
        self,
        query: str,
        *,
        result_format: ResultFormat | Mapping[Kind, ResultFormat],
        use_default_graph_as_union: bool,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        timeout: float | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
        max_bytes: int | None = None,
        jsonld: JsonLd | None = None,
    ) -> QueryOutcome:
        """Run ``query`` in a free worker and return its serialised answer.

        ``result_format`` is a format name (``RESULTS_FORMATS`` for SELECT and ASK,
        ``GRAPH_FORMATS`` for CONSTRUCT and DESCRIBE) or a pyoxigraph format, or a
        mapping from the kinds ``select``, ``ask`` and ``graph`` to formats: the
        caller negotiates a format for each kind it accepts before knowing which
        kind the query is. ``use_default_graph_as_union``, ``default_graph`` and
        ``named_graphs`` (IRIs) are passed to ``Store.query``; the first cannot be
        true with the second. ``timeout`` (seconds; None: no limit) bounds the
        evaluation and serialisation, not the wait for a worker. ``max_rows``
        bounds the solutions or triples in the body, ``max_bytes`` its size (None:
        no bound); whole solutions or triples are kept, so a cut body is valid (a
        graph is cut where its N-Triples form would pass ``max_bytes``, or its own
        format's; an empty document is never cut). ``base_iri`` resolves the
        query's relative IRIs when it declares no BASE of its own. ``jsonld``:
        write the ``jsonld`` format as the service's JSON-LD.

        Raises QuerySyntaxError and QueryRefused (an update, a SERVICE not allowed):
        the client's errors; FormatUnavailableError (no format for the query's
        kind); FormatUnwritableError (the answer cannot be written in its format);
        QueryTimeout; QueryMemoryError (past ``memory_limit``); ExecutorBusy;
        QueryEvaluationError (evaluation raised in the worker), WorkerError,
        ExecutorClosedError; ValueError for bad arguments (unknown format, invalid
        graph IRI).
        """
        formats = format_names(result_format)
        _check_dataset(use_default_graph_as_union, default_graph, named_graphs)
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be positive or None")
        if max_rows is not None and max_rows < 0:
            raise ValueError("max_rows must be at least 0 or None")
        if max_bytes is not None and max_bytes < 0:
            raise ValueError("max_bytes must be at least 0 or None")
        request = (
            query,
            formats,
            max_rows,
            use_default_graph_as_union,
            None if default_graph is None else list(default_graph),
            None if named_graphs is None else list(named_graphs),
            base_iri,
            max_bytes,
            jsonld,
        )
        if not self._started:
            self.start()
        worker = self._acquire()
        healthy = False
        try:
            worker.wait_ready(self.startup_timeout)
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                assert timeout is not None
                raise QueryTimeout(timeout)
            reply, retire = worker.conn.recv()
            body = worker.conn.recv_bytes() if reply[0] == "ok" else b""
            # A worker that ran out of memory, or kept too much, is replaced.
            healthy = reply[0] != "memory" and not retire
        except (EOFError, OSError) as err:
            if self._closed:
                raise ExecutorClosedError("the executor was closed during the query") from err
            if self.memory_limit is not None and worker.exitcode() == -signal.SIGABRT:
                # Past RLIMIT_DATA, Rust code (Oxigraph) aborts the process.
                raise QueryMemoryError(self.memory_limit) from err
            raise WorkerError("a query worker stopped unexpectedly; it was replaced") from err
        finally:
            self._release(worker, healthy)
        if reply[0] == "memory":
            raise QueryMemoryError(self.memory_limit)
        return outcome_of(reply, body, formats)

    def _check_open(self) -> None:
        if self._closed:
            raise ExecutorClosedError("the executor is closed")
        if self._pid is not None and self._pid != os.getpid():
            raise ExecutorClosedError(
                "this executor was started in another process; create or start one in "
                "each process after it forks (e.g. each gunicorn worker)"
            )

    def _spawn(self) -> _Worker:
        """Start one worker (call with the lock held); it opens the store meanwhile."""
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=serve_requests,
            args=(
                child,
                self.spec,
                self.allowed_service_endpoints,
                self._pid,
                self.max_nesting,
                self.memory_limit,
                self.recycle_rss,
            ),
            name="healthtech-lod-query",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._live.add(worker)
        return worker

    def _acquire(self) -> _Worker:
        """A free worker, waiting at most ``queue_timeout``; raises ExecutorBusy."""
        deadline = time.monotonic() + self.queue_timeout
        with self._available:
            while True:
                self._check_open()
                if self._idle:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ExecutorBusy(
                        f"All {self.workers} query workers are busy; retry in a moment."
                    )
                self._available.wait(remaining)
            self._busy += 1
            return self._idle.pop()

    def _release(self, worker: _Worker, healthy: bool) -> None:
        """Put ``worker`` back, or kill it and put a fresh one in its place."""
        with self._available:
            self._busy -= 1
            if healthy and not self._closed:
                self._idle.append(worker)
                self._available.notify()
                return
            # Whoever takes a worker out of _live stops it: here, or close().
            owned = worker in self._live
            self._live.discard(worker)
        if owned:
            worker.kill()
        with self._available:
            if not self._closed:
                self._idle.appendleft(self._spawn())
                self._available.notify()


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.ready = False

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def wait_ready(self, timeout: float) -> None:
        """Wait for the worker's report that it opened the store.

        Raises WorkerError if it reports a failure, dies or takes longer than
        ``timeout`` seconds.
        """
        if self.ready:
            return
        try:
            if not self.conn.poll(timeout):
                raise WorkerError(f"a query worker did not open the store in {timeout:g} s")
            status, message = self.conn.recv()
        except (EOFError, OSError) as err:
            raise WorkerError("a query worker died while opening the store") from err
        if status != "ready":
            raise WorkerError(f"a query worker could not open the store: {message}")
        self.ready = True

    def exitcode(self) -> int | None:
        """The exit code of a process whose pipe closed (negative: the signal that
        ended it), once reaped; None if it still runs a second later."""
        self.process.join(1)
        return self.process.exitcode

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        """Stop the process: it ignores SIGTERM and holds nothing to save, so SIGKILL."""
        self.kill()


def _shut_down(owner: int, lock: threading.Lock, live: set[_Worker]) -> None:
    """Stop the workers (only in the process owning them)."""
    if os.getpid() != owner:
        return
    # Bounded wait: at interpreter exit a frozen daemon thread may hold the lock.
    locked = lock.acquire(timeout=1)
    try:
        workers = list(live)
        live.clear()
    finally:
        if locked:
            lock.release()
    for worker in workers:
        worker.process.kill()
    for worker in workers:
        worker.stop()


def _check_dataset(
    union: bool, default_graph: list[str] | None, named_graphs: list[str] | None
) -> None:
    """Raises ValueError for contradictory dataset parameters or an invalid IRI."""
    if union and default_graph is not None:
        raise ValueError("use_default_graph_as_union cannot be combined with default_graph")
    for iri in [*(default_graph or ()), *(named_graphs or ())]:
        ox.NamedNode(iri)
