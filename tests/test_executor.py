"""The query executor: worker processes that answer SPARQL and can be killed.

Everything here goes through a ``QueryExecutor``; the worker's side called directly
is in test_evaluation.py, the tokenizer's checks in test_federation.py.

Expected answers come from the same query run in this process with pyoxigraph;
bodies are compared parsed (solutions as terms, graphs by isomorphism), never as
strings. Nothing here measures time: concurrency tests look at the order in which
things finish.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import isomorphic
from rdflib import BNode, Graph

from healthtech_lod import jsonld
from healthtech_lod.dataset import fill_default_graph, load_oxigraph
from healthtech_lod.executor import QueryExecutor
from healthtech_lod.namespaces import GRAPH
from healthtech_lod.queries import (
    GRAPH_FORMATS,
    READ_ONLY,
    RESULTS_FORMATS,
    ExecutorBusy,
    ExecutorClosedError,
    FormatUnavailableError,
    FormatUnwritableError,
    JsonLd,
    QueryEvaluationError,
    QueryMemoryError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreSpec,
    WorkerError,
    build_store,
)

EX = "https://example.org/"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
THINGS = 12
RESULTS_NAMES = sorted(RESULTS_FORMATS)
GRAPH_NAMES = sorted(GRAPH_FORMATS)

# Runs until killed: a cartesian product of eight patterns over twenty-odd triples.
PATTERNS = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(8))
ENDLESS = f"SELECT (COUNT(*) AS ?n) WHERE {{ {PATTERNS} }}"
ORDERED = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
GRAPH_QUERY = "CONSTRUCT WHERE { ?s ?p ?o }"


def ex(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def tiny_triples() -> list[ox.Triple]:
    """Numbered things, and the terms that are easy to mangle on the way."""
    triples = [
        ox.Triple(ex(f"thing-{i:02}"), RDFS_LABEL, ox.Literal(f"Thing {i}", language="en"))
        for i in range(THINGS)
    ]
    blank = ox.BlankNode()
    odd = ex("odd")
    triples += [
        ox.Triple(odd, ex("text"), ox.Literal('tab\there, newline\nthere, "quoted" \\ é')),
        ox.Triple(odd, ex("count"), ox.Literal("7", datatype=ox.NamedNode(XSD_INTEGER))),
        ox.Triple(odd, ex("label"), ox.Literal("hello", language="fr")),
        ox.Triple(odd, ex("blank"), blank),
        ox.Triple(blank, ex("note"), ox.Literal("in a blank node, with SERVICE in it")),
        ox.Triple(ox.NamedNode(EX + "100%25#frag"), ex("iri"), ox.Literal("percent and hash")),
    ]
    return triples


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with two data files (two named graphs) and an ontology."""
    root = tmp_path_factory.mktemp("tiny")
    for folder in ("data", "ontology"):
        (root / folder).mkdir()
    ox.serialize(tiny_triples(), str(root / "data" / "things.ttl"), ox.RdfFormat.TURTLE)
    other = [ox.Triple(ex("other"), RDFS_LABEL, ox.Literal("in the other graph"))]
    ox.serialize(other, str(root / "data" / "other.ttl"), ox.RdfFormat.TURTLE)
    ontology = [ox.Triple(ex("Thing"), RDFS_LABEL, ox.Literal("Thing class"))]
    ox.serialize(ontology, str(root / "ontology" / "tiny.ttl"), ox.RdfFormat.TURTLE)
    return root


@pytest.fixture(scope="module")
def local(tiny_root: Path) -> ox.Store:
    """The tiny dataset in this process, its default graph filled as the workers' is:
    the oracle."""
    return fill_default_graph(load_oxigraph(tiny_root))


@pytest.fixture(scope="module")
def executor(tiny_root: Path) -> Iterator[QueryExecutor]:
    """A shared executor for tests that neither kill nor block its workers."""
    with QueryExecutor(StoreSpec(root=tiny_root), workers=2) as shared:
        yield shared


@pytest.fixture(autouse=True, scope="module")
def no_leaked_processes() -> Iterator[None]:
    """Every process this module starts is gone at its end (apps of other modules
    may keep their own query workers)."""
    before = set(multiprocessing.active_children())
    yield
    assert set(multiprocessing.active_children()) - before == set()


def run(executor: QueryExecutor, query: str, **options: Any) -> Any:
    options.setdefault("result_format", "json")
    options.setdefault("use_default_graph_as_union", False)
    return executor.execute(query, **options)


def solutions(body: bytes, name: str) -> list[tuple[Any, ...]]:
    """The solutions of a results body; blank nodes (labelled anew by each load) become
    "_:", and in CSV, which keeps only lexical forms, every term is a string."""
    if name == "csv":
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))[1:]
        return [tuple("_:" if v.startswith("_:") else v for v in row) for row in rows]
    parsed = ox.parse_query_results(body, format=RESULTS_FORMATS[name])
    assert isinstance(parsed, ox.QuerySolutions)
    return [tuple("_:" if isinstance(t, ox.BlankNode) else t for t in row) for row in parsed]


