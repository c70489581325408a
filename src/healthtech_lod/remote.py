"""An external SPARQL 1.1 endpoint as the service's store (``--backend sparql:URL``).

When one machine is not enough, the data lives in an engine built for billions
of triples and replicas (Virtuoso, Fuseki, QLever, GraphDB, Neptune) and the
service reads it over the SPARQL 1.1 Protocol. ``RemoteStore`` answers the
part of ``pyoxigraph.Store``'s interface the service uses (``query`` with
substitutions, ``quads_for_pattern``, ``contains_named_graph``, iteration), so
pages, documents, search and statistics work unchanged; ``RemoteExecutor``
answers /sparql with the executor's own checks (federation, read-only, syntax
with its position) before anything is sent.

Every request names the dataset's graphs (those under ``{BASE_URI}graph/``,
found at start) as ``default-graph-uri`` and ``named-graph-uri``, so an
engine's own system graphs stay out, and a query's default graph is the union
of the dataset's graphs, as with the embedded store. Answers come as SPARQL
XML results, parsed by Oxigraph.

Blank nodes: SPARQL cannot name a blank node, but engines can. A blank node's
label from the engine is kept, hex-encoded, in the Oxigraph blank node, and
written back as Virtuoso's ``<nodeID://…>`` when the label is Virtuoso's, else
as Jena's ``<_:label>``, so that a document can follow its blank nodes.

Time limits: a query still unanswered at its limit is abandoned (503); the
engine should stop it too (Virtuoso's ``MaxQueryExecutionTime``, Fuseki's
``arq:queryTimeout``): see docs/deploy.md.
"""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pyoxigraph as ox

from .evaluation import UpdateProbe, answer_request, on_deep_stack
from .federation import has_dataset_clause
from .media_types import BY_KEY
from .queries import (
    JsonLd,
    Kind,
    QueryOutcome,
    QueryTimeout,
    ResultFormat,
    WorkerError,
    format_names,
    outcome_of,
)

PREFIX = "sparql:"
XML_RESULTS = BY_KEY["srx"].mimetype
_BNODE = re.compile(r"<bnode>([^<]*)</bnode>")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class RemoteError(Exception):
    """The endpoint could not be reached or refused a request of the service's own."""


def endpoint_of(backend: str) -> str | None:
    """The endpoint URL of a ``sparql:URL`` backend setting; None for the embedded store."""
    return backend[len(PREFIX) :] if backend.startswith(PREFIX) else None


