"""What a SPARQL query and its answer are, for every part that runs one.

The vocabulary shared by the pool of query workers (``executor``), the worker's
side (``evaluation``), the remote backend (``remote``) and the /sparql handler:
the kinds of result and the formats each can be written in, ``StoreSpec`` (how a
worker opens the store) and ``build_store``, ``JsonLd`` (how a graph is written
as the service's JSON-LD), ``QueryOutcome`` (an answer, serialised in its final
format), the errors a query can end in, and ``outcome_of``, which turns a
worker's reply into an outcome or the error it stands for.

Everything here is picklable or plain data, so it travels over the pipe between
a worker and the process that owns it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import pyoxigraph as ox

from .media_types import MEDIA_TYPES

Kind = Literal["select", "ask", "graph"]
KINDS: tuple[Kind, ...] = ("select", "ask", "graph")
#: Which limit cut an answer: ``max_rows`` or ``max_bytes``.
Cut = Literal["rows", "bytes"]

#: Formats of SELECT and ASK results, by name (the first of a media type's names).
RESULTS_FORMATS: Mapping[str, ox.QueryResultsFormat] = MappingProxyType(
    {m.names[0]: m.results for m in MEDIA_TYPES if m.results is not None}
)
#: Formats of CONSTRUCT and DESCRIBE results, by name (JSON-LD is expanded).
GRAPH_FORMATS: Mapping[str, ox.RdfFormat] = MappingProxyType(
    {m.key: m.rdf for m in MEDIA_TYPES if m.rdf is not None}
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
