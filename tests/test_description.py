"""The dataset's VoID/DCAT description and what it states."""

from __future__ import annotations

import html
from collections import Counter

import pytest
from conftest import BROWSER, FIXTURES, MakeApp, isomorphic, jsonld_graph
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from healthtech_lod import downloads
from healthtech_lod.namespaces import DCAT, DCTERMS, ID, SCHEMA, SD, SOURCE, VOID
from healthtech_lod.opening import get_store
from healthtech_lod.store import DatasetStore

DATASET = ID["dataset"]
SPDX = "http://spdx.org/rdf/terms#"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


@pytest.fixture(scope="module")
def void(app: Flask) -> Graph:
    response = app.test_client().get("/.well-known/void")
    assert response.mimetype == "text/turtle"
    return Graph().parse(data=response.data, format="turtle")


def test_title_description_and_license(void: Graph) -> None:
    assert {o.language for o in void.objects(DATASET, DCTERMS.title)} == {"en", "fr", "de"}
    assert {o.language for o in void.objects(DATASET, DCTERMS.description)} == {"en", "fr", "de"}
    assert (DATASET, DCTERMS.license, LICENSE) in void
    assert (DATASET, RDF.type, VOID.Dataset) in void and (DATASET, RDF.type, DCAT.Dataset) in void
    publisher = void.value(DATASET, DCTERMS.publisher)
    assert publisher is not None and len(list(void.predicate_objects(publisher))) >= 2


def test_counts(void: Graph, fixture_union: Graph) -> None:
    assert void.value(DATASET, VOID.triples) == Literal(len(fixture_union))
    entities = {s for s in fixture_union.subjects(RDF.type, None) if str(s).startswith(str(ID))}
    assert void.value(DATASET, VOID.entities) == Literal(len(entities))


def test_class_partitions_are_computed(void: Graph, fixture_union: Graph) -> None:
    expected = Counter(c for _, c in set(fixture_union.subject_objects(RDF.type)))
    found = {
        void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
        for p in void.objects(DATASET, VOID.classPartition)
    }
    assert found == dict(expected)
    company = next(
        p
        for p in void.objects(DATASET, VOID.classPartition)
        if void.value(p, VOID["class"]) == URIRef("https://w3id.org/lu-healthtech/def#Company")
    )
    voicemed_triples = len(set(fixture_union.predicate_objects(ID["voicemed"])))
    assert void.value(company, VOID.triples).toPython() == voicemed_triples


def test_property_partitions_are_computed(void: Graph, fixture_union: Graph) -> None:
    expected = Counter(p for _, p, _ in fixture_union)
    found = {
        void.value(p, VOID.property): void.value(p, VOID.triples).toPython()
        for p in void.objects(DATASET, VOID.propertyPartition)
    }
    assert found == dict(expected)


def test_endpoint_and_service(void: Graph) -> None:
    endpoint = URIRef("http://localhost/sparql")
    assert (DATASET, VOID.sparqlEndpoint, endpoint) in void
    service = void.value(None, DCAT.endpointURL, endpoint)
    assert (service, RDF.type, DCAT.DataService) in void
    assert (service, DCAT.servesDataset, DATASET) in void
    assert (service, SD.endpoint, endpoint) in void


def test_every_dump_is_a_distribution(app: Flask, void: Graph) -> None:
    manifest = app.extensions[downloads.EXTENSION]
    distributions = set(void.objects(DATASET, DCAT.distribution))
    dumps = [download for download in manifest.files if download.dump]
    assert len(distributions) == len(dumps) + 1, "and the SPARQL endpoint"
    for download in dumps:
        url = URIRef(f"http://localhost/download/{download.name}")
        distribution = void.value(None, DCAT.downloadURL, url)
        assert distribution in distributions
        byte_size = Literal(download.size, datatype=XSD.nonNegativeInteger)
        assert (distribution, DCAT.byteSize, byte_size) in void
        media = URIRef(f"http://www.iana.org/assignments/media-types/{download.mimetype}")
        assert (distribution, DCAT.mediaType, media) in void
        checksum = void.value(distribution, URIRef(SPDX + "checksum"))
        assert str(void.value(checksum, URIRef(SPDX + "checksumValue"))) == download.sha256
    dumps = set(void.objects(DATASET, VOID.dataDump))
    assert URIRef("http://localhost/download/healthtech-lod.ttl") in dumps


def test_vocabularies_examples_and_sources(void: Graph) -> None:
    vocabularies = set(void.objects(DATASET, VOID.vocabulary))
    assert URIRef("https://w3id.org/lu-healthtech/def#") in vocabularies
    assert URIRef(str(SCHEMA)) in vocabularies
    assert set(void.objects(DATASET, VOID.exampleResource)) == {
        ID["voicemed"],
        ID["artificial-intelligence"],
    }
    assert set(void.objects(DATASET, DCTERMS.source)) == {SOURCE["alpha"], SOURCE["beta"]}


def test_same_description_at_both_addresses(client: FlaskClient, void: Graph) -> None:
    dataset = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
    assert isomorphic(dataset, void)


