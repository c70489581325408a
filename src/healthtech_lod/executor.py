"""SPARQL queries run in worker processes that can be stopped.

Oxigraph cannot cancel a query, and a thread that gives up waiting leaves the
query burning a core. So a ``QueryExecutor`` owns a small pool of worker
processes (started with ``spawn`` or ``forkserver``, never ``fork``): each opens
the store once, then answers requests over a pipe. A query that outlives its
timeout gets its worker SIGKILLed and replaced; a caller who finds every worker
busy waits a short ``queue_timeout`` and gets ``ExecutorBusy`` (answer 503).

In a worker, before the store sees a query, a SPARQL tokenizer refuses SERVICE
(federation makes Oxigraph call other servers) unless the endpoint is allowed,
and brackets nested deeper than ``max_nesting``. The query then runs on a thread
with a deep stack: Oxigraph's parser and evaluator recurse once per level of the
query's tree, and a query of a few thousand nested brackets, chained triple
patterns or MINUS clauses overflows the usual 8 MiB stack (SIGSEGV, the worker
gone).
A text that does not parse as a query is parsed as an update by an empty
read-only store of the worker's own (which parses the update, then refuses to
open a transaction, so nothing runs and nothing is fetched; the real store never
sees it): a valid update is refused as read-only, anything else is a syntax
error with its line and column. Each worker also watches the process that owns
it and exits when it is gone, so a killed owner leaves no query running.

Only bytes cross the pipe: the request's text and format names, and the body
serialised by the worker in its final format (SPARQL JSON, XML, CSV or TSV; an
RDF format written as the service writes it: the project's prefixes, each triple
once, and JSON-LD compacted with pyld when asked), under the query's time limit,
so the caller only sends bytes. The body stops at ``max_rows`` solutions or
triples and at ``max_bytes`` bytes, whole solutions or triples only, so a cut
answer is still a valid document; the outcome says which limit cut it.

A worker's data segment may be limited (``memory_limit``, RLIMIT_DATA, set before
it opens the store): a query needing more gets ``QueryMemoryError`` and the
worker is replaced. A worker whose resident set exceeds ``recycle_rss`` after a
query is replaced too, so memory a large answer left behind is given back.

The pool starts on first use (or ``start()``) in the process that uses it, so an
executor made by ``create_app`` in gunicorn's master before the fork starts its
own pool in each gunicorn worker. A started executor refuses to serve from a
forked copy of its process.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import IO, Any, Literal, TypeVar, cast
from urllib.parse import urljoin

import pyoxigraph as ox

Kind = Literal["select", "ask", "graph"]
KINDS: tuple[Kind, ...] = ("select", "ask", "graph")
#: Which limit cut an answer: ``max_rows`` or ``max_bytes``.
Cut = Literal["rows", "bytes"]

#: Formats of SELECT and ASK results, by name.
RESULTS_FORMATS: Mapping[str, ox.QueryResultsFormat] = MappingProxyType(
    {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
    }
)
#: Formats of CONSTRUCT and DESCRIBE results, by name (JSON-LD is expanded).
GRAPH_FORMATS: Mapping[str, ox.RdfFormat] = MappingProxyType(
    {
        "turtle": ox.RdfFormat.TURTLE,
        "ntriples": ox.RdfFormat.N_TRIPLES,
        "nquads": ox.RdfFormat.N_QUADS,
        "trig": ox.RdfFormat.TRIG,
        "rdfxml": ox.RdfFormat.RDF_XML,
        "jsonld": ox.RdfFormat.JSON_LD,
    }
)
_FORMAT_NAMES: dict[ox.QueryResultsFormat | ox.RdfFormat, str] = {
    **{fmt: name for name, fmt in RESULTS_FORMATS.items()},
    **{fmt: name for name, fmt in GRAPH_FORMATS.items()},
}

ResultFormat = str | ox.QueryResultsFormat | ox.RdfFormat

READ_ONLY = (
    "This SPARQL service is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP, "
    "CREATE, ADD, MOVE, COPY) is refused. Send a SELECT, ASK, CONSTRUCT or DESCRIBE query."
)
_START_METHODS = ("spawn", "forkserver")
# Seconds between a worker's checks that the process owning it is still there.
_WATCH_INTERVAL = 0.25
#: The stack of the thread a query runs on (``on_deep_stack``). Oxigraph's parser,
#: optimiser and evaluator recurse once per level of a query's tree, at 1 to 4 KiB a
#: level: 2 600 chained triple patterns, MINUS clauses or ``(… AS ?v)``, or 2 200 nested
#: braces, overflow the usual 8 MiB stack. 64 MiB holds the deepest query of
#: MAX_QUERY_LENGTH's default (20 000 characters: tests/test_executor.py tries 19 000
#: levels). It is address space, touched only as deep as a query goes, but it counts
#: against the worker's QUERY_WORKER_MEMORY (RLIMIT_DATA counts private mappings).
QUERY_STACK_BYTES = 64 * 1024 * 1024
_STACK_LOCK = threading.Lock()
_T = TypeVar("_T")


class ExecutorError(Exception):
    """Base of everything the executor raises on purpose."""


class QueryError(ExecutorError):
    """The query itself is at fault: the client's error (400)."""


