"""Real linked-data clients, none of them written here, against a real running service
over the repository's data: what each one gets must be what the service means.

Comunica (dereferencing and over the SPARQL endpoint), rdf-dereference and jsonld.js
run under Node from the npm packages of tests/clients/ (skipped without them: see
programs.py); rdflib's ``Graph.parse(url)``, SPARQLWrapper (every return format, GET
and POST) and PyLD (its own requests document loader) run here. Their answers are
compared with the Turtle document the service serves, parsed by rdflib, or with the
in-process store: graphs up to blank-node labels, SELECT answers as sets of rows.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import isomorphic, parse_graphs, union
from flask import Flask
from programs import NODE_CLIENTS, require_node, require_node_package
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node
from server import serving
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from healthtech_lod.dataset import REPO_ROOT, load_rdflib
from healthtech_lod.namespaces import DATASET, GRAPH, ID, LHT, RDF, VOID
from healthtech_lod.opening import get_store
from healthtech_lod.rdf import to_rdflib_term
from healthtech_lod.store import DatasetStore

pytestmark = [
    pytest.mark.e2e,
    # rdflib 7.6's own N3, TriG and JSON-LD parsers, and SPARQLWrapper 2.0's conversions,
    # still go through rdflib's deprecated ConjunctiveGraph API.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
]

#: The entities every client dereferences: a company, an institute, a concept.
SLUGS = ("voicemed", "luxembourg-institute-of-health", "artificial-intelligence")

PREFIXES = """\
PREFIX id: <https://w3id.org/lu-healthtech/id/>
PREFIX lht: <https://w3id.org/lu-healthtech/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
"""

#: SELECT queries whose answers hold IRIs, language-tagged and typed literals,
#: numbers and unbound values (no blank nodes, which CSV cannot compare).
SELECTS = {
    "statements": PREFIXES + "SELECT ?p ?o WHERE { id:voicemed ?p ?o }",
    "labels": PREFIXES
    + "SELECT ?org ?label WHERE { ?org a lht:ResearchInstitute ; rdfs:label ?label }",
    "counts": "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class",
    "optional": PREFIXES
    + "SELECT ?company ?founded WHERE "
    + "{ ?company a lht:Company OPTIONAL { ?company schema:foundingDate ?founded } }",
}
ASKS = {
    "true": PREFIXES + "ASK { id:voicemed a lht:Company }",
    "false": PREFIXES + "ASK { id:voicemed a lht:Hospital }",
}
GRAPH_QUERIES = {
    "construct": PREFIXES + "CONSTRUCT { id:voicemed ?p ?o } WHERE { id:voicemed ?p ?o }",
    "construct-where": PREFIXES + "CONSTRUCT WHERE { ?org a lht:ResearchInstitute ; ?p ?o }",
    "describe": PREFIXES + "DESCRIBE id:luxembourg-institute-of-health",
}

Row = frozenset[tuple[str, Node]]


# The service, and what the clients' answers are compared with


@pytest.fixture(scope="module")
def base(real_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server over the repository's data, opening the same build as ``real_app``."""
    settings = {"STORE_CACHE_DIR": str(real_app.config["STORE_CACHE_DIR"])}
    with serving(REPO_ROOT, tmp_path_factory.mktemp("clients"), settings) as url:
        yield url


@pytest.fixture(scope="module")
def store(real_app: Flask) -> DatasetStore:
    """The in-process store of the same data."""
    with real_app.app_context():
        return get_store()


def fetch(url: str, accept: str | None = None) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return bytes(response.read())


@pytest.fixture(scope="module")
def turtle(base: str) -> Callable[[str], Graph]:
    """The Turtle document at a path of the service (``/doc/voicemed.ttl``), parsed by rdflib."""

    @functools.cache
    def load(path: str) -> Graph:
        return Graph().parse(data=fetch(base + path), format="turtle")

    return load


def about(graph: Graph, iri: URIRef) -> set[tuple[Node, Node]]:
    """The predicates and objects of the statements of ``graph`` about ``iri``."""
    return set(graph.predicate_objects(iri))


def expected_rows(store: DatasetStore, query: str) -> set[Row]:
    results = store.query(query)
    assert isinstance(results, ox.QuerySolutions)
    names = [variable.value for variable in results.variables]
    return {
        frozenset(
            (name, to_rdflib_term(solution[name])) for name in names if solution[name] is not None
        )
        for solution in results
    }


def expected_boolean(store: DatasetStore, query: str) -> bool:
    result = store.query(query)
    assert isinstance(result, ox.QueryBoolean)
    return bool(result)


