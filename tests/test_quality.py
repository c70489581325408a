"""The data-quality page: the SHACL report of the data the service holds."""

from __future__ import annotations

import shutil
import threading
from typing import Any

import pytest
from conftest import BROWSER, FIXTURES, MakeApp, check_html, jsonld_graph
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from healthtech_lod import quality, validation
from healthtech_lod.namespaces import ID

BROKEN_DATA = """\
@prefix :        <https://w3id.org/lu-healthtech/id/> .
@prefix src:     <https://w3id.org/lu-healthtech/id/source/> .
@prefix lht:     <https://w3id.org/lu-healthtech/def#> .
@prefix schema:  <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

:nameless-company a lht:Company ;
    dcterms:source src:alpha .

:future-company a lht:Company ;
    <http://www.w3.org/2000/01/rdf-schema#label> "Future <Co> & sons"@en ;
    schema:foundingDate "20200"^^xsd:gYear ;
    dcterms:source src:alpha .
"""

WARNING_SHAPES = """\
@prefix lht:     <https://w3id.org/lu-healthtech/def#> .
@prefix lhts:    <https://w3id.org/lu-healthtech/shapes#> .
@prefix schema:  <https://schema.org/> .
@prefix sh:      <http://www.w3.org/ns/shacl#> .

lhts:FoundingShape a sh:NodeShape ;
    sh:targetClass lht:Company ;
    sh:property [ sh:path schema:foundingDate ; sh:pattern "^[0-9]{4}$" ;
        sh:severity sh:Warning ; sh:message "a founding year has four digits"@en ] .
"""