class QuerySyntaxError(QueryError):
    """The text is neither a valid query nor a valid update.

    ``line`` and ``column`` (1-based, as Oxigraph reports them) say where parsing
    stopped; None when Oxigraph's message gives no position.
    """

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"Syntax error at {where}{message}")


class QueryRefused(QueryError):  # noqa: N818 - the name the hardening issue uses
    """A well-formed request this service will not run: an update, or a SERVICE
    clause whose endpoint is not allowed."""


class QueryTimeout(ExecutorError):  # noqa: N818 - the name the hardening issue uses
    """The query ran past its time limit; its worker was killed and replaced."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        super().__init__(
            f"The query ran longer than the limit of {limit:g} seconds and was stopped. "
            "Narrow it: add a LIMIT, make triple patterns more selective (bind subjects, "
            "predicates or classes), and avoid patterns that share no variable (a "
            "cartesian product)."
        )


class ExecutorBusy(ExecutorError):  # noqa: N818 - the name the hardening issue uses
    """Every worker stayed busy for the whole ``queue_timeout`` (answer 503 with
    Retry-After)."""


class FormatUnavailableError(ExecutorError):
    """The caller gave no format for the kind of result the query produces (406)."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        super().__init__(f"No format was requested for a {kind} result.")


class FormatUnwritableError(ExecutorError):
    """The answer cannot be written in the format asked for (RDF/XML cannot write
    rdf:li as a predicate, JSON-LD an rdf:JSON literal that is not JSON…): 406."""

    def __init__(self, kind: Kind, result_format: str, message: str) -> None:
        self.kind = kind
        self.result_format = result_format
        self.message = message
        super().__init__(f"This {kind} result cannot be written as {result_format}: {message}")


class QueryMemoryError(ExecutorError):
    """The query needed more memory than a worker may take; the worker was replaced."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        allowed = f" ({limit / 2**20:g} MiB)" if limit is not None else ""
        super().__init__(
            f"The query needed more memory than allowed{allowed} and was stopped. Narrow it: "
            "add a LIMIT, select fewer or shorter values, and avoid building long strings "
            "(CONCAT, REPLACE, GROUP_CONCAT)."
        )


class QueryEvaluationError(ExecutorError):
    """Evaluating or serialising a valid query raised in the worker (a 500)."""


class WorkerError(ExecutorError):
    """A worker could not open the store or died unexpectedly (it is replaced)."""


class ExecutorClosedError(ExecutorError):
    """The executor was closed, or is used from a process forked after it started."""


@dataclass(frozen=True)
class StoreSpec:
    """How a worker opens the store; picklable, so it travels to the workers.

    ``StoreSpec(path=...)``: an on-disk store made by ``build_store``, opened
    read-only (about 15 ms; the workers share it through the OS page cache).
    ``StoreSpec(root=...)``: the repository's files loaded in memory, one copy
    per worker (tests and small data).
    """

    path: str | os.PathLike[str] | None = None
    root: str | os.PathLike[str] | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.root is None):
            raise ValueError("give exactly one of StoreSpec(path=...) or StoreSpec(root=...)")
        for name in ("path", "root"):  # plain strings, to pickle and compare simply
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, os.fspath(value))

    def open(self) -> ox.Store:
        """Open the store. Raises OSError (on-disk) or DatasetSyntaxError (files)."""
        if self.path is not None:
            return ox.Store.read_only(os.fspath(self.path))
        from .dataset import fill_default_graph, load_oxigraph  # rdflib only when needed

        assert self.root is not None
        return fill_default_graph(load_oxigraph(Path(self.root)))


def build_store(root: Path | str, path: Path | str) -> Path:
    """Load the repository at ``root`` into a new on-disk store at ``path``, each file
    in its named graph, and flush it; returns ``path`` for ``StoreSpec(path=...)``.

    Raises FileExistsError if ``path`` exists and is not an empty directory, and
    DatasetSyntaxError if a file does not parse.
    """
    from .dataset import fill_default_graph, load_oxigraph

    target = Path(path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} exists and is not an empty directory")
    store = ox.Store(str(target))
    fill_default_graph(load_oxigraph(Path(root), store))
    del store  # closes the database, so that workers may open it read-only
    return target


@dataclass(frozen=True)
class JsonLd:
    """How a graph asked for as ``jsonld`` is written: the service's JSON-LD
    (``jsonld.document``: ``form`` is ``compacted``, ``expanded`` or ``flattened``,
    with the context at ``context_url`` and IRIs relative to ``base``) instead of
    Oxigraph's expanded JSON-LD. Picklable, so it travels to the workers."""

    base: str
    context_url: str
    form: str = "compacted"