def expected_graph(store: DatasetStore, query: str) -> Graph:
    results = store.query(query)
    assert isinstance(results, ox.QueryTriples)
    graph = Graph()
    for triple in results:
        graph.add(tuple(to_rdflib_term(term) for term in triple))  # type: ignore[arg-type]
    return graph


def rows(data: bytes, results_format: str) -> set[Row]:
    """A SPARQL results document (``json``, ``xml``, ``tsv``) read by rdflib, as rows."""
    result = Result.parse(io.BytesIO(data), format=results_format)
    return {frozenset(row.asdict().items()) for row in result}  # type: ignore[union-attr]


def lexical(row: Row) -> dict[str, str]:
    """A row as SPARQL CSV writes it: IRIs and literals by their text alone."""
    return {name: str(term) for name, term in row}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """CSV results: one dict per line, unbound (empty) cells left out."""
    lines = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    return [{name: value for name, value in line.items() if value} for line in lines]


def sorted_rows(values: list[dict[str, str]]) -> list[list[tuple[str, str]]]:
    return sorted(sorted(value.items()) for value in values)


# Comunica, rdf-dereference and jsonld.js (Node)


@pytest.fixture(scope="module")
def comunica() -> list[str]:
    """The ``comunica-sparql`` command, run by Node."""
    require_node_package("@comunica/query-sparql")
    return [require_node(), str(NODE_CLIENTS / "node_modules" / ".bin" / "comunica-sparql")]


@pytest.fixture(scope="module")
def node_run() -> list[str]:
    """``tests/clients/run.js``, which drives rdf-dereference and jsonld.js."""
    for package in ("rdf-dereference", "jsonld", "n3"):
        require_node_package(package)
    return [require_node(), str(NODE_CLIENTS / "run.js")]


