"""The engines the query mix runs on, behind one interface, and the timing protocol.

Every engine answers ``run(text) -> Run``: the milliseconds of one query, answered in full
as SPARQL JSON, its number of rows (when asked for) or what went wrong. Over HTTP the time
is the client's, from sending the request to reading the last byte of the answer, on a
keep-alive connection; in process it is the query plus the serialisation of its results to
SPARQL JSON, measured inside the engine's own process.

- ``ServiceEngine``: `healthtech-lod serve --store DIR` (POST form to /sparql);
- ``OxigraphEngine``: pyoxigraph in a child process, the same built store opened with
  ``Store.read_only``, queried with ``use_default_graph_as_union=True`` (or, with
  ``union=False``, over the store's default graph, as the service queries it);
- ``RdflibEngine``: rdflib's in-memory ``Dataset(default_union=True)`` in a child process,
  loaded from the build's N-Quads dump;
- ``HttpEngine``: any SPARQL endpoint over HTTP (rdflib-endpoint, Virtuoso).

``measure(engine, queries, …)`` runs the protocol: a cold pass (the first run of each query
on a freshly started engine), then the warm runs of each query in turn. Every timed text is
unique (a trailing ``# …`` comment), so that no answer cache or parsed-query cache answers
it. A query past the time limit is recorded as a timeout and not run again on that engine.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import signal
import statistics
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from mix import Query

HOST = "127.0.0.1"
SPARQL_JSON = "application/sparql-results+json"


@dataclass
class Run:
    ms: float | None = None
    rows: int | None = None
    error: str | None = None
    timeout: bool = False


@dataclass
class QueryResult:
    """One query on one engine: its cold run and its warm runs."""

    name: str
    cold: Run
    warm_ms: list[float] = field(default_factory=list)
    warm_error: str | None = None
    warm_timeout: bool = False
    rows: int | None = None
    note: str | None = None

    @property
    def warm_median(self) -> float | None:
        return statistics.median(self.warm_ms) if self.warm_ms else None


@dataclass
class Protocol:
    timeout: float = 60.0
    reps: int = 20
    budget: float = 5.0
    min_reps: int = 3
    #: With a cold run slower than this (seconds), one warm run is enough.
    slow: float = 10.0


class Engine:
    name = "engine"

    def run(self, text: str, count: bool = False) -> Run:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


def unique(text: str, tag: str) -> str:
    return f"{text}\n# {tag} {uuid.uuid4().hex}"


def measure(
    engine: Engine,
    queries: Sequence[Query],
    protocol: Protocol,
    skip: Callable[[Query], str | None] = lambda q: None,
    log: Callable[[str], None] = print,
) -> list[QueryResult]:
    """The cold pass, then the warm runs, of every query on ``engine``."""
    results: list[QueryResult] = []
    for query in queries:
        reason = skip(query)
        if reason is not None:
            results.append(QueryResult(query.name, Run(timeout=True, error=reason), note=reason))
            continue
        cold = engine.run(unique(query.text, "cold"), count=True)
        results.append(QueryResult(query.name, cold, rows=cold.rows))
        log(f"  {engine.name} cold {query.name}: {_show(cold)}")
    for query, result in zip(queries, results, strict=True):
        if result.cold.ms is None or result.cold.timeout:
            continue
        started = time.monotonic()
        minimum = 1 if result.cold.ms > protocol.slow * 1000 else protocol.min_reps
        while len(result.warm_ms) < protocol.reps:
            if len(result.warm_ms) >= minimum and time.monotonic() - started >= protocol.budget:
                break
            run = engine.run(unique(query.text, f"warm {len(result.warm_ms)}"))
            if run.ms is None or run.timeout:
                result.warm_error = run.error
                result.warm_timeout = run.timeout
                break
            result.warm_ms.append(run.ms)
        log(
            f"  {engine.name} warm {query.name}: median {_fmt(result.warm_median)} ms"
            f" of {len(result.warm_ms)}"
        )
    return results


def repeat(
    engine: Engine,
    queries: Sequence[Query],
    reps: int,
    prime: int = 1,
    budget: float = 5.0,
    min_reps: int = 3,
) -> dict[str, list[float]]:
    """The same text again and again (after ``prime`` untimed sends, which put it in
    the answer cache of the server process the keep-alive connection talks to): what a
    repeated query costs. Like the warm runs, they stop after ``budget`` seconds once
    ``min_reps`` are done (an answer too large for the cache runs every time)."""
    found: dict[str, list[float]] = {}
    for query in queries:
        text = query.text + "\n# repeated"
        times: list[float] = []
        for _ in range(prime):
            engine.run(text)
        started = time.monotonic()
        while len(times) < reps:
            if len(times) >= min_reps and time.monotonic() - started >= budget:
                break
            run = engine.run(text)
            if run.ms is None or run.timeout:
                break
            times.append(run.ms)
        found[query.name] = times
    return found


def _fmt(ms: float | None) -> str:
    return "-" if ms is None else f"{ms:.1f}"


def _show(run: Run) -> str:
    if run.timeout:
        return f"timeout ({run.error or ''})"
    if run.error:
        return f"error: {run.error[:200]}"
    return f"{run.ms:.1f} ms, {run.rows} rows"


def as_dicts(results: Iterable[QueryResult]) -> list[dict[str, Any]]:
    out = []
    for r in results:
        d = asdict(r)
        d["warm_median"] = r.warm_median
        out.append(d)
    return out


# --- over HTTP -------------------------------------------------------------------------------


def count_rows(body: bytes) -> int | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if "boolean" in data:
        return 1
    return len(data.get("results", {}).get("bindings", []))


class HttpEngine(Engine):
    """A SPARQL endpoint at ``http://127.0.0.1:{port}{path}``: queries POSTed as a form,
    answers asked for as SPARQL JSON, one keep-alive connection."""

    def __init__(
        self,
        name: str,
        port: int,
        path: str,
        timeout: float,
        on_timeout: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.path = path
        self.timeout = timeout
        self.on_timeout = on_timeout
        self.connection: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self.connection is None:
            # The socket waits a little past the limit: servers answer their own timeouts.
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout + 15)
        return self.connection

    def run(self, text: str, count: bool = False) -> Run:
        body = urllib.parse.urlencode({"query": text}).encode()
        headers = {"Accept": SPARQL_JSON, "Content-Type": "application/x-www-form-urlencoded"}
        for attempt in (1, 2):
            connection = self._connection()
            started = time.perf_counter()
            try:
                connection.request("POST", self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except TimeoutError:
                self.close()
                if self.on_timeout is not None:
                    self.on_timeout()
                return Run(timeout=True, error=f"no answer within {self.timeout + 15:g} s")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 1:
                    continue
                raise
            ms = (time.perf_counter() - started) * 1000
            if response.will_close:
                self.close()
            if ms >= self.timeout * 1000:
                if self.on_timeout is not None:
                    self.on_timeout()
                return Run(
                    ms=None, timeout=True, error=f"status {response.status} after {ms:.0f} ms"
                )
            if response.status != 200:
                text_ = data[:300].decode(errors="replace").replace("\n", " ")
                if response.status == 503 and b"limit" in data:
                    return Run(timeout=True, error=f"503: {text_}")
                return Run(error=f"status {response.status}: {text_}")
            if not response.getheader("Content-Type", "").startswith(SPARQL_JSON):
                return Run(error=f"Content-Type {response.getheader('Content-Type')!r}")
            return Run(ms=ms, rows=count_rows(data) if count else None)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


# --- in a child process ----------------------------------------------------------------------


class ChildEngine(Engine):
    """An engine living in a child process (spawned), asked over a pipe. The child times
    each query itself; a child that does not answer within the limit (plus ``grace``) is
    killed and replaced before the next query."""

    target: Callable[..., None]

    def __init__(self, name: str, args: tuple[Any, ...], timeout: float, grace: float) -> None:
        self.name = name
        self.args = args
        self.timeout = timeout
        self.grace = grace
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.ready: dict[str, Any] = {}
        self.restarts = 0

    def start(self, wait: float = 7200) -> dict[str, Any]:
        """Start the child and wait until it is ready; returns what it said then."""
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        started = time.monotonic()
        self.process = context.Process(
            target=type(self).target, args=(child, self.timeout, *self.args), daemon=True
        )
        self.process.start()
        child.close()
        self.conn = parent
        if not parent.poll(wait):
            self.close()
            raise RuntimeError(f"{self.name} was not ready within {wait:g} s")
        message = parent.recv()
        if message[0] != "ready":
            self.close()
            raise RuntimeError(f"{self.name} failed to start: {message}")
        self.ready = dict(message[1])
        self.ready["start_seconds"] = time.monotonic() - started
        self.ready["rss_kib"] = rss_kib(self.process.pid)
        return self.ready

    def run(self, text: str, count: bool = False) -> Run:
        if self.process is None or not self.process.is_alive():
            self.restarts += 1
            self.start()
        assert self.conn is not None
        self.conn.send(("run", text, count))
        if not self.conn.poll(self.timeout + self.grace):
            self.close()  # killed: the next run starts a new child
            return Run(timeout=True, error=f"no answer within {self.timeout:g} s (killed)")
        status, ms, rows, error = self.conn.recv()
        if status == "timeout":
            return Run(timeout=True, error=f"stopped at {self.timeout:g} s")
        if status == "error":
            return Run(error=error)
        if ms >= self.timeout * 1000:
            return Run(timeout=True, error=f"answered after {ms:.0f} ms")
        return Run(ms=ms, rows=rows)

    def rss_kib(self) -> int:
        return rss_kib(self.process.pid) if self.process is not None else 0

    def close(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(10)
        self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _oxigraph_child(conn: Connection, timeout: float, store_path: str, union: bool) -> None:
    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    started = time.perf_counter()
    store = ox.Store.read_only(store_path)
    conn.send(("ready", {"open_seconds": time.perf_counter() - started, "pid": os.getpid()}))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        _, text, count = request
        try:
            began = time.perf_counter()
            body = store.query(text, use_default_graph_as_union=union).serialize(
                format=ox.QueryResultsFormat.JSON
            )
            ms = (time.perf_counter() - began) * 1000
        except Exception as err:  # noqa: BLE001 - reported, not raised
            conn.send(("error", None, None, f"{type(err).__name__}: {err}"))
            continue
        conn.send(("ok", ms, count_rows(body) if count else None, None))


class OxigraphEngine(ChildEngine):
    """``union=False`` queries the store's own default graph, as the service does (the
    build writes the set union of the named graphs there)."""

    target = staticmethod(_oxigraph_child)

    def __init__(self, store_path: Path, timeout: float, union: bool = True) -> None:
        super().__init__("pyoxigraph", (str(store_path), union), timeout, grace=5)


class _AlarmError(Exception):
    pass


def _rdflib_child(conn: Connection, timeout: float, dump: str) -> None:
    """rdflib's Dataset in memory, loaded from the N-Quads dump. rdflib is pure Python,
    so a SIGALRM stops a query at the limit and the child goes on."""
    import gzip

    import rdflib

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def alarm(signum: int, frame: object) -> None:
        raise _AlarmError

    signal.signal(signal.SIGALRM, alarm)
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    opener = gzip.open if dump.endswith(".gz") else open
    with opener(dump, "rb") as data:
        dataset.parse(data, format="nquads")
    seconds = time.perf_counter() - started
    conn.send(("ready", {"load_seconds": seconds, "quads": len(dataset), "pid": os.getpid()}))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        _, text, count = request
        began = time.perf_counter()
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            try:
                body = dataset.query(text).serialize(format="json")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            ms = (time.perf_counter() - began) * 1000
        except _AlarmError:
            conn.send(("timeout", None, None, None))
            continue
        except Exception as err:  # noqa: BLE001 - reported, not raised
            conn.send(("error", None, None, f"{type(err).__name__}: {err}"))
            continue
        assert isinstance(body, bytes)
        conn.send(("ok", ms, count_rows(body) if count else None, None))


class RdflibEngine(ChildEngine):
    target = staticmethod(_rdflib_child)

    def __init__(self, dump: Path, timeout: float) -> None:
        super().__init__("rdflib", (str(dump),), timeout, grace=60)