@dataclass(frozen=True)
class QueryOutcome:
    """A query's answer, serialised in its final format.

    ``count`` is the number of solutions (select) or triples (graph) in ``body``,
    1 for ask; ``truncated`` says the result had more than fits, and ``cut_by``
    which limit cut it: ``rows`` (``max_rows``) or ``bytes`` (``max_bytes``).
    ``boolean`` is the answer of an ASK query, None otherwise.
    """

    kind: Kind
    result_format: str
    media_type: str
    body: bytes
    count: int
    truncated: bool
    boolean: bool | None = None
    cut_by: Cut | None = None


class QueryExecutor:
    """A pool of worker processes answering SPARQL queries over one store.

    Thread-safe; use one per process. A context manager: leaving it closes it.
    ``allowed_service_endpoints`` lists the SERVICE endpoint IRIs a query may
    call (compared exactly, after resolving prefixed names and BASE); empty:
    federation is disabled. ``max_nesting`` refuses a query nesting brackets
    deeper (``nesting_depth``; None: no limit). ``queue_timeout`` is how long ``execute`` waits for
    a free worker; ``startup_timeout`` how long a worker may take to open the
    store. ``memory_limit`` (bytes; None: none) bounds each worker's data segment
    (RLIMIT_DATA: its heap and private memory, not the store's files mapped in),
    store included; ``recycle_rss`` (bytes; None: never) replaces a worker whose
    resident set is larger after a query.
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
            target=_serve,
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


def format_names(
    result_format: ResultFormat | Mapping[Kind, ResultFormat],
) -> dict[Kind, str]:
    """The format name for each kind the caller accepts. Raises ValueError."""
    if isinstance(result_format, Mapping):
        names: dict[Kind, str] = {}
        for kind, fmt in result_format.items():
            if kind not in KINDS:
                raise ValueError(f"unknown result kind {kind!r}; expected one of {KINDS}")
            name = _format_name(fmt)
            table = GRAPH_FORMATS if kind == "graph" else RESULTS_FORMATS
            if name not in table:
                raise ValueError(f"{name!r} is not a format for {kind} results")
            names[kind] = name
        return names
    name = _format_name(result_format)
    if name in RESULTS_FORMATS:
        return {"select": name, "ask": name}
    return {"graph": name}


def _format_name(fmt: ResultFormat) -> str:
    if isinstance(fmt, str):
        if fmt in RESULTS_FORMATS or fmt in GRAPH_FORMATS:
            return fmt
        known = [*RESULTS_FORMATS, *GRAPH_FORMATS]
        raise ValueError(f"unknown result format {fmt!r}; expected one of {known}")
    if fmt in _FORMAT_NAMES:
        return _FORMAT_NAMES[fmt]
    raise ValueError(f"unsupported result format {fmt!r}")


def _check_dataset(
    union: bool, default_graph: list[str] | None, named_graphs: list[str] | None
) -> None:
    """Raises ValueError for contradictory dataset parameters or an invalid IRI."""
    if union and default_graph is not None:
        raise ValueError("use_default_graph_as_union cannot be combined with default_graph")
    for iri in [*(default_graph or ()), *(named_graphs or ())]:
        ox.NamedNode(iri)


def _media_type(name: str) -> str:
    fmt = RESULTS_FORMATS.get(name) or GRAPH_FORMATS[name]
    return fmt.media_type


def outcome_of(reply: tuple[Any, ...], body: bytes, formats: dict[Kind, str]) -> QueryOutcome:
    """The worker's reply as an outcome, or the exception it stands for."""
    status = reply[0]
    if status == "ok":
        _, kind, count, cut, boolean = reply
        name = formats[kind]
        return QueryOutcome(
            kind, name, _media_type(name), body, count, cut is not None, boolean, cut
        )
    if status == "unwritable":
        raise FormatUnwritableError(reply[1], reply[2], reply[3])
    if status == "syntax":
        raise QuerySyntaxError(reply[1], reply[2], reply[3])
    if status == "refused":
        raise QueryRefused(reply[1])
    if status == "unavailable":
        raise FormatUnavailableError(reply[1])
    raise QueryEvaluationError(reply[1])


# --- In the worker process ----------------------------------------------------------


