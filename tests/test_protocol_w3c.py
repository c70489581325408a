"""The W3C SPARQL 1.1 Protocol test suite against the service.

The manifest (tests/conformance/w3c-sparql11-protocol/, copied from w3c/rdf-tests)
describes each case as HTTP requests and what their responses must be: a status
class, the kind of answer (boolean, tabular, RDF) and, for ASK, its value. The
service is built over the suite's three graphs (``http://kasei.us/…/dataN.rdf``)
and every request is sent as written, through the Flask test client. The service
is read-only, so each update case must be refused with a 4xx, and the queries that
follow it in the case must find that nothing was written.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import MakeApp
from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.query import Result
from werkzeug.test import TestResponse

from healthtech_lod.build import build

SUITE = Path(__file__).parent / "conformance" / "w3c-sparql11-protocol"
DATA = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
SERVICE_PATH = "/sparql"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")

#: The answers each expected format allows (the manifest's names), with the
#: rdflib parser that reads them.
RESULTS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
BOOLEANS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml"}
GRAPHS = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


@dataclass(frozen=True)
class Request:
    """One HTTP request of a case and what its response must be."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    #: Allowed status classes: 2 for 2xx, 4 for 4xx…
    statuses: frozenset[int]
    #: "boolean", "tabular", "RDF" or None (any).
    answer: str | None
    boolean: bool | None


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    requests: tuple[Request, ...]

    @property
    def update(self) -> bool:
        return "update" in self.name


def read_manifest(path: Path) -> list[Case]:
    """The manifest's cases, in its order."""
    graph = Graph().parse(path, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest)
    entries = Collection(graph, graph.value(manifest, MF.entries))
    return [_case(graph, entry) for entry in entries]


def _case(graph: Graph, entry: object) -> Case:
    action = graph.value(entry, MF.action)  # type: ignore[arg-type]
    requests = Collection(graph, graph.value(action, HT.requests))
    name = str(entry).rsplit("#", 1)[-1]
    title = str(graph.value(entry, MF.name))  # type: ignore[arg-type]
    return Case(name, title, tuple(_request(graph, node) for node in requests))


def _request(graph: Graph, node: object) -> Request:
    def value(subject: object, predicate: URIRef) -> object:
        return graph.value(subject, predicate)  # type: ignore[arg-type]

    path = str(value(node, HT.absolutePath))
    assert path.startswith("/sparql/"), path
    headers = {}
    listed = value(node, HT.headers)
    for header in Collection(graph, listed) if listed is not None else ():  # type: ignore[arg-type]
        headers[str(value(header, HT.fieldName))] = str(value(header, HT.fieldValue))
    body = None
    content = value(node, HT.body)
    if content is not None:
        encoding = str(value(content, CNT.characterEncoding) or "UTF-8")
        body = str(value(content, CNT.chars)).encode(encoding)
    response = value(node, HT.resp)
    statuses = frozenset(
        int(str(status).rsplit("StatusCode", 1)[-1][0])
        for status in graph.objects(response, MF.expectedStatus)  # type: ignore[arg-type]
    )
    answer = value(response, MF.expectedFormat)
    boolean = value(response, MF.expectedBoolean)
    return Request(
        method=str(value(node, HT.methodName)),
        path=SERVICE_PATH + path.removeprefix("/sparql/"),
        headers=headers,
        body=body,
        statuses=statuses,
        answer=None if answer is None else str(answer),
        boolean=None if boolean is None else bool(boolean.toPython()),  # type: ignore[attr-defined]
    )


CASES = read_manifest(SUITE / "manifest.ttl")
QUERIES = [case for case in CASES if not case.update]
UPDATES = [case for case in CASES if case.update]


@pytest.fixture(scope="module")
def client(make_app: MakeApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The service over the suite's three graphs and nothing else: a repository
    without files, built with the graphs as an extra N-Quads file."""
    folder = tmp_path_factory.mktemp("w3c-protocol")
    quads = [
        ox.Quad(triple.subject, triple.predicate, triple.object, ox.NamedNode(DATA.format(n)))
        for n in (1, 2, 3)
        for triple in ox.parse(path=str(SUITE / f"data{n}.nt"), format=ox.RdfFormat.N_TRIPLES)
    ]
    graphs = folder / "protocol.nq"
    ox.serialize(quads, str(graphs), format=ox.RdfFormat.N_QUADS)
    repository = folder / "repository"
    repository.mkdir()
    built = build(
        repository, folder / "built", "https://w3id.org/lu-healthtech/", [], extra=[graphs]
    )
    app = make_app(DATA_ROOT=str(repository), STORE_PATH=str(built.folder))
    yield app.test_client()


def send(client: FlaskClient, request: Request) -> TestResponse:
    return client.open(
        request.path, method=request.method, headers=request.headers, data=request.body
    )


def check(response: TestResponse, request: Request) -> None:
    """The response is what the manifest expects of ``request``."""
    status = response.status_code
    detail = f"{request.method} {request.path}: {status} {response.get_data(as_text=True)[:300]}"
    assert status // 100 in request.statuses, detail
    if status // 100 != 2 or request.answer is None:
        return
    media_type = response.mimetype
    if request.answer == "boolean":
        assert media_type in BOOLEANS, detail
        result = Result.parse(io.BytesIO(response.data), format=BOOLEANS[media_type])
        assert result.type == "ASK", detail
        if request.boolean is not None:
            assert result.askAnswer is request.boolean, detail
    elif request.answer == "tabular":
        assert media_type in RESULTS, detail
        result = Result.parse(io.BytesIO(response.data), format=RESULTS[media_type])
        assert result.type == "SELECT", detail
    else:
        assert request.answer == "RDF"
        assert media_type in GRAPHS, detail
        Graph().parse(data=response.data, format=GRAPHS[media_type])


def test_the_manifest_is_read_whole() -> None:
    assert len(CASES) == 34
    assert len(QUERIES) == 20 and len(UPDATES) == 14
    assert all(case.requests for case in CASES)


@pytest.mark.parametrize("case", QUERIES, ids=lambda case: case.name)
def test_query_case(client: FlaskClient, case: Case) -> None:
    for request in case.requests:
        check(send(client, request), request)


@pytest.mark.parametrize("case", UPDATES, ids=lambda case: case.name)
def test_update_case_is_refused(client: FlaskClient, case: Case) -> None:
    update, *queries = case.requests
    response = send(client, update)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    for query in queries:
        # Each query asks whether the update's effect is there: it must not be.
        assert query.answer == "boolean"
        check(send(client, query), Request(**{**query.__dict__, "boolean": False}))