def node(command: list[str], *args: str) -> bytes:
    """Run a Node client; its standard output, or the test fails with its errors."""
    done = subprocess.run(
        [*command, *args], cwd=NODE_CLIENTS, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def comunica_rows(comunica: list[str], source: str, query: str) -> set[Row]:
    answer = node(comunica, source, "-t", "application/sparql-results+json", query)
    return rows(answer, "json")


@pytest.mark.parametrize("slug", SLUGS)
def test_comunica_dereferencing_an_entity_finds_its_statements(
    comunica: list[str], base: str, turtle: Callable[[str], Graph], slug: str
) -> None:
    """Comunica asks for N-Quads or TriG first and queries the default graph of what
    it gets: that must hold the entity's statements."""
    query = f"SELECT ?p ?o WHERE {{ <{ID[slug]}> ?p ?o }}"
    found = comunica_rows(comunica, f"{base}/id/{slug}", query)
    expected = about(turtle(f"/doc/{slug}.ttl"), ID[slug])
    assert expected, "the Turtle document describes the entity"
    assert {(dict(row)["p"], dict(row)["o"]) for row in found} == expected


def test_comunica_dereferencing_finds_the_links_to_an_entity(
    comunica: list[str], base: str, turtle: Callable[[str], Graph]
) -> None:
    slug = "artificial-intelligence"
    query = f"SELECT ?s ?p WHERE {{ ?s ?p <{ID[slug]}> }}"
    found = comunica_rows(comunica, f"{base}/id/{slug}", query)
    expected = set(turtle(f"/doc/{slug}.ttl").subject_predicates(ID[slug]))
    assert expected, "the Turtle document lists what points at the concept"
    assert {(dict(row)["s"], dict(row)["p"]) for row in found} == expected


@pytest.mark.parametrize("name", SELECTS)
def test_comunica_over_the_sparql_endpoint_answers_as_the_store(
    comunica: list[str], base: str, store: DatasetStore, name: str
) -> None:
    query = SELECTS[name]
    assert comunica_rows(comunica, f"sparql@{base}/sparql", query) == expected_rows(store, query)


@pytest.mark.parametrize("slug", SLUGS)
def test_rdf_dereference_puts_the_entity_in_the_default_graph(
    node_run: list[str], base: str, turtle: Callable[[str], Graph], slug: str
) -> None:
    quads = node(node_run, "dereference", f"{base}/id/{slug}")
    default = parse_graphs(quads, ox.RdfFormat.N_QUADS).get("", Graph())
    assert about(default, ID[slug]) == about(turtle(f"/doc/{slug}.ttl"), ID[slug])


@pytest.mark.parametrize("mode", ["jsonld-expand", "jsonld-to-rdf"])
@pytest.mark.parametrize("path", [*(f"/doc/{slug}" for slug in SLUGS), "/dataset", "/def"], ids=str)
def test_jsonld_js_reads_our_json_ld_by_url_as_the_turtle_document(
    node_run: list[str], base: str, turtle: Callable[[str], Graph], mode: str, path: str
) -> None:
    """jsonld.js fetches the document and its context (/context.jsonld) itself."""
    graphs = parse_graphs(node(node_run, mode, f"{base}{path}.jsonld"), ox.RdfFormat.N_QUADS)
    assert set(graphs) == {""}, "one graph, the default graph"
    assert isomorphic(graphs[""], turtle(f"{path}.ttl"))


# rdflib


@pytest.mark.parametrize("slug", SLUGS)
def test_rdflib_parses_an_entity_iri_by_negotiation(
    base: str, turtle: Callable[[str], Graph], slug: str
) -> None:
    """``Graph.parse(url)`` sends every media type it can parse and follows the 303."""
    assert isomorphic(Graph().parse(f"{base}/id/{slug}"), turtle(f"/doc/{slug}.ttl"))


@pytest.mark.parametrize("rdf_format", ["turtle", "xml", "json-ld", "n3"])
def test_rdflib_parses_an_entity_iri_in_each_format_it_asks_for(
    base: str, turtle: Callable[[str], Graph], rdf_format: str
) -> None:
    graph = Graph().parse(f"{base}/id/voicemed", format=rdf_format)
    assert isomorphic(graph, turtle("/doc/voicemed.ttl"))


def test_rdflib_reading_trig_finds_the_entity_in_the_default_graph(
    base: str, turtle: Callable[[str], Graph]
) -> None:
    """A Graph reads the default graph of TriG: the entity's statements must be there."""
    graph = Graph().parse(f"{base}/id/voicemed", format="trig")
    assert about(graph, ID["voicemed"]) == about(turtle("/doc/voicemed.ttl"), ID["voicemed"])


# SPARQLWrapper: it sends format= (json, xml, turtle, n3, rdf, json-ld, csv, tsv)
# with Accept, on GET and POST.

METHODS = ["GET", POST]


def sparqlwrapper(base: str, query: str, return_format: str, method: str) -> Any:
    """What SPARQLWrapper's ``queryAndConvert()`` gives for ``query``; an HTTP error
    fails the test with the service's message."""
    client = SPARQLWrapper(f"{base}/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    try:
        return client.queryAndConvert()
    except urllib.error.HTTPError as error:
        with error:  # closed here, or its socket warns in whichever test runs next
            pytest.fail(f"{error.code} {error.reason}: {error.read().decode(errors='replace')}")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", SELECTS)
def test_sparqlwrapper_select_json(base: str, store: DatasetStore, name: str, method: str) -> None:
    answer = sparqlwrapper(base, SELECTS[name], JSON, method)
    assert rows(json.dumps(answer).encode(), "json") == expected_rows(store, SELECTS[name])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", SELECTS)
def test_sparqlwrapper_select_xml(base: str, store: DatasetStore, name: str, method: str) -> None:
    answer = sparqlwrapper(base, SELECTS[name], XML, method)
    assert rows(answer.toxml("utf-8"), "xml") == expected_rows(store, SELECTS[name])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", SELECTS)
def test_sparqlwrapper_select_tsv(base: str, store: DatasetStore, name: str, method: str) -> None:
    answer = sparqlwrapper(base, SELECTS[name], TSV, method)
    assert rows(answer, "tsv") == expected_rows(store, SELECTS[name])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", SELECTS)
def test_sparqlwrapper_select_csv(base: str, store: DatasetStore, name: str, method: str) -> None:
    """CSV keeps only the text of each value; the rows are compared as text, with
    their multiplicity (CSV answers are not deduplicated by the reader)."""
    answer = sparqlwrapper(base, SELECTS[name], CSV, method)
    found = {tuple(sorted(row.items())) for row in csv_rows(answer)}
    expected = {tuple(sorted(lexical(row).items())) for row in expected_rows(store, SELECTS[name])}
    assert found == expected


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("name", ASKS)
def test_sparqlwrapper_ask(
    base: str, store: DatasetStore, name: str, return_format: str, method: str
) -> None:
    answer = sparqlwrapper(base, ASKS[name], return_format, method)
    expected = expected_boolean(store, ASKS[name])
    if return_format == JSON:
        assert answer["boolean"] is expected
    elif return_format == XML:
        (boolean,) = answer.getElementsByTagName("boolean")
        assert boolean.firstChild.data == str(expected).lower()
    else:
        # SPARQL defines no CSV or TSV for ASK: the one-cell table rdflib reads too.
        text = answer.decode("utf-8").split()
        assert text[-1] == str(expected).lower()


def graph_answer(answer: Any, return_format: str) -> Graph:
    """What SPARQLWrapper's convert() gives, as a Graph: it parses RDF/XML and JSON-LD
    itself and hands Turtle and N3 over as bytes."""
    if return_format in (TURTLE, N3):
        return Graph().parse(data=answer, format="n3" if return_format == N3 else "turtle")
    graph = Graph()
    for triple in answer.triples((None, None, None)):
        graph.add(triple)
    return graph


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, JSONLD, XML])
@pytest.mark.parametrize("name", GRAPH_QUERIES)
def test_sparqlwrapper_construct_and_describe(
    base: str, store: DatasetStore, name: str, return_format: str, method: str
) -> None:
    query = GRAPH_QUERIES[name]
    answer = sparqlwrapper(base, query, return_format, method)
    expected = expected_graph(store, query)
    assert len(expected) > 10
    assert isomorphic(graph_answer(answer, return_format), expected)