@pytest.fixture(scope="module")
def broken_app(make_app: MakeApp, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The fixture repository plus a file breaking the shapes (a company without a
    label) and a shape giving a warning (a five-digit founding year)."""
    root = tmp_path_factory.mktemp("broken")
    for folder in ("ontology", "data", "seeds", "shapes"):
        shutil.copytree(FIXTURES / folder, root / folder)
    (root / "data" / "broken.ttl").write_text(BROKEN_DATA, encoding="utf-8")
    (root / "shapes" / "warnings.ttl").write_text(WARNING_SHAPES, encoding="utf-8")
    return make_app(DATA_ROOT=str(root))


def html(client: FlaskClient, path: str = "/quality") -> str:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    check_html(response.text)
    return response.text


def row_of(page: str, href: str) -> str:
    """The table row of the results that links to ``href``."""
    at = page.index(f'<a href="{href}"')
    start = page.rindex("<tr", 0, at)
    return page[start : page.index("</tr>", at) + len("</tr>")]


def report_graph(client: FlaskClient) -> Graph:
    response = client.get("/quality", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    return Graph().parse(data=response.data, format="turtle")


def test_fixture_data_conforms(client: FlaskClient) -> None:
    page = html(client)
    assert "Conforms: yes" in page
    assert "no violations" in page
    assert 'href="/shapes"' in page
    assert "<td>0</td>" in page  # no results of any severity
    assert "<tbody>" not in page


def test_turtle_report_is_a_shacl_validation_report(broken_app: Flask) -> None:
    graph = report_graph(broken_app.test_client())
    reports = list(graph.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert graph.value(reports[0], SH.conforms) == Literal(False)
    results = list(graph.objects(reports[0], SH.result))
    focus = {graph.value(r, SH.focusNode) for r in results}
    assert {ID["nameless-company"], ID["future-company"]} <= focus
    severities = {graph.value(r, SH.resultSeverity) for r in results}
    assert severities == {SH.Violation, SH.Warning}


def test_report_comes_in_every_rdf_format(broken_app: Flask) -> None:
    client = broken_app.test_client()
    for ext, fmt, mimetype in (
        ("ttl", "turtle", "text/turtle"),
        ("nt", "nt", "application/n-triples"),
    ):
        response = client.get(f"/quality.{ext}")
        assert response.status_code == 200 and response.mimetype == mimetype
        graph = Graph().parse(data=response.data, format=fmt)
        assert (None, SH.conforms, Literal(False)) in graph
    jsonld = client.get("/quality", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    graph = jsonld_graph(client, jsonld.data)
    assert (None, RDF.type, SH.ValidationReport) in graph
    assert (None, SH.focusNode, ID["nameless-company"]) in graph
    assert client.get("/quality.rdf").status_code == 404
    assert client.get("/quality", headers={"Accept": "text/csv"}).status_code == 406


def test_turtle_is_the_default_and_html_for_browsers(client: FlaskClient) -> None:
    plain = client.get("/quality")
    assert plain.mimetype == "text/turtle"
    assert plain.headers["Content-Location"] == "http://localhost/quality.ttl"
    assert "Accept" in plain.headers["Vary"]
    assert client.get("/quality", headers={"Accept": BROWSER}).mimetype == "text/html"


def test_violation_is_shown_with_its_entity_linked(broken_app: Flask) -> None:
    page = html(broken_app.test_client())
    assert "Conforms: no" in page
    assert "no violations" not in page
    # the company without a label: linked on this host, named by its curie
    row = row_of(page, "http://localhost/id/nameless-company")
    assert row.startswith('<tr class="violation"><td>Violation</td>')
    assert ">:nameless-company</a>" in row
    assert "<code>rdfs:label</code>" in row


def test_warning_shows_value_and_message_escaped(broken_app: Flask) -> None:
    page = html(broken_app.test_client())
    row = row_of(page, "http://localhost/id/future-company")
    assert row.startswith('<tr class="warning"><td>Warning</td>')
    assert ">Future &lt;Co&gt; &amp; sons</a>" in row
    assert "Future <Co>" not in page
    assert "<code>schema:foundingDate</code>" in row
    assert "20200" in row
    assert "a founding year has four digits" in row
    assert "<tr><th>Violation results</th><td>1</td></tr>" in page
    assert "<tr><th>Warning results</th><td>1</td></tr>" in page
    assert "<tr><th>Focus nodes with results</th><td>2</td></tr>" in page


def counting_validate(monkeypatch: pytest.MonkeyPatch, delay: float = 0) -> list[int]:
    """Count pySHACL runs (optionally slowed down) made through the validation module."""
    calls: list[int] = []
    original = validation.shacl_validate

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if delay:
            threading.Event().wait(delay)
        return original(*args, **kwargs)

    monkeypatch.setattr(validation, "shacl_validate", counted)
    return calls


def test_report_is_computed_once_on_first_request(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_validate(monkeypatch)
    app = make_app()
    assert calls == []  # not at start-up
    client = app.test_client()
    first = client.get("/quality.ttl")
    assert len(calls) == 1
    second = client.get("/quality.ttl")
    html(client)
    assert len(calls) == 1
    assert first.data == second.data
    assert app.extensions[quality.EXTENSION].report is not None


def test_concurrent_first_requests_compute_once(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = counting_validate(monkeypatch, delay=0.2)
    app = make_app()
    statuses: list[int] = []

    def fetch() -> None:
        statuses.append(app.test_client().get("/quality.nt").status_code)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4
    assert len(calls) == 1


def test_each_app_has_its_own_report(client: FlaskClient, broken_app: Flask) -> None:
    fixture = report_graph(client)
    broken = report_graph(broken_app.test_client())
    assert (None, SH.conforms, Literal(True)) in fixture
    assert (None, SH.conforms, Literal(False)) in broken
    assert URIRef(ID["nameless-company"]) not in set(fixture.objects(None, SH.focusNode))


def test_data_too_large_to_check_on_request_is_503(make_app: MakeApp) -> None:
    client = make_app(QUALITY_MAX_TRIPLES=10).test_client()
    response = client.get("/quality", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert "more than the 10 this service checks" in response.get_json()["error"]["detail"]