@dataclass(frozen=True)
class RemoteStore:
    """The dataset's graphs on a SPARQL 1.1 endpoint, read through the protocol."""

    endpoint: str
    graphs: tuple[str, ...]
    timeout: float = 30.0

    @classmethod
    def connect(cls, endpoint: str, graph_space: str, timeout: float = 30.0) -> RemoteStore:
        """The store of the graphs under ``graph_space`` at ``endpoint``. Raises
        RemoteError if the endpoint does not answer or holds none of them."""
        probe = cls(endpoint, (), timeout)
        found = probe._select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER (STRSTARTS(STR(?g), {ox.Literal(graph_space)})) }}",
            (),
        )
        graphs = tuple(sorted(row["g"].value for row in found))
        if not graphs:
            raise RemoteError(f"{endpoint} holds no graph under {graph_space}")
        return cls(endpoint, graphs, timeout)

    def with_timeout(self, timeout: float | None) -> RemoteStore:
        return replace(self, timeout=self.timeout if timeout is None else timeout)

    # --- the part of pyoxigraph.Store the service uses ---------------------------------

    def query(
        self,
        query: str,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: Sequence[Any] | None = None,
        named_graphs: Sequence[Any] | None = None,
        substitutions: Mapping[ox.Variable, Term | ox.Triple] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Parse ``query`` here (raises SyntaxError as Oxigraph does), then run it on
        the endpoint, its relative IRIs resolved against ``base_iri``. Without dataset
        parameters or a ``FROM`` of its own, its default graph is the union of the
        dataset's graphs: the engine's union, which counts a triple stated in several
        graphs once per graph (docs/deploy.md)."""
        kind = ox.Store().query(query, base_iri=base_iri)  # an empty store: only parses
        if base_iri is not None:
            query = f"BASE <{base_iri}>\n{query}"  # the query's own BASE, if any, comes after
        if substitutions:
            query = _bind(query, substitutions)
        defaults = self.graphs if default_graph is None else _iris(default_graph)
        named = self.graphs if named_graphs is None else _iris(named_graphs)
        if default_graph is None and named_graphs is None and has_dataset_clause(query):
            defaults = named = ()  # the query's FROM / FROM NAMED are its dataset
        if isinstance(kind, ox.QueryTriples):
            body = self._post(query, defaults, named, BY_KEY["ntriples"].mimetype)
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        results = _results(self._post(query, defaults, named, XML_RESULTS))
        if isinstance(kind, ox.QueryBoolean) and isinstance(results, ox.QuerySolutions):
            return _boolean(results)
        return results

    def quads_for_pattern(
        self,
        subject: Term | None,
        predicate: ox.NamedNode | None,
        obj: Term | None,
        graph_name: ox.NamedNode | None = None,
    ) -> Iterator[ox.Quad]:
        terms = {"s": subject, "p": predicate, "o": obj, "g": graph_name}
        s, p, o, g = (f"?{n}" if t is None else _sparql(t) for n, t in terms.items())
        text = f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}"
        for row in self._select(text, self.graphs):
            # Bound by the pattern: a subject is never a literal, ?g a graph's IRI.
            yield ox.Quad(
                cast(ox.NamedNode | ox.BlankNode, subject or row["s"]),
                predicate or cast(ox.NamedNode, row["p"]),
                obj or row["o"],
                graph_name or cast(ox.NamedNode, row["g"]),
            )

    def contains_named_graph(self, name: ox.NamedNode) -> bool:
        return name.value in self.graphs

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern(None, None, None)

    def __len__(self) -> int:
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", self.graphs)
        return int(rows[0]["n"].value)

    # --- the protocol ----------------------------------------------------------------

    def _select(self, query: str, graphs: Sequence[str]) -> list[ox.QuerySolution]:
        results = _results(self._post(query, graphs, graphs, XML_RESULTS))
        assert isinstance(results, ox.QuerySolutions)
        return list(results)

    def _post(
        self, query: str, defaults: Sequence[str], named: Sequence[str], accept: str
    ) -> bytes:
        form = [("query", query)]
        form += [("default-graph-uri", g) for g in defaults]
        form += [("named-graph-uri", g) for g in named]
        request = urllib.request.Request(
            self.endpoint,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except TimeoutError as err:
            raise QueryTimeout(self.timeout) from err
        except urllib.error.HTTPError as err:
            with err:
                detail = err.read(500).decode("utf-8", "replace")
            raise RemoteError(f"{self.endpoint} answered {err.code}: {detail}") from err
        except (urllib.error.URLError, OSError) as err:
            raise RemoteError(f"{self.endpoint} cannot be reached: {err}") from err


def _results(body: bytes) -> ox.QuerySolutions | ox.QueryBoolean:
    """SPARQL XML results parsed by Oxigraph, blank node labels kept (hex-encoded)."""
    kept = _BNODE.sub(lambda m: f"<bnode>{_encode(html.unescape(m[1]))}</bnode>", body.decode())
    return ox.parse_query_results(kept.encode(), format=ox.QueryResultsFormat.XML)


def _boolean(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    """An ASK answered as a result set (Virtuoso's ``__ASK_RETVAL``, given dataset
    parameters): true when a row says anything but 0 or false."""
    answer = any(
        term is not None and term.value not in ("0", "false") for row in solutions for term in row
    )
    document = (
        '<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
        f"<head/><boolean>{'true' if answer else 'false'}</boolean></sparql>"
    )
    parsed = ox.parse_query_results(document.encode(), format=ox.QueryResultsFormat.XML)
    assert isinstance(parsed, ox.QueryBoolean)
    return parsed


def _encode(label: str) -> str:
    return "x" + label.encode().hex()


def _sparql(term: Term | ox.Triple) -> str:
    """A term in SPARQL syntax; a blank node from the engine as the engine names it."""
    if isinstance(term, ox.BlankNode):
        value = term.value
        if value.startswith("x"):
            try:
                label = bytes.fromhex(value[1:]).decode()
            except ValueError:
                label = value
        else:
            label = value
        return f"<{label}>" if label.startswith("nodeID://") else f"<_:{label}>"
    return str(term)


def _bind(query: str, substitutions: Mapping[ox.Variable, Term | ox.Triple]) -> str:
    """The service's own query with its variables bound by a VALUES block opening
    each of its WHERE groups, subqueries' included (every query of this package
    that binds variables has one)."""
    names = " ".join(f"?{v.value}" for v in substitutions)
    values = " ".join(_sparql(t) for t in substitutions.values())
    block = f"VALUES ({names}) {{ ({values}) }}"
    bound, count = _WHERE.subn(lambda m: f"{m.group()} {block}", query)
    if not count:
        raise ValueError("a query with substitutions needs a WHERE group")
    return bound


def _iris(graphs: Iterable[Any]) -> tuple[str, ...]:
    return tuple(g.value if isinstance(g, ox.NamedNode) else str(g) for g in graphs)


@dataclass
class RemoteExecutor:
    """/sparql over a RemoteStore, with QueryExecutor's interface and checks."""

    store: RemoteStore
    allowed_service_endpoints: frozenset[str] = frozenset()
    _probe: UpdateProbe = field(default_factory=UpdateProbe)

    def start(self) -> None:
        """Nothing to start: the engine runs elsewhere."""

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
        """As ``QueryExecutor.execute``; a query unanswered at ``timeout`` is
        abandoned (QueryTimeout), an endpoint that fails is a WorkerError. The
        answer is written here, in the calling thread: only the endpoint's part
        is bounded by ``timeout``."""
        formats = format_names(result_format)
        request = (
            query,
            formats,
            max_rows,
            use_default_graph_as_union,
            default_graph,
            named_graphs,
            base_iri,
            max_bytes,
            jsonld,
        )
        try:
            reply, body = on_deep_stack(
                answer_request,
                self.store.with_timeout(timeout),
                self._probe,
                self.allowed_service_endpoints,
                request,
            )
        except RemoteError as err:
            raise WorkerError(f"the SPARQL backend failed: {err}") from err
        return outcome_of(reply, bytes(body), formats)