class UpdateProbe:
    """An empty read-only store that tells a valid update from a malformed text.

    Made on first need: an empty on-disk store in a temporary folder, opened
    read-only, then the folder is removed (the open store needs nothing more
    from it), so nothing is left behind even if the worker is killed.
    """

    def __init__(self) -> None:
        self.store: ox.Store | None = None

    def update_error(self, text: str) -> SyntaxError | None:
        """None if ``text`` is a valid update, else the update parser's error.

        A read-only store parses the update, then fails to open a transaction,
        before evaluating anything (no LOAD is fetched, no SERVICE called).
        """
        if self.store is None:
            folder = tempfile.mkdtemp(prefix="healthtech-lod-probe-")
            try:
                writer = ox.Store(folder)
                writer.flush()
                del writer
                self.store = ox.Store.read_only(folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        try:
            self.store.update(text)
        except SyntaxError as err:
            return err
        except (RuntimeError, OSError):
            return None
        return None  # pragma: no cover - a read-only store applies no update


def _serve(
    conn: Connection,
    spec: StoreSpec,
    allowed: frozenset[str],
    owner: int,
    max_nesting: int | None = None,
    memory_limit: int | None = None,
    recycle_rss: int | None = None,
) -> None:  # pragma: no cover - runs in the worker process
    """A worker's life: limit its memory, open the store, report, then answer until
    the pipe closes, the owning process disappears, or it must be replaced (out of
    memory, or holding more than ``recycle_rss`` after a query)."""
    # Ctrl-C and a SIGTERM sent to the whole process group (systemd, a terminal) are
    # the owner's to handle: it lets its requests in flight finish, then stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    watchdog = threading.Thread(target=_watch, args=(owner, os.getppid()), daemon=True)
    watchdog.start()
    try:
        if memory_limit is not None:
            _limit_memory(memory_limit)
        # What writes RDF answers (rdflib, pyld), loaded now rather than under the
        # time limit of the first query that needs it.
        from . import jsonld, rdf  # noqa: F401

        store = spec.open()
    except Exception as err:  # reported to the parent, which raises WorkerError
        conn.send(("failed", f"{type(err).__name__}: {err}"))
        return
    conn.send(("ready", None))
    probe = UpdateProbe()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            reply, body = on_deep_stack(answer_request, store, probe, allowed, request, max_nesting)
        except MemoryError:  # past the memory limit: answer, then leave
            reply, body = ("memory",), b""
        except Exception as err:  # a 500 for this query; the worker keeps serving
            reply, body = ("failed", f"{type(err).__name__}: {err}"), b""
        retire = reply[0] == "memory" or (
            recycle_rss is not None and resident_bytes() > recycle_rss
        )
        try:
            conn.send((reply, retire))
            if reply[0] == "ok":
                conn.send_bytes(body)
        except OSError:  # the parent is gone
            return
        if retire:
            return  # the parent starts another worker in our place


def _limit_memory(limit: int) -> None:  # pragma: no cover - runs in the worker
    """Bound the data segment (heap, anonymous and private mappings: what a query
    allocates, not the store's files mapped in) to ``limit`` bytes, for good."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes(pid: int | str = "self") -> int:
    """The resident set of a process, in bytes (``/proc/PID/statm``)."""
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE_SIZE


def on_deep_stack(function: Callable[..., _T], *args: Any) -> _T:
    """``function(*args)``, run on a thread of its own whose stack is QUERY_STACK_BYTES.

    Its exception is raised here, stripped of its traceback first, so that the frames
    and the query trees they hold are freed on that thread, not on this one's smaller
    stack. Where no such thread can be made (no address space), it runs here.
    """
    results: list[_T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(function(*args))
        except BaseException as err:  # raised again in the caller
            errors.append(_without_traceback(err))

    thread = threading.Thread(target=run, name="healthtech-lod-query", daemon=True)
    with _STACK_LOCK:
        previous = threading.stack_size(QUERY_STACK_BYTES)
        try:
            thread.start()
        except RuntimeError:  # pragma: no cover - the system refused the stack
            pass
        finally:
            threading.stack_size(previous)
    if thread.ident is None:  # pragma: no cover
        run()
    else:
        thread.join()
    if errors:
        raise errors[0]
    return results[0]


def _without_traceback(err: BaseException) -> BaseException:
    chained: BaseException | None = err
    seen: set[int] = set()
    while chained is not None and id(chained) not in seen:
        seen.add(id(chained))
        chained.__traceback__ = None
        chained = chained.__cause__ or chained.__context__
    return err


def _watch(owner: int, parent: int) -> None:  # pragma: no cover - runs in the worker
    """Exit the worker once the process owning it is gone (say, a gunicorn worker
    SIGKILLed): an orphan would otherwise finish its query, burning a core."""
    while True:
        time.sleep(_WATCH_INTERVAL)
        if os.getppid() != parent or not _alive(owner):
            os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        pass
    return True


def answer_request(
    store: ox.Store,
    probe: UpdateProbe,
    allowed: frozenset[str],
    request: tuple[Any, ...],
    max_nesting: int | None = None,
) -> tuple[tuple[Any, ...], bytes | bytearray]:
    """Evaluate one request: the reply's header and the body."""
    query, formats, max_rows, union, default_graph, named_graphs, base_iri = request[:7]
    max_bytes, jsonld_options = request[7:]
    refusal = federation_refusal(query, allowed) or nesting_refusal(query, max_nesting)
    if refusal is not None:
        return ("refused", refusal), b""
    default: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None
    if default_graph is not None:
        default = [ox.NamedNode(iri) for iri in default_graph]
    named: list[ox.NamedNode | ox.BlankNode] | None = None
    if named_graphs is not None:
        named = [ox.NamedNode(iri) for iri in named_graphs]
    try:
        result = store.query(
            query,
            base_iri=base_iri,
            use_default_graph_as_union=union,
            default_graph=default,
            named_graphs=named,
        )
    except SyntaxError as err:
        return _syntax_reply(query, err, probe), b""
    kind: Kind
    if isinstance(result, ox.QueryBoolean):
        kind = "ask"
    elif isinstance(result, ox.QuerySolutions):
        kind = "select"
    else:
        kind = "graph"
    name = formats.get(kind)
    if name is None:
        return ("unavailable", kind), b""
    if isinstance(result, ox.QueryBoolean):
        return ("ok", kind, 1, None, bool(result)), _bytes(
            result.serialize(format=RESULTS_FORMATS[name])
        )
    if isinstance(result, ox.QuerySolutions):
        body, count, cut = _solutions_body(result, RESULTS_FORMATS[name], max_rows, max_bytes)
        return ("ok", kind, count, cut, None), body
    kept, cut = _kept_triples(result, max_rows, max_bytes)
    del result  # the strings the evaluation computed are freed before writing begins
    try:
        document, kept, cut = _graph_body(kept, cut, name, max_bytes, jsonld_options)
    except (OSError, ValueError) as err:  # RDF/XML cannot write rdf:li as a predicate…
        return ("unwritable", kind, name, str(err)), b""
    return ("ok", kind, len(kept), cut, None), document


def _bytes(body: bytes | None) -> bytes:
    assert body is not None  # serialize() returns bytes when given no output
    return body


class _AnswerFullError(Exception):
    """Raised through Oxigraph's serialiser to stop it: the answer holds all it may."""


#: What follows the solutions in an answer of each results format.
_RESULTS_END = {
    ox.QueryResultsFormat.JSON: b"]}}",
    ox.QueryResultsFormat.XML: b"</results></sparql>",
    ox.QueryResultsFormat.CSV: b"",
    ox.QueryResultsFormat.TSV: b"",
}
#: Bytes of SPARQL XML solutions written in the final format at once.
_BATCH_BYTES = 1 << 20


def _solutions_body(
    solutions: ox.QuerySolutions,
    fmt: ox.QueryResultsFormat,
    max_rows: int | None,
    max_bytes: int | None,
) -> tuple[bytearray, int, Cut | None]:
    """At most ``max_rows`` solutions in at most ``max_bytes`` bytes of ``fmt`` (but
    always the head), their count, and which limit left some out.

    Oxigraph writes the solutions as SPARQL XML into a ``_ResultsWriter``, which
    writes them in ``fmt`` batch by batch, as they come, and stops Oxigraph once
    the next solution would pass a limit: the solutions are read once and the
    answer never grows past the limits. (XML, not TSV: Oxigraph's TSV and JSON
    parsers refuse a line or value over 16 MiB, its XML parser does not.)"""
    writer = _ResultsWriter(fmt, max_rows, max_bytes)
    try:
        solutions.serialize(output=cast("IO[bytes]", writer), format=ox.QueryResultsFormat.XML)
        writer.flush_batch()
    except _AnswerFullError:
        pass
    return writer.finish(), writer.count, writer.cut


#: Where the head of a SPARQL XML answer ends, and where each solution does (text
#: holds "<" escaped, so neither occurs inside a value).
_XML_HEAD_END = b"<results>"
_XML_RESULT_END = b"</result>"
_XML_END = b"</results></sparql>"


class _ResultsWriter:
    """A binary file for Oxigraph's SPARQL XML writer that keeps the answer in ``fmt``.

    The XML is cut into its head and its solutions (``<result>…</result>``). A
    batch of solutions, as a whole XML answer, is parsed back by Oxigraph and
    written in ``fmt``; the part between that answer's head and its end
    (``_RESULTS_END``) is the batch's solutions, appended to the body (after a
    comma in JSON). A batch that would pass ``max_bytes`` is halved until its
    first part fits; the writer stops (``_AnswerFullError``) at the first
    solution that does not, or at solution ``max_rows + 1``. A solution longer
    than ``max_bytes`` as XML stops it too, before it is whole."""

    def __init__(self, fmt: ox.QueryResultsFormat, max_rows: int | None, max_bytes: int | None):
        self.fmt = fmt
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.xml_head: bytes | None = None
        self.head = b""
        self.end = _RESULTS_END[fmt]
        self.pending = bytearray()  # the solution being written
        self.scanned = 0  # bytes of `pending` known to hold no end of a solution
        self.batch: list[bytes] = []
        self.batch_bytes = 0
        self.body = bytearray()
        self.count = 0
        self.cut: Cut | None = None

    def write(self, data: bytes) -> int:
        self.pending += data
        if self.xml_head is None:
            at = self.pending.find(_XML_HEAD_END)
            if at < 0:
                return len(data)
            self._start(bytes(self.pending[: at + len(_XML_HEAD_END)]))
            del self.pending[: at + len(_XML_HEAD_END)]
            self.scanned = 0
        solutions, start = [], 0
        at = self.pending.find(_XML_RESULT_END, max(0, self.scanned - len(_XML_RESULT_END)))
        while at >= 0:
            solutions.append(bytes(self.pending[start : at + len(_XML_RESULT_END)]))
            start = at + len(_XML_RESULT_END)
            at = self.pending.find(_XML_RESULT_END, start)
        del self.pending[:start]
        self.scanned = len(self.pending)
        for solution in solutions:
            self._solution(solution)
        if self.max_bytes is not None and len(self.pending) > self.max_bytes + len(_XML_END):
            self._stop("bytes")
        return len(data)

    def flush(self) -> None:
        pass

    def flush_batch(self) -> None:
        """Write the solutions not written yet."""
        batch, self.batch, self.batch_bytes = self.batch, [], 0
        self._add(batch)

    def finish(self) -> bytearray:
        """The answer: head, the solutions kept, end."""
        if self.xml_head is None:  # pragma: no cover - Oxigraph always writes the head
            raise ValueError("Oxigraph wrote no SPARQL XML head")
        self.body += self.end
        return self.body

    def _start(self, xml_head: bytes) -> None:
        self.xml_head = xml_head
        empty = self._written([])
        if not empty.endswith(self.end):  # pragma: no cover - Oxigraph's writers
            raise ValueError(f"unexpected end of an empty {self.fmt} answer")
        self.head = empty[: len(empty) - len(self.end)]
        self.body += self.head

    def _solution(self, solution: bytes) -> None:
        if self.max_rows is not None and self.count + len(self.batch) >= self.max_rows:
            self._stop("rows")
        self.batch.append(solution)
        self.batch_bytes += len(solution)
        if self.batch_bytes >= _BATCH_BYTES:
            self.flush_batch()

    def _stop(self, cut: Cut) -> None:
        """Write the batch, then stop Oxigraph: the next solution passes a limit."""
        self.flush_batch()
        self.cut = self.cut or cut
        raise _AnswerFullError

    def _add(self, solutions: list[bytes]) -> None:
        """Append ``solutions`` in the final format, or as many of them as fit."""
        if not solutions:
            return
        written = self._written(solutions)
        part = written[len(self.head) : len(written) - len(self.end)]
        if self.fmt == ox.QueryResultsFormat.JSON and self.count:
            part = b"," + part
        if self.max_bytes is None or len(self.body) + len(part) + len(self.end) <= self.max_bytes:
            self.body += part
            self.count += len(solutions)
            return
        if len(solutions) == 1:
            self.cut = "bytes"
            raise _AnswerFullError
        half = len(solutions) // 2
        self._add(solutions[:half])
        self._add(solutions[half:])

    def _written(self, solutions: list[bytes]) -> bytes:
        """The head and ``solutions`` as a whole answer in the final format."""
        assert self.xml_head is not None
        xml = b"".join((self.xml_head, *solutions, _XML_END))
        if self.fmt == ox.QueryResultsFormat.XML:
            return xml
        parsed = ox.parse_query_results(xml, format=ox.QueryResultsFormat.XML)
        return _bytes(parsed.serialize(format=self.fmt))


def _kept_triples(
    triples: Iterable[ox.Triple], max_rows: int | None, max_bytes: int | None
) -> tuple[list[ox.Triple], Cut | None]:
    """The first triples, at most ``max_rows`` of them and as many as fit in
    ``max_bytes`` as N-Triples, and which limit left some out."""
    kept: list[ox.Triple] = []
    size = 0
    for triple in triples:
        if max_rows is not None and len(kept) == max_rows:
            return kept, "rows"
        if max_bytes is not None:
            size += len(str(triple).encode()) + 3  # " .\n"
            if size > max_bytes:
                return kept, "bytes"
        kept.append(triple)
    return kept, None


def _graph_body(
    kept: list[ox.Triple],
    cut: Cut | None,
    name: str,
    max_bytes: int | None,
    jsonld_options: JsonLd | None,
) -> tuple[bytes | bytearray, list[ox.Triple], Cut | None]:
    """``kept`` in the format ``name``, fewer of them (cut by bytes) until the document
    fits in ``max_bytes``: the body, the triples in it and which limit cut them.
    Raises OSError or ValueError when the triples cannot be written in the format."""
    while True:
        body, written = _graph_document(kept, name, max_bytes, jsonld_options)
        if body is not None:
            return body, kept, cut
        assert max_bytes is not None
        # The first `written` triples already passed the limit: keep fewer, in
        # proportion, so that a few tries at most find a size that fits.
        cut = "bytes"
        kept = kept[: max(0, min(len(kept) - 1, written - 1, int(written * 0.9)))]


def _graph_document(
    kept: list[ox.Triple], name: str, max_bytes: int | None, jsonld_options: JsonLd | None
) -> tuple[bytes | bytearray | None, int]:
    """``kept`` written as the service writes RDF (``rdf.serialize``: the project's
    prefixes, each triple once in a triple format; ``jsonld.document`` for the
    service's JSON-LD): the body and len(kept); or None, and how many triples had
    been written when the document passed ``max_bytes`` (an empty document is
    returned whatever its size)."""
    from . import jsonld, rdf

    distinct = list(dict.fromkeys(kept))  # rdf.triples(kept), without copying the triples
    if name == "jsonld" and jsonld_options is not None:
        opts = jsonld_options
        document = jsonld.document(distinct, opts.base, opts.context_url, None, opts.form)
        body, size = bytearray(), 0
        for chunk in jsonld.dump_chunks(document):  # jsonld.dumps(document), piece by piece
            size += len(chunk)
            if max_bytes is None or size <= max_bytes or not kept:
                body += chunk
            # Past the limit, the rest is only counted: the next try keeps fewer
            # triples, in proportion.
        if len(body) < size:
            assert max_bytes is not None
            return None, int(len(kept) * max_bytes / size) + 1
        return body, len(kept)
    fmt = GRAPH_FORMATS[name]
    statements = kept if fmt.supports_datasets else distinct
    sink = _CappedSink(max_bytes if kept else None)
    written = 0

    def each() -> Iterator[ox.Triple]:
        nonlocal written
        for statement in statements:
            written += 1
            yield statement

    try:
        # The sink is a file as far as Oxigraph cares: it only calls write().
        ox.serialize(each(), cast(IO[bytes], sink), fmt, prefixes=rdf.used_prefixes(statements))
    except _AnswerFullError:
        return None, written
    return sink.body, len(kept)


class _CappedSink:
    """A binary file that keeps what is written and raises _AnswerFullError once it
    would hold more than ``limit`` bytes."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.body = bytearray()

    def write(self, data: bytes) -> int:
        if self.limit is not None and len(self.body) + len(data) > self.limit:
            raise _AnswerFullError
        self.body += data
        return len(data)

    def flush(self) -> None:
        pass


_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def _syntax_reply(query: str, err: SyntaxError, probe: UpdateProbe) -> tuple[Any, ...]:
    """Refuse a valid update; otherwise report the parser error that got further
    (the query's or, for an attempted update, the update's)."""
    update_err = probe.update_error(query)
    if update_err is None:
        return ("refused", READ_ONLY)
    message, line, column = _position(err)
    update_message, update_line, update_column = _position(update_err)
    if (update_line or 0, update_column or 0) > (line or 0, column or 0):
        message, line, column = update_message, update_line, update_column
    return ("syntax", message, line, column)


def _position(err: SyntaxError) -> tuple[str, int | None, int | None]:
    text = str(err)
    match = _POSITION.match(text)
    if match is None:
        return text, None, None
    return match[3], int(match[1]), int(match[2])


# --- SERVICE detection ----------------------------------------------------------------

# The query is cut into SPARQL's tokens, so that the word SERVICE in a string, a
# comment, an IRI, a variable, a language tag, a blank node label or the local part of
# a prefixed name is not taken for the keyword. The rules err on one side only: what
# a token here hides must be hidden from Oxigraph too, so a token never stops short
# of Oxigraph's (exposing, say, an escaped quote that would open a string here).
# - Comments end at CR or LF, as in Oxigraph; strings follow the grammar exactly.
# - Name characters are a superset of the grammar's (Python's \w and its ranges).
# - Oxigraph reads keywords without a boundary ("trueSERVICE", "SERVICESILENT"), so
#   any run of name characters containing "service" counts as the keyword, and so
#   does the prefix of a prefixed name ("SERVICEex:sparql" is SERVICE ex:sparql).
# - "<" is an IRI or the less-than operator depending on the grammar; a span read
#   here as an IRI can only mislead if it holds a "'" (Oxigraph may read a string
#   from there), so such a span makes every "service" in the query suspect.
# - Oxigraph does not expand \u escapes outside strings and IRIs.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR = rf"[\w\-{_PN_CHARS_BASE}\u00b7\u0300-\u036f\u203f-\u2040]"
_PN_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL_CHAR = rf"(?:{_NAME_CHAR}|:|%[0-9A-Fa-f]{{2}}|{_PN_ESCAPE})"
_PN_LOCAL = rf"{_PN_LOCAL_CHAR}(?:(?:{_PN_LOCAL_CHAR}|\.)*(?<!\.))?"
_TOKEN = re.compile(
    rf"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*+)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*+'''
        | \"\"\"(?:[^"\\]|\\.|"(?!""))*+\"\"\"
        | '(?:[^'\\\r\n]|\\.)*+'
        | "(?:[^"\\\r\n]|\\.)*+")
    | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+>)
    | (?P<var>[?$]{_NAME_CHAR}++)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*+)
    | (?P<pname>{_NAME_CHAR}*+:(?:{_PN_LOCAL})?)
    | (?P<name>{_NAME_CHAR}++)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_MAYBE_SERVICE = re.compile("service", re.IGNORECASE)
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(_PN_ESCAPE)


def service_endpoints(query: str) -> list[str | None]:
    """The endpoint IRI of each SERVICE clause of ``query``, in order; None where the
    endpoint is a variable or an undeclared prefixed name, or cannot be told.

    Prefixed names are expanded and relative IRIs resolved against BASE. The word
    SERVICE in a string, comment, IRI, variable or local name is not a clause; any
    other token containing it is taken for one (see the rules above).
    """
    if _MAYBE_SERVICE.search(query) is None:
        return []
    prefixes: dict[str, str] = {}
    base: str | None = None
    endpoints: list[str | None] = []
    suspect = False
    tokens = _significant_tokens(query)
    for kind, text in tokens:
        if kind == "iri":
            suspect = suspect or "'" in text
            continue
        if kind not in ("name", "pname"):
            continue
        word = text.upper() if kind == "name" else text.partition(":")[0].upper()
        if kind == "name" and word == "BASE":
            kind, text = next(tokens, ("", ""))
            if kind == "iri":
                base = _resolve(base, text)
        elif kind == "name" and word == "PREFIX":
            kind, name = next(tokens, ("", ""))
            iri_kind, iri = next(tokens, ("", ""))
            if kind == "pname" and name.endswith(":") and iri_kind == "iri":
                prefixes[name[:-1]] = _resolve(base, iri)
        elif kind == "name" and word in ("SERVICE", "SERVICESILENT"):
            kind, text = next(tokens, ("", ""))
            if word == "SERVICE" and kind == "name" and text.upper() == "SILENT":
                kind, text = next(tokens, ("", ""))
            endpoints.append(_endpoint(kind, text, base, prefixes))
        elif "SERVICE" in word:
            endpoints.append(None)
    if suspect:
        endpoints.append(None)
    return endpoints


def has_dataset_clause(query: str) -> bool:
    """Whether ``query`` names its own dataset (``FROM`` or ``FROM NAMED``): the
    keyword as a token, not in a string, comment, IRI or name."""
    return any(
        kind == "name" and text.upper() == "FROM" for kind, text in _significant_tokens(query)
    )


def federation_refusal(query: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why ``query`` is refused for its SERVICE clauses, or None if every endpoint
    it calls is in ``allowed``."""
    denied = {e for e in service_endpoints(query) if e is None or e not in allowed}
    if not denied:
        return None
    calls = ", ".join(
        sorted("an endpoint that cannot be checked" if e is None else f"<{e}>" for e in denied)
    )
    if not allowed:
        return f"Federated query (SERVICE) is disabled on this endpoint; the query calls {calls}."
    listed = ", ".join(f"<{e}>" for e in sorted(allowed))
    return f"SERVICE may only call {listed}; the query calls {calls}."


def _significant_tokens(query: str) -> Iterator[tuple[str, str]]:
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup
        assert kind is not None
        if kind not in ("space", "comment"):
            yield kind, match.group()


def _endpoint(kind: str, text: str, base: str | None, prefixes: dict[str, str]) -> str | None:
    if kind == "iri":
        return _resolve(base, text)
    if kind == "pname":
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + _LOCAL_ESCAPE.sub(lambda m: m.group()[1:], local)
    return None


def _resolve(base: str | None, iri: str) -> str:
    """An IRI token's value (escapes decoded), resolved against ``base``."""
    value = _UCHAR.sub(_unescape, iri[1:-1])
    try:
        return urljoin(base, value) if base else value
    except ValueError:  # a base such as <http://[x>: the parser will refuse the query
        return value


def _unescape(match: re.Match[str]) -> str:
    """The character of a \\u or \\U escape; U+FFFD past the last code point (the
    parser then refuses the query)."""
    code = int(match[1] or match[2], 16)
    return chr(code) if code <= sys.maxunicode else "\ufffd"


# --- Nesting depth ----------------------------------------------------------------------

_OPENING = frozenset("({[")
_CLOSING = frozenset(")}]")


def nesting_depth(query: str) -> int:
    """How deep ``query`` nests brackets: ``(``, ``{``, ``[`` and RDF 1.2's ``<<``, all
    counted together, read as SPARQL's tokens (the tokenizer above), so that brackets in
    a string, an IRI or a comment do not count. A closing bracket never takes the count
    below zero."""
    depth = deepest = 0
    second = False  # the token is the second "<" of "<<" or ">" of ">>"
    for match in _TOKEN.finditer(query):
        if match.lastgroup != "other" or second:
            second = False
            continue
        char = match.group()
        doubled = query[match.end() : match.end() + 1] == char
        if char in _OPENING or (char == "<" and doubled):
            depth += 1
            deepest = max(deepest, depth)
            second = char == "<"
        elif char in _CLOSING or (char == ">" and doubled):
            depth = max(0, depth - 1)
            second = char == ">"
    return deepest


def nesting_refusal(query: str, limit: int | None) -> str | None:
    """Why ``query`` is refused for nesting brackets deeper than ``limit`` (None: no
    limit), or None."""
    if limit is None:
        return None
    brackets = sum(query.count(char) for char in _OPENING) + query.count("<<")
    if brackets <= limit:  # it cannot nest deeper than it has brackets
        return None
    depth = nesting_depth(query)
    if depth <= limit:
        return None
    return (
        f"The query nests brackets {depth} deep; the limit is {limit} (parentheses, "
        "braces and square brackets counted together). Write it with fewer nested "
        "groups, sub-queries or parenthesised expressions."
    )
