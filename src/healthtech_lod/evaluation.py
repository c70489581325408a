"""A query worker's side: open the store, then answer each request in its final format.

``serve_requests`` is a worker process's life (``executor.QueryExecutor`` spawns
it): it limits its memory, opens the store, then answers the requests that come
over its pipe with ``answer_request``. Each worker also watches the process that
owns it and exits when it is gone, so a killed owner leaves no query running.

Before the store sees a query, the SPARQL tokenizer (``federation``) refuses
SERVICE (federation makes Oxigraph call other servers) unless the endpoint is
allowed, and brackets nested deeper than ``max_nesting``. The query then runs on
a thread with a deep stack (``on_deep_stack``, one per worker, for all its
queries): Oxigraph's parser and evaluator
recurse once per level of the query's tree, and a query of a few thousand nested
brackets, chained triple patterns or MINUS clauses overflows the usual 8 MiB
stack (SIGSEGV, the worker gone). A text that does not parse as a query is
parsed as an update by an empty read-only store of the worker's own
(``UpdateProbe``, which parses the update, then refuses to open a transaction, so
nothing runs and nothing is fetched; the real store never sees it): a valid
update is refused as read-only, anything else is a syntax error with its line
and column.

The body is serialised here, in its final format (SPARQL JSON, XML, CSV or TSV;
an RDF format written as the service writes it: the project's prefixes, each
triple once, and JSON-LD compacted with pyld when asked), under the query's time
limit. It stops at ``max_rows`` solutions or triples and at ``max_bytes`` bytes,
whole solutions or triples only, so a cut answer is still a valid document; the
reply says which limit cut it. A worker's data segment may be limited
(RLIMIT_DATA, set before it opens the store); past it the worker answers
``memory`` and leaves, as it does when its resident set passes ``recycle_rss``.

``remote.RemoteExecutor`` calls ``answer_request`` in its own process, on the
same deep stack, with the remote store.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import IO, Any, TypeVar, cast

import pyoxigraph as ox

from .federation import federation_refusal, nesting_refusal
from .queries import GRAPH_FORMATS, READ_ONLY, RESULTS_FORMATS, Cut, JsonLd, Kind, StoreSpec

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


def serve_requests(
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
    # One thread with the deep stack answers every request (one per query cost about
    # 90 microseconds each); an exception's frames are freed on it, in the loop.
    on_deep_stack(_answer_requests, conn, store, allowed, max_nesting, recycle_rss)


def _answer_requests(
    conn: Connection,
    store: ox.Store,
    allowed: frozenset[str],
    max_nesting: int | None,
    recycle_rss: int | None,
) -> None:  # pragma: no cover - runs in the worker process
    """Answer the requests that come over ``conn`` until it closes or the worker must
    be replaced."""
    probe = UpdateProbe()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            reply, body = answer_request(store, probe, allowed, request, max_nesting)
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