# The dataset as SPARQL defines it, through a client


@pytest.fixture(scope="module")
def files() -> Any:
    """The repository's files read by rdflib, graph by graph, apart from the service."""
    return load_rdflib(REPO_ROOT)


def count(base: str, query: str) -> int:
    answer = sparqlwrapper(base, query, JSON, "GET")
    (row,) = answer["results"]["bindings"]
    return int(row["n"]["value"])


def test_from_chooses_the_default_graph(base: str, files: Any) -> None:
    sources = GRAPH["sources"]
    query = f"SELECT (COUNT(*) AS ?n) FROM <{sources}> WHERE {{ ?s ?p ?o }}"
    assert count(base, query) == len(files.graph(sources)) > 0


def test_from_a_graph_that_is_not_there_is_an_empty_default_graph(base: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/none> WHERE { ?s ?p ?o }"
    assert count(base, query) == 0


def test_from_named_chooses_the_named_graphs(base: str, files: Any) -> None:
    sources = GRAPH["sources"]
    query = (
        f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{sources}> "
        "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    answer = sparqlwrapper(base, query, JSON, "GET")
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in answer["results"]["bindings"]}
    assert counts == {str(sources): len(files.graph(sources))}


def test_the_default_graph_is_a_set_counted_alike_everywhere(
    base: str, files: Any, findings: Graph
) -> None:
    """COUNT(*) over the default graph = VoID's void:triples = the Turtle dump's triples
    = the distinct triples of the repository's files and of graph/disagreements."""
    counted = count(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    void = Graph().parse(data=fetch(f"{base}/dataset", "text/turtle"), format="turtle")
    announced = void.value(DATASET, VOID.triples)
    dump = Graph().parse(data=fetch(f"{base}/download/healthtech-lod.ttl"), format="turtle")
    assert isinstance(announced, Literal)
    assert counted == announced.toPython() == len(dump) == len(union(files) + findings)


def test_counting_subjects_counts_each_statement_once(base: str, files: Any) -> None:
    """An entity typed in several source graphs is one entity of the default graph."""
    query = PREFIXES + "SELECT (COUNT(?s) AS ?n) WHERE { ?s a lht:PublicBody }"
    bodies = set(union(files).subjects(RDF.type, LHT.PublicBody))
    assert count(base, query) == len(bodies) > 0


# PyLD, with its own document loader (requests)


@pytest.mark.parametrize("path", [*(f"/doc/{slug}" for slug in SLUGS), "/dataset", "/def"])
def test_pyld_expands_our_json_ld_by_url(
    base: str, turtle: Callable[[str], Graph], path: str
) -> None:
    expanded = jsonld.expand(f"{base}{path}.jsonld")
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    graphs = parse_graphs(nquads.encode(), ox.RdfFormat.N_QUADS)
    assert set(graphs) == {""}
    assert isomorphic(graphs[""], turtle(f"{path}.ttl"))


@pytest.mark.parametrize("slug", SLUGS)
def test_pyld_turns_our_json_ld_into_rdf_by_url(
    base: str, turtle: Callable[[str], Graph], slug: str
) -> None:
    nquads = jsonld.to_rdf(f"{base}/doc/{slug}.jsonld", {"format": "application/n-quads"})
    graphs = parse_graphs(nquads.encode(), ox.RdfFormat.N_QUADS)
    assert set(graphs) == {""}
    assert isomorphic(graphs[""], turtle(f"/doc/{slug}.ttl"))


def test_pyld_uses_its_own_requests_loader() -> None:
    """The PyLD tests above mean something only with PyLD's network loader."""
    loader = jsonld.get_document_loader()
    assert type(loader).__name__ == "RequestsDocumentLoader", (
        "PyLD found no requests: pip install requests (the dev extra has it)"
    )