def test_json_ld_is_the_same_graph(client: FlaskClient, void: Graph) -> None:
    response = client.get("/dataset", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert isomorphic(jsonld_graph(client, response.data), void)


def test_license_link_header(client: FlaskClient) -> None:
    for path in ("/.well-known/void", "/dataset", "/doc/voicemed", "/download/SHA256SUMS"):
        with client.get(path) as response:
            assert f'<{LICENSE}>; rel="license"' in response.headers["Link"], path


def test_html_for_people(client: FlaskClient, void: Graph) -> None:
    for path in ("/", "/dataset", "/.well-known/void"):
        response = client.get(path, headers={"Accept": BROWSER})
        assert response.mimetype == "text/html"
        assert str(void.value(DATASET, VOID.triples)) in response.text
        assert "http://localhost/sparql" in response.text
        assert "healthtech-lod.ttl.gz" in response.text


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_the_home_page_is_titled_in_its_language(
    client: FlaskClient, void: Graph, lang: str
) -> None:
    title = next(t for t in void.objects(DATASET, DCTERMS.title) if t.language == lang)
    page = client.get("/", headers={"Accept": BROWSER, "Accept-Language": lang}).text
    assert f"<h1>{title}</h1>" in html.unescape(page)


def test_statistics_are_computed_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("queried per request")

    monkeypatch.setattr(DatasetStore, "select", refuse)
    assert app.test_client().get("/.well-known/void").status_code == 200


def test_real_description(real_client: FlaskClient) -> None:
    graph = Graph().parse(data=real_client.get("/.well-known/void").data, format="turtle")
    assert graph.value(DATASET, VOID.triples).toPython() > 1000
    assert (DATASET, VOID.exampleResource, ID["voicemed"]) in graph
    assert len(set(graph.objects(DATASET, DCTERMS.source))) == 5


# --- documents describe themselves ----------------------------------------------------

FOAF = Namespace("http://xmlns.com/foaf/0.1/")


@pytest.mark.parametrize(
    ("path", "document", "topic"),
    [
        ("/dataset.ttl", "http://localhost/dataset", DATASET),
        ("/.well-known/void", "http://localhost/dataset", DATASET),
        ("/def.ttl", "http://localhost/def", URIRef("https://w3id.org/lu-healthtech/def")),
    ],
)
def test_document_describes_itself(
    real_app: Flask, real_client: FlaskClient, path: str, document: str, topic: URIRef
) -> None:
    graph = Graph().parse(data=real_client.get(path).data, format="turtle")
    subject = URIRef(document)
    assert (subject, FOAF.primaryTopic, topic) in graph
    assert (subject, DCTERMS.license, LICENSE) in graph
    assert (subject, VOID.inDataset, DATASET) in graph
    with real_app.app_context():
        modified = get_store().version.modified.date()
    assert (subject, DCTERMS.modified, Literal(modified)) in graph


def test_every_format_of_the_vocabulary_describes_itself(client: FlaskClient) -> None:
    turtle = Graph().parse(data=client.get("/def.ttl").data, format="turtle")
    assert (URIRef("http://localhost/def"), FOAF.primaryTopic, None) in turtle
    assert isomorphic(jsonld_graph(client, client.get("/def.jsonld").data), turtle)
    assert isomorphic(Graph().parse(data=client.get("/def.nt").data, format="nt"), turtle)
    assert isomorphic(Graph().parse(data=client.get("/def.rdf").data, format="xml"), turtle)


def test_vocabulary_served_at_its_own_iri_keeps_its_own_dates(make_app: MakeApp) -> None:
    """From the canonical host the document's URL is the ontology's IRI: the ontology
    keeps its own license and modification date, and only names its dataset."""
    client = make_app(ALLOWED_HOSTS=["w3id.org"]).test_client()
    ontology = URIRef("https://w3id.org/lu-healthtech/def")
    response = client.get("/def.ttl", base_url="https://w3id.org/lu-healthtech/")
    graph = Graph().parse(data=response.data, format="turtle")
    assert (ontology, VOID.inDataset, DATASET) in graph
    assert (ontology, FOAF.primaryTopic, None) not in graph
    own = Graph().parse(FIXTURES / "ontology" / "fixture.ttl", format="turtle")
    for predicate in (DCTERMS.modified, DCTERMS.license):
        assert set(graph.objects(ontology, predicate)) == set(own.objects(ontology, predicate))


def test_the_description_and_the_vocabulary_are_written_once_per_variant(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/dataset and /def cost a lookup once written: the description graph is made
    (and the vocabulary's page built) once per format and language, not per request."""
    from healthtech_lod import description, vocabulary

    app = make_app()
    client = app.test_client()
    made: Counter[str] = Counter()
    graph, page = description.description_graph, vocabulary.ontology_page

    def counted_graph() -> Graph:
        made["description"] += 1
        return graph()

    def counted_page(*args: object, **kwargs: object) -> object:
        made["ontology"] += 1
        return page(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(description, "description_graph", counted_graph)
    monkeypatch.setattr(vocabulary, "ontology_page", counted_page)
    for _ in range(3):
        turtle = client.get("/dataset", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200
        for language in ("en", "de"):
            headers = {"Accept": BROWSER, "Accept-Language": language}
            assert client.get("/dataset", headers=headers).status_code == 200
            assert client.get("/def", headers=headers).status_code == 200
    assert made == {"description": 3, "ontology": 2}
    again = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert again.data == turtle.data and again.headers["ETag"] == turtle.headers["ETag"]
    revalidated = client.get(
        "/dataset", headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]}
    )
    assert revalidated.status_code == 304