def lexical(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows as CSV writes them: each term's lexical form, "" when unbound."""
    return [tuple("" if t is None else getattr(t, "value", t) for t in row) for row in rows]


def rdflib_graph(body: bytes, name: str) -> Graph:
    """A graph body read by pyoxigraph, handed to rdflib through N-Triples."""
    triples = [q.triple for q in ox.parse(body, format=GRAPH_FORMATS[name])]
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")


def local_solutions(local: ox.Store, query: str) -> list[tuple[Any, ...]]:
    """The answer of ``query`` run in this process, read back from SPARQL JSON."""
    results = local.query(query)
    assert isinstance(results, ox.QuerySolutions)
    body = results.serialize(format=ox.QueryResultsFormat.JSON)
    assert body is not None
    return solutions(body, "json")


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll until ``condition`` holds (no assertion on how long it took)."""
    for _ in range(10_000):
        if condition():
            return
        time.sleep(0.001)
    raise AssertionError("condition never held")


def children() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Background:
    """Run one execute() in a thread; keep its outcome or exception, and append the
    query to ``finished`` when it ends."""

    def __init__(
        self,
        executor: QueryExecutor,
        query: str,
        finished: list[str] | None = None,
        **options: Any,
    ) -> None:
        self.result: Any = None
        self.finished = finished if finished is not None else []
        self.thread = threading.Thread(target=self._run, args=(executor, query, options))
        self.thread.start()

    def _run(self, executor: QueryExecutor, query: str, options: dict[str, Any]) -> None:
        try:
            self.result = run(executor, query, **options)
        except Exception as err:  # kept for the test to inspect
            self.result = err
        self.finished.append(query)

    def join(self) -> Any:
        self.thread.join()
        return self.result


# --- Results and formats ----------------------------------------------------------------


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_select_in_each_format(executor: QueryExecutor, local: ox.Store, name: str) -> None:
    outcome = run(executor, ORDERED, result_format=name)
    expected = local_solutions(local, ORDERED)
    assert outcome.kind == "select"
    assert outcome.result_format == name
    assert outcome.media_type == RESULTS_FORMATS[name].media_type
    assert outcome.count == len(expected)
    assert not outcome.truncated
    if name == "csv":
        expected = lexical(expected)
    assert solutions(outcome.body, name) == expected


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_ask(executor: QueryExecutor, name: str) -> None:
    yes = run(executor, f"ASK {{ <{EX}odd> ?p ?o }}", result_format=name)
    no = run(executor, f"ASK {{ <{EX}nothing> ?p ?o }}", result_format=name)
    assert (yes.kind, yes.boolean, yes.count, no.boolean) == ("ask", True, 1, False)
    if name in ("json", "xml"):
        assert bool(ox.parse_query_results(yes.body, format=RESULTS_FORMATS[name]))
        assert not bool(ox.parse_query_results(no.body, format=RESULTS_FORMATS[name]))
    else:  # pyoxigraph writes the bare word, and cannot read it back
        assert (yes.body.strip(), no.body.strip()) == (b"true", b"false")


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_construct_in_each_format(executor: QueryExecutor, local: ox.Store, name: str) -> None:
    outcome = run(executor, GRAPH_QUERY, result_format=name)
    expected = local.query(GRAPH_QUERY)
    assert isinstance(expected, ox.QueryTriples)
    expected_body = expected.serialize(format=ox.RdfFormat.N_TRIPLES)
    assert expected_body is not None
    assert outcome.kind == "graph"
    assert outcome.media_type == GRAPH_FORMATS[name].media_type
    assert isomorphic(rdflib_graph(outcome.body, name), rdflib_graph(expected_body, "ntriples"))
    assert outcome.count == len(rdflib_graph(expected_body, "ntriples"))


def test_describe_is_a_graph(executor: QueryExecutor) -> None:
    outcome = run(executor, f"DESCRIBE <{EX}odd>", result_format="turtle")
    assert outcome.kind == "graph"
    assert outcome.count > 0


def test_a_mapping_chooses_the_format_by_kind(executor: QueryExecutor) -> None:
    formats = {"select": "csv", "ask": "xml", "graph": ox.RdfFormat.N_TRIPLES}
    assert run(executor, ORDERED, result_format=formats).result_format == "csv"
    assert run(executor, "ASK {}", result_format=formats).result_format == "xml"
    assert run(executor, GRAPH_QUERY, result_format=formats).result_format == "ntriples"


def test_no_format_for_the_kind(executor: QueryExecutor) -> None:
    with pytest.raises(FormatUnavailableError) as caught:
        run(executor, GRAPH_QUERY, result_format="json")
    assert caught.value.kind == "graph"
    with pytest.raises(FormatUnavailableError):
        run(executor, "ASK {}", result_format={"select": "json"})
    with pytest.raises(FormatUnavailableError):
        run(executor, ORDERED, result_format=ox.RdfFormat.TURTLE)


@pytest.mark.parametrize(
    "result_format",
    ["yaml", {"select": "turtle"}, {"graph": "json"}, {"tuple": "json"}, ox.RdfFormat.N3],
)
def test_bad_formats_are_refused_before_running(
    executor: QueryExecutor, result_format: Any
) -> None:
    with pytest.raises(ValueError):
        run(executor, ORDERED, result_format=result_format)


# --- Dataset ----------------------------------------------------------------------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def default_size(store: ox.Store) -> int:
    return len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))


def count_of(outcome: Any) -> int:
    ((n,),) = solutions(outcome.body, "json")
    return int(n.value)


def test_default_graph_semantics_are_explicit(executor: QueryExecutor, local: ox.Store) -> None:
    things, other = str(GRAPH["things"]), str(GRAPH["other"])
    named_quads = [q for q in local if q.graph_name != ox.DefaultGraph()]
    # The default graph is the set union of the named graphs, each triple once.
    assert count_of(run(executor, COUNT)) == len({q.triple for q in named_quads})
    one = run(executor, COUNT, default_graph=[other])
    assert count_of(one) == 1
    named = run(
        executor,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        named_graphs=[things],
    )
    assert solutions(named.body, "json") == [(ox.NamedNode(things),)]


def test_a_querys_own_dataset_is_honoured(executor: QueryExecutor) -> None:
    things, other = str(GRAPH["things"]), str(GRAPH["other"])
    from_other = f"SELECT (COUNT(*) AS ?n) FROM <{other}> WHERE {{ ?s ?p ?o }}"
    assert count_of(run(executor, from_other)) == 1
    nowhere = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/none> WHERE { ?s ?p ?o }"
    assert count_of(run(executor, nowhere)) == 0
    named = run(
        executor, f"SELECT DISTINCT ?g FROM NAMED <{things}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    assert solutions(named.body, "json") == [(ox.NamedNode(things),)]


def test_contradictory_or_invalid_dataset_is_refused(executor: QueryExecutor) -> None:
    with pytest.raises(ValueError, match="cannot be combined"):
        run(executor, COUNT, use_default_graph_as_union=True, default_graph=[EX])
    with pytest.raises(ValueError):
        run(executor, COUNT, use_default_graph_as_union=False, named_graphs=["not an iri"])


# --- Truncation -------------------------------------------------------------------------


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_select_is_truncated_to_max_rows(
    executor: QueryExecutor, local: ox.Store, name: str
) -> None:
    expected = local_solutions(local, ORDERED)
    limit = len(expected) - 3
    outcome = run(executor, ORDERED, result_format=name, max_rows=limit)
    assert outcome.truncated
    assert outcome.count == limit
    if name == "csv":
        expected = lexical(expected)
    assert solutions(outcome.body, name) == expected[:limit]


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_select_at_the_limit_is_whole(executor: QueryExecutor, local: ox.Store, name: str) -> None:
    total = len(local_solutions(local, ORDERED))
    outcome = run(executor, ORDERED, result_format=name, max_rows=total)
    assert (outcome.count, outcome.truncated) == (total, False)
    assert len(solutions(outcome.body, name)) == total


def test_max_rows_zero_keeps_the_variables(executor: QueryExecutor) -> None:
    outcome = run(executor, ORDERED, max_rows=0)
    parsed = ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    assert [v.value for v in parsed.variables] == ["s", "p", "o"]
    assert (list(parsed), outcome.count, outcome.truncated) == ([], 0, True)


def test_truncation_keeps_unbound_and_no_variables(executor: QueryExecutor) -> None:
    optional = f"SELECT ?s ?x WHERE {{ ?s ?p ?o OPTIONAL {{ ?s <{EX}none> ?x }} }} ORDER BY ?s"
    rows = solutions(run(executor, optional, max_rows=2).body, "json")
    assert [row[1] for row in rows] == [None, None]
    empty = run(executor, "SELECT * WHERE { ?s ?p ?o } LIMIT 3", max_rows=2, result_format="tsv")
    assert (empty.count, empty.truncated) == (2, True)
    nothing = run(executor, "SELECT * WHERE {}", max_rows=0)
    assert (nothing.count, nothing.truncated) == (0, True)


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_graph_is_truncated_to_max_rows(executor: QueryExecutor, name: str) -> None:
    whole = rdflib_graph(run(executor, GRAPH_QUERY, result_format="ntriples").body, "ntriples")
    outcome = run(executor, GRAPH_QUERY, result_format=name, max_rows=5)
    part = rdflib_graph(outcome.body, name)
    assert (outcome.count, outcome.truncated, len(part)) == (5, True, 5)
    ground = {t for t in part if not any(isinstance(term, BNode) for term in t)}
    assert ground <= set(whole)


# --- The byte limit ---------------------------------------------------------------------

#: One solution of a 4 KiB value: past any small byte limit on its own.
BIG_VALUE = f'SELECT ?v WHERE {{ BIND(CONCAT(STRUUID(), "{"x" * 4096}") AS ?v) }}'


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_select_stops_at_max_bytes_with_whole_solutions(
    executor: QueryExecutor, local: ox.Store, name: str
) -> None:
    expected = local_solutions(local, ORDERED)
    whole = run(executor, ORDERED, result_format=name)
    limit = len(whole.body) // 2
    outcome = run(executor, ORDERED, result_format=name, max_bytes=limit)
    assert (outcome.truncated, outcome.cut_by) == (True, "bytes")
    assert len(outcome.body) <= limit
    assert 0 < outcome.count < len(expected)
    if name == "csv":
        expected = lexical(expected)
    assert solutions(outcome.body, name) == expected[: outcome.count]
    # As many solutions as fit: one more would not have.
    more = run(executor, ORDERED, result_format=name, max_rows=outcome.count + 1)
    assert len(more.body) > limit


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_select_of_exactly_max_bytes_is_whole(executor: QueryExecutor, name: str) -> None:
    whole = run(executor, ORDERED, result_format=name)
    outcome = run(executor, ORDERED, result_format=name, max_bytes=len(whole.body))
    assert (outcome.body, outcome.truncated, outcome.cut_by) == (whole.body, False, None)
    cut = run(executor, ORDERED, result_format=name, max_bytes=len(whole.body) - 1)
    assert (cut.truncated, cut.cut_by, cut.count) == (True, "bytes", whole.count - 1)


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_a_solution_larger_than_max_bytes_leaves_the_head(
    executor: QueryExecutor, name: str
) -> None:
    outcome = run(executor, BIG_VALUE, result_format=name, max_bytes=1000)
    assert (outcome.count, outcome.truncated, outcome.cut_by) == (0, True, "bytes")
    assert len(outcome.body) <= 1000
    assert solutions(outcome.body, name) == []
    if name != "csv":  # CSV's head is its one line of names
        parsed = ox.parse_query_results(outcome.body, format=RESULTS_FORMATS[name])
        assert isinstance(parsed, ox.QuerySolutions)
        assert [v.value for v in parsed.variables] == ["v"]


@pytest.mark.parametrize("name", RESULTS_NAMES)
def test_a_value_over_16_mib_is_answered_whole(executor: QueryExecutor, name: str) -> None:
    """Oxigraph's TSV and JSON parsers refuse a value over 16 MiB; the worker's way
    to the final format does not go through them."""
    doublings = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(21))
    query = f'SELECT ?v WHERE {{ BIND("0123456789abcdef" AS ?a0) {doublings} BIND(?a21 AS ?v) }}'
    outcome = run(executor, query, result_format=name, max_bytes=64 * 2**20)
    assert (outcome.count, outcome.truncated) == (1, False)
    if name == "json":
        (row,) = json.loads(outcome.body)["results"]["bindings"]
        value = row["v"]["value"]
    elif name == "xml":
        (row,) = ox.parse_query_results(outcome.body, format=RESULTS_FORMATS[name])
        value = row["v"].value
    else:
        value = outcome.body.decode().splitlines()[1].strip('"')
    assert value == "0123456789abcdef" * 2**21


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_graph_stops_at_max_bytes_with_whole_triples(executor: QueryExecutor, name: str) -> None:
    whole = run(executor, GRAPH_QUERY, result_format=name)
    all_triples = rdflib_graph(whole.body, name)
    limit = len(whole.body) // 2
    outcome = run(executor, GRAPH_QUERY, result_format=name, max_bytes=limit)
    assert (outcome.truncated, outcome.cut_by) == (True, "bytes")
    assert len(outcome.body) <= limit
    part = rdflib_graph(outcome.body, name)
    assert 0 < outcome.count == len(part) < len(all_triples)
    ground = {t for t in part if not any(isinstance(term, BNode) for term in t)}
    assert ground <= set(all_triples)


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_a_triple_larger_than_max_bytes_leaves_an_empty_graph(
    executor: QueryExecutor, name: str
) -> None:
    query = BIG_VALUE.replace("SELECT ?v WHERE", f"CONSTRUCT {{ <{EX}s> <{EX}p> ?v }} WHERE")
    outcome = run(executor, query, result_format=name, max_bytes=1000)
    assert (outcome.count, outcome.truncated, outcome.cut_by) == (0, True, "bytes")
    assert len(rdflib_graph(outcome.body, name)) == 0


def test_the_row_limit_cuts_before_the_byte_limit_says_so(executor: QueryExecutor) -> None:
    outcome = run(executor, ORDERED, max_rows=2, max_bytes=10**6)
    assert (outcome.count, outcome.truncated, outcome.cut_by) == (2, True, "rows")


def test_json_ld_is_the_services_when_asked(executor: QueryExecutor, local: ox.Store) -> None:
    """With ``jsonld``, the worker writes what ``jsonld.document`` writes (compacted with
    the service's context); without, Oxigraph's expanded JSON-LD."""
    context = "https://example.org/context.jsonld"
    query = f"CONSTRUCT WHERE {{ ?s <{RDFS_LABEL.value}> ?o }}"
    triples = list(local.query(query))
    for form in ("compacted", "expanded", "flattened"):
        outcome = run(executor, query, result_format="jsonld", jsonld=JsonLd(EX, context, form))
        expected = jsonld.dumps(jsonld.document(triples, EX, context, None, form))
        assert outcome.body == expected  # no blank node: the same bytes
    compacted = json.loads(
        run(executor, query, result_format="jsonld", jsonld=JsonLd(EX, context)).body
    )
    assert compacted["@context"] == [context, {"@base": EX}]
    oxigraph = json.loads(run(executor, query, result_format="jsonld").body)
    assert "@context" not in json.dumps(oxigraph)


def test_an_answer_that_cannot_be_written_is_not_a_server_error(executor: QueryExecutor) -> None:
    rdf_li = "http://www.w3.org/1999/02/22-rdf-syntax-ns#li"
    query = f'CONSTRUCT {{ <{EX}s> <{rdf_li}> "x" }} WHERE {{}}'
    with pytest.raises(FormatUnwritableError) as caught:
        run(executor, query, result_format="rdfxml")
    assert (caught.value.kind, caught.value.result_format) == ("graph", "rdfxml")
    assert run(executor, query, result_format="turtle").count == 1


# --- Errors -----------------------------------------------------------------------------


def test_syntax_error_carries_the_position(executor: QueryExecutor, local: ox.Store) -> None:
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  FILTER(?o = )\n}"
    with pytest.raises(SyntaxError) as local_error:
        local.query(query)
    with pytest.raises(QuerySyntaxError) as caught:
        run(executor, query)
    where = re.match(r"error at (\d+):(\d+): ", str(local_error.value))
    assert where is not None
    assert (caught.value.line, caught.value.column) == (int(where[1]), int(where[2]))
    assert caught.value.line is not None and caught.value.line > 1
    assert caught.value.message == str(local_error.value)[where.end() :]
    assert f"line {caught.value.line}, column {caught.value.column}" in str(caught.value)


def test_a_malformed_update_is_a_syntax_error_where_the_update_breaks(
    executor: QueryExecutor,
) -> None:
    query = f"INSERT DATA {{ <{EX}a> <{EX}b> }}"
    with pytest.raises(SyntaxError) as update_error:
        ox.Store().update(query)  # an empty store: the text does not parse, nothing runs
    with pytest.raises(QuerySyntaxError) as caught:
        run(executor, query)
    assert f"error at 1:{caught.value.column}:" in str(update_error.value)


UPDATES = [
    f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}",
    f"DELETE DATA {{ <{EX}odd> <{EX}label> 'hello'@fr }}",
    "DELETE WHERE { ?s ?p ?o }",
    f"INSERT {{ ?s <{EX}seen> true }} WHERE {{ ?s ?p ?o }}",
    f"DELETE {{ ?s ?p ?o }} INSERT {{ ?s <{EX}was> ?o }} WHERE {{ ?s ?p ?o }}",
    f"WITH <{GRAPH['things']}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    f"LOAD SILENT <http://127.0.0.1:9/data.ttl> INTO GRAPH <{EX}g>",
    "CLEAR ALL",
    f"CLEAR GRAPH <{GRAPH['things']}>",
    "DROP DEFAULT",
    f"DROP SILENT GRAPH <{GRAPH['other']}>",
    f"CREATE GRAPH <{EX}new>",
    f"ADD <{GRAPH['other']}> TO <{GRAPH['things']}>",
    f"MOVE <{GRAPH['other']}> TO DEFAULT",
    f"COPY DEFAULT TO <{EX}copy>",
    f"PREFIX ex: <{EX}>\n# a comment\nINSERT DATA {{ ex:a ex:b ex:c }} ; CLEAR ALL",
    f"insert data {{ <{EX}a> <{EX}b> 'lower case' }}",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused(executor: QueryExecutor, local: ox.Store, update: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        run(executor, update)
    assert str(caught.value) == READ_ONLY
    assert count_of(run(executor, COUNT)) == default_size(local)  # nothing changed


def test_an_evaluation_error_is_not_a_client_error(tiny_root: Path) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/sparql"
    closed.close()  # nobody listens there
    spec = StoreSpec(root=tiny_root)
    with QueryExecutor(spec, workers=1, allowed_service_endpoints=[url]) as allowed:
        with pytest.raises(QueryEvaluationError):
            run(allowed, f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
        assert run(allowed, "ASK {}").boolean


# --- Federation -------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP port on the loopback that records connection attempts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    """How many connection attempts reached ``server`` (pending in its backlog)."""
    server.setblocking(False)
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def endpoint(server: socket.socket) -> str:
    return f"http://127.0.0.1:{server.getsockname()[1]}/sparql"


def federated_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ ?s ?p ?o service<{url}>{{ ?s ?p ?x }} }}",
        f"PREFIX remote: <{url[:-6]}>\nSELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
        f"BASE <{url[:-6]}>\nSELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p trueSERVICE <{url}> {{ }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o SERVICESILENT <{url}> {{ }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o # comment\rSERVICE <{url}> {{ }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o<'x>') SERVICE <{url}> {{ }} }} # '",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"CONSTRUCT WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        "SELECT * WHERE { BIND(<" + url + "> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        f"LOAD <{url}>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    ]


def test_service_is_refused_without_any_connection(
    executor: QueryExecutor, listener: socket.socket
) -> None:
    url = endpoint(listener)
    for query in federated_queries(url):
        with pytest.raises(QueryRefused) as caught:
            run(executor, query, timeout=5)  # were the endpoint called, it would hang
        message = str(caught.value)
        assert "federat" in message.lower() or message == READ_ONLY, query
    assert connections(listener) == 0


def test_the_allow_list_lets_one_endpoint_through(tiny_root: Path, listener: socket.socket) -> None:
    url = endpoint(listener)
    spec = StoreSpec(root=tiny_root)
    with QueryExecutor(spec, workers=1, allowed_service_endpoints=[url]) as allowed:
        with pytest.raises(QueryRefused, match="may only call"):
            run(allowed, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/other> { ?s ?p ?o } }")
        with pytest.raises(QueryRefused, match="read-only"):  # nothing is fetched for it
            run(allowed, f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
        assert connections(listener) == 0
        # The allowed endpoint is called: the listener sees the request.
        silent = Background(allowed, f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}")
        listener.settimeout(30)
        conn, _ = listener.accept()
        assert conn.recv(4) == b"POST"
        conn.close()
        outcome = silent.join()
        assert (outcome.kind, outcome.count) == ("select", 1)  # SILENT: one empty solution


def test_service_in_strings_comments_and_names_is_not_federation(
    executor: QueryExecutor, listener: socket.socket
) -> None:
    url = endpoint(listener)
    queries = [
        f'SELECT * WHERE {{ ?s ?p "SERVICE <{url}> {{ }}" }}',
        f"SELECT * WHERE {{ ?s ?p ?o }} # SERVICE <{url}> {{ }}",
        f"SELECT * WHERE {{ ?s <{EX}service> ?service }}",
        f"PREFIX ex: <{EX}> SELECT * WHERE {{ ?s ex:SERVICE ?o FILTER(?o != 'x'@service) }}",
        f"SELECT * WHERE {{ ?s ?p '''a '' SERVICE <{url}> {{ }}''' }}",
        f'SELECT * WHERE {{ ?s ?p "\\"SERVICE <{url}> {{ }}" }}',
        "SELECT * WHERE { ?s ?p _:service }",
    ]
    for query in queries:
        assert run(executor, query).kind == "select", query
    assert connections(listener) == 0


# --- Deep queries: nesting and long chains ----------------------------------------------

#: Parse trees thousands of levels deep, each query under 20 000 characters: each one
#: overflowed a worker's 8 MiB stack (SIGSEGV) before queries ran on a deep stack.
DEEP = {
    "parentheses": "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }",
    "braces": "ASK " + "{" * 5000 + "}" * 5000,
    "negations": "ASK { FILTER(" + "!" * 19_000 + "true) }",
    "additions": "ASK { FILTER(" + "+".join(["1"] * 9000) + " > 0) }",
    "objects": f"ASK {{ <{EX}s> <{EX}p> " + ",".join(["1"] * 4500) + " }",
    "minus": "ASK {" + "MINUS{}" * 2800 + "}",
}


@pytest.mark.parametrize("query", DEEP.values(), ids=DEEP.keys())
def test_a_deep_query_runs_without_killing_its_worker(executor: QueryExecutor, query: str) -> None:
    before = executor.pids
    assert run(executor, query).kind == "ask"
    assert executor.pids == before, "no worker died and was replaced"


def test_a_worker_refuses_brackets_nested_past_max_nesting(tiny_root: Path) -> None:
    with QueryExecutor(StoreSpec(root=tiny_root), workers=1, max_nesting=3) as pool:
        before = pool.pids
        with pytest.raises(QueryRefused, match="nests brackets 4 deep; the limit is 3"):
            run(pool, "ASK { { { { } } } }")
        with pytest.raises(QueryRefused, match="nests brackets 5000 deep"):
            run(pool, DEEP["braces"])
        assert run(pool, 'ASK { { FILTER("((((" != "") } } # {{{{').boolean
        assert pool.pids == before


# --- Processes: timeout, busy, concurrency, close ------------------------------------


def test_timeout_kills_the_worker_and_the_pool_recovers(tiny_root: Path) -> None:
    with QueryExecutor(StoreSpec(root=tiny_root), workers=1, queue_timeout=0.05) as pool:
        (before,) = pool.pids
        long = Background(pool, ENDLESS, timeout=0.5)
        wait_until(lambda: pool.busy == 1)
        with pytest.raises(ExecutorBusy):  # the only worker is busy
            run(pool, "ASK {}")
        error = long.join()
        assert isinstance(error, QueryTimeout)
        assert "0.5 seconds" in str(error) and "LIMIT" in str(error)
        assert error.limit == 0.5
        # The worker that ran the query was killed and reaped: its CPU is back.
        assert gone(before)
        assert before not in children()
        assert not Path(f"/proc/{before}").exists()
        (after,) = pool.pids
        assert after != before
        assert run(pool, "ASK {}").boolean  # served by the replacement


def test_other_workers_keep_serving_during_a_long_query(tiny_root: Path) -> None:
    finished: list[str] = []
    with QueryExecutor(StoreSpec(root=tiny_root), workers=2) as pool:
        long = Background(pool, ENDLESS, timeout=60, finished=finished)
        wait_until(lambda: pool.busy == 1)
        assert run(pool, f"ASK {{ <{EX}odd> ?p ?o }}").boolean
        finished.append("ask")
    # Leaving the block closed the pool, which ended the endless query.
    assert isinstance(long.join(), ExecutorClosedError)
    assert finished == ["ask", ENDLESS]


def test_threads_share_the_pool_without_mixing_answers(tiny_root: Path) -> None:
    def label(i: int) -> str:
        return f'SELECT ?s WHERE {{ ?s ?p "Thing {i}"@en }}'

    with QueryExecutor(StoreSpec(root=tiny_root), workers=2, queue_timeout=60) as pool:
        callers = [Background(pool, label(i % THINGS)) for i in range(24)]
        answers = [solutions(caller.join().body, "json") for caller in callers]
    assert answers == [[(ex(f"thing-{i % THINGS:02}"),)] for i in range(24)]


def test_closing_stops_a_running_query(tiny_root: Path) -> None:
    before = children()
    pool = QueryExecutor(StoreSpec(root=tiny_root), workers=1)
    pool.start()
    pids = pool.pids
    long = Background(pool, ENDLESS)
    wait_until(lambda: pool.busy == 1)
    pool.close()
    assert isinstance(long.join(), ExecutorClosedError)
    assert all(gone(pid) for pid in pids)
    with pytest.raises(ExecutorClosedError):
        run(pool, "ASK {}")
    pool.close()  # idempotent
    assert children() == before


#: Doubles a 1 KiB string 22 times: 4 GiB, far past any memory limit here.
_DOUBLINGS = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(22))
DOUBLING = (
    f'SELECT (STRLEN(?a22) AS ?n) WHERE {{ BIND("{"0123456789abcdef" * 64}" AS ?a0) {_DOUBLINGS} }}'
)
#: A query worker's data segment limit in these tests (one idles at about 150 MiB).
MEMORY_LIMIT = 384 * 2**20


def test_a_query_past_the_memory_limit_is_stopped_and_its_worker_replaced(
    tiny_root: Path,
) -> None:
    spec = StoreSpec(root=tiny_root)
    with QueryExecutor(spec, workers=1, memory_limit=MEMORY_LIMIT) as pool:
        (before,) = pool.pids
        with pytest.raises(QueryMemoryError) as caught:
            run(pool, DOUBLING, timeout=60)
        assert "more memory than allowed (384 MiB)" in str(caught.value)
        assert gone(before)
        (after,) = pool.pids
        assert after != before
        assert run(pool, "ASK {}").boolean  # served by the replacement


def test_a_memory_limit_too_small_to_open_the_store_fails_the_start(tiny_root: Path) -> None:
    pool = QueryExecutor(StoreSpec(root=tiny_root), workers=1, memory_limit=2**20)
    with pytest.raises(WorkerError):
        pool.start()
    pool.close()


def test_a_worker_grown_past_recycle_rss_is_replaced_after_its_query(tiny_root: Path) -> None:
    with QueryExecutor(StoreSpec(root=tiny_root), workers=1, recycle_rss=2**40) as roomy:
        (first,) = roomy.pids
        assert run(roomy, "ASK {}").boolean
        assert roomy.pids == [first]
    with QueryExecutor(StoreSpec(root=tiny_root), workers=1, recycle_rss=1) as tight:
        (first,) = tight.pids
        assert run(tight, "ASK {}").boolean  # answered, then replaced
        assert gone(first)
        (second,) = tight.pids
        assert second != first
        assert run(tight, "ASK {}").boolean


def test_close_leaves_no_process(tiny_root: Path) -> None:
    before = children()
    with QueryExecutor(StoreSpec(root=tiny_root), workers=2) as pool:
        pids = pool.pids
        assert len(pids) == 2
        assert children() == before | set(pids)
    assert children() == before
    assert all(gone(pid) for pid in pids)


OWNER = """
import sys
from healthtech_lod.executor import QueryExecutor
from healthtech_lod.queries import StoreSpec

pool = QueryExecutor(StoreSpec(root=sys.argv[1]), workers=1)
pool.start()
print(pool.pids[0], flush=True)
pool.execute(sys.argv[2], result_format="json", use_default_graph_as_union=True)
"""


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def finished(pid: int) -> bool:
    """The process is gone, or a zombie: it uses no CPU any more."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_workers_do_not_outlive_their_owner(tiny_root: Path) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tiny_root), ENDLESS], stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    worker = int(owner.stdout.readline())
    wait_until(lambda: cpu_ticks(worker) > 5)  # it is running the endless query
    owner.kill()  # as the gunicorn master kills a stuck worker
    owner.wait()
    owner.stdout.close()
    wait_until(lambda: finished(worker))


def test_the_pool_starts_on_first_use(tiny_root: Path) -> None:
    pool = QueryExecutor(StoreSpec(root=tiny_root), workers=1)
    assert pool.pids == []
    try:
        assert run(pool, "ASK {}").boolean
        assert len(pool.pids) == 1
    finally:
        pool.close()


def test_a_forked_copy_refuses_to_serve(executor: QueryExecutor) -> None:
    pid = os.fork()
    if pid == 0:  # the child: must not touch the parent's workers
        try:
            run(executor, "ASK {}")
        except ExecutorClosedError:
            os._exit(0)
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert run(executor, "ASK {}").boolean  # the parent's pool is untouched


def test_a_store_that_cannot_open_fails_the_start_until_it_can(
    tmp_path: Path, tiny_root: Path
) -> None:
    before = children()
    pool = QueryExecutor(StoreSpec(path=tmp_path / "store"), workers=1)
    with pytest.raises(WorkerError, match="could not open the store"):
        pool.start()
    assert children() == before, "the workers that failed are gone"
    build_store(tiny_root, tmp_path / "store")
    with pool:
        assert run(pool, "ASK { ?s ?p ?o }").boolean, "the next start tries again"
    assert children() == before


def test_forkserver_works_too(tiny_root: Path) -> None:
    spec = StoreSpec(root=tiny_root)
    with QueryExecutor(spec, workers=1, start_method="forkserver") as pool:
        assert run(pool, "ASK {}").boolean


@pytest.mark.parametrize(
    "options", [{"workers": 0}, {"start_method": "fork"}, {"start_method": "thread"}]
)
def test_bad_options(tiny_root: Path, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        QueryExecutor(StoreSpec(root=tiny_root), **options)


def test_a_spec_names_one_source(tiny_root: Path) -> None:
    with pytest.raises(ValueError):
        StoreSpec()
    with pytest.raises(ValueError):
        StoreSpec(path="a", root="b")


# --- On-disk store ----------------------------------------------------------------------


def test_on_disk_store_serves_read_only(tiny_root: Path, local: ox.Store, tmp_path: Path) -> None:
    path = build_store(tiny_root, tmp_path / "store")
    spec = StoreSpec(path=path)
    with QueryExecutor(spec, workers=2) as pool:
        assert solutions(run(pool, ORDERED).body, "json") == local_solutions(local, ORDERED)
        with pytest.raises(QueryRefused):
            run(pool, f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}")
        assert count_of(run(pool, COUNT)) == default_size(local)
    # The workers open the store as the spec says: a write through it fails.
    store = spec.open()
    with pytest.raises(RuntimeError, match="read-write"):
        store.add(ox.Quad(ex("a"), ex("b"), ex("c")))
    with pytest.raises(RuntimeError, match="read-write"):
        store.update(f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}")
    assert len(store) == len(local)


def test_build_store_refuses_a_used_folder(tiny_root: Path, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("x")
    with pytest.raises(FileExistsError):
        build_store(tiny_root, tmp_path / "used")
