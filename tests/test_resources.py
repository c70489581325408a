"""Dereferencing: 303 from /id/, documents in every format, headers, 404s, HTML pages."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from conftest import (
    BROWSER,
    MakeApp,
    check_html,
    isomorphic,
    jsonld_graph,
    parse_graphs,
    without_self_description,
)
from flask import Flask
from flask.testing import FlaskClient
from pyld import jsonld
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from werkzeug.test import TestResponse

from healthtech_lod.namespaces import DATASET, DCTERMS, FOAF, GRAPH, ID, LHT, SCHEMA, SOURCE, VOID

VOICEMED = ID["voicemed"]


def turtle(client: FlaskClient, path: str) -> Graph:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.data, format="turtle")


def links(response: TestResponse) -> list[tuple[str, str, str | None]]:
    """The Link header as (url, rel, type) triples."""
    header = response.headers.get("Link", "")
    found = re.findall(r'<([^>]*)>; rel="([^"]*)"(?:; type="([^"]*)")?', header)
    return [(url, rel, kind or None) for url, rel, kind in found]


# --- 303 ----------------------------------------------------------------------------


def test_entity_iri_is_303_to_its_document(client: FlaskClient) -> None:
    response = client.get("/id/voicemed", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/doc/voicemed"
    assert "Accept" in response.vary


def test_source_iri_is_303_to_its_document(client: FlaskClient) -> None:
    response = client.get("/id/source/alpha")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/doc/source/alpha"
    graph = turtle(client, "/doc/source/alpha")
    assert (SOURCE["alpha"], RDF.type, LHT.SourceDocument) in graph


def test_dataset_iri_is_303_to_the_description(client: FlaskClient) -> None:
    response = client.get("/id/dataset")
    assert response.status_code == 303
    assert response.headers["Location"] == "http://localhost/dataset"


def test_graph_iri_is_303_to_the_graph_store(client: FlaskClient) -> None:
    response = client.get("/graph/alpha")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("http://localhost/rdf-graphs?graph=https")
    assert client.get("/graph/nothing").status_code == 404


def test_links_stay_on_the_serving_host(make_app: MakeApp) -> None:
    client = make_app(ALLOWED_HOSTS=["lod.example.org", "localhost"]).test_client()
    base = "https://lod.example.org:8443"
    response = client.get("/id/voicemed", base_url=base)
    assert response.headers["Location"] == f"{base}/doc/voicemed"
    document = client.get("/doc/voicemed", base_url=base, headers={"Accept": BROWSER})
    assert document.headers["Content-Location"] == f"{base}/doc/voicemed.html"
    own = [url for url, rel, _ in links(document) if rel not in ("cite-as", "license")]
    assert own and all(url.startswith(base) for url in own)
    assert f'href="{base}/id/artificial-intelligence"' in document.text
    graph = turtle(client, "/doc/voicemed")
    assert (VOICEMED, RDF.type, LHT.Company) in graph, "canonical IRIs stay as they are"


def test_links_stay_on_the_serving_host_whatever_the_base_uri(make_app: MakeApp) -> None:
    app = make_app(BASE_URI="https://example.org/lod/")
    client = app.test_client()
    assert client.get("/id/voicemed").status_code == 404, "no entity under that base"
    response = client.get("/dataset", base_url="http://127.0.0.1:9999")
    assert response.headers["Content-Location"] == "http://127.0.0.1:9999/dataset.ttl"


# --- the document ---------------------------------------------------------------------


def test_document_holds_own_statements_from_every_graph(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/voicemed")
    assert (VOICEMED, SCHEMA.foundingDate, Literal("2020", datatype=XSD.gYear)) in graph
    assert (VOICEMED, SCHEMA.foundingDate, Literal("2021", datatype=XSD.gYear)) in graph
    assert set(graph.objects(VOICEMED, RDF.type)) == {LHT.Company, SCHEMA.Organization}
    assert (VOICEMED, RDFS.label, Literal("VoiceMed", lang="fr")) in graph


def test_document_labels_and_types_linked_resources(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/voicemed")
    ai = ID["artificial-intelligence"]
    assert (ai, SKOS.prefLabel, Literal("Artificial intelligence", lang="en")) in graph
    assert (ai, RDF.type, SKOS.Concept) in graph
    assert (ai, SKOS.definition, None) not in graph, "only labels and types of linked resources"
    assert (LHT.Company, RDFS.label, Literal("Company", lang="en")) in graph


def test_document_holds_statements_pointing_at_it(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/voicemed")
    items = list(graph.subjects(SCHEMA.item, VOICEMED))
    assert len(items) == 1 and isinstance(items[0], BNode)
    assert (items[0], SCHEMA.position, Literal(1)) in graph
    assert (ID["pioneers"], SCHEMA.itemListElement, items[0]) in graph
    assert (ID["pioneers"], RDFS.label, Literal("Pioneers", lang="en")) in graph


def test_document_holds_its_sources(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/voicemed")
    assert (VOICEMED, DCTERMS.source, SOURCE["alpha"]) in graph
    assert (SOURCE["beta"], DCTERMS.language, Literal("fr")) in graph


def test_document_follows_blank_node_values(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/house-of-biohealth")
    size = graph.value(ID["house-of-biohealth"], SCHEMA.floorSize)
    assert isinstance(size, BNode)
    assert (size, SCHEMA.value, Literal(20000)) in graph
    assert (size, SCHEMA.unitText, Literal("m²")) in graph
    assert (size, RDF.type, SCHEMA.QuantitativeValue) in graph


def test_document_follows_lists_and_list_items(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/pioneers")
    members = graph.value(ID["pioneers"], SCHEMA.hasPart)
    assert list(graph.items(members)) == [VOICEMED, ID["house-of-biohealth"]]
    items = list(graph.objects(ID["pioneers"], SCHEMA.itemListElement))
    assert sorted(int(graph.value(i, SCHEMA.position)) for i in items) == [1, 2]
    assert (VOICEMED, RDFS.label, Literal("VoiceMed", lang="en")) in graph


def test_trig_keeps_each_statement_in_its_graph(client: FlaskClient) -> None:
    response = client.get("/doc/voicemed.trig")
    assert response.mimetype == "application/trig"
    graphs = parse_graphs(response.data, ox.RdfFormat.TRIG)
    alpha, beta = graphs[str(GRAPH["alpha"])], graphs[str(GRAPH["beta"])]
    assert (VOICEMED, SCHEMA.foundingDate, Literal("2020", datatype=XSD.gYear)) in alpha
    assert (VOICEMED, SCHEMA.foundingDate, Literal("2021", datatype=XSD.gYear)) in beta
    assert (VOICEMED, SCHEMA.foundingDate, Literal("2021", datatype=XSD.gYear)) not in alpha


@pytest.mark.parametrize(
    ("ext", "rdf_format"), [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)]
)
def test_quad_formats_hold_the_document_in_the_default_graph(
    client: FlaskClient, ext: str, rdf_format: ox.RdfFormat
) -> None:
    """A client that reads only the default graph of what it dereferences (Comunica,
    rdf-dereference) sees the whole document; the named graphs keep the sources."""
    graphs = parse_graphs(client.get(f"/doc/voicemed.{ext}").data, rdf_format)
    default = set(graphs.pop(""))
    whole = Graph()
    for triple in default:
        whole.add(triple)
    assert isomorphic(whole, turtle(client, "/doc/voicemed"))
    named = {triple for graph in graphs.values() for triple in graph}
    assert named <= default  # every statement of a source is in the default graph
    document = URIRef(str(VOICEMED).replace("/id/", "/doc/"))
    assert {s for s, _, _ in default - named} == {document}  # and the rest is about the document


RDF_EXTENSIONS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nq": ox.RdfFormat.N_QUADS,
}


@pytest.mark.parametrize("ext", [*RDF_EXTENSIONS, "jsonld"])
def test_every_document_describes_itself(client: FlaskClient, ext: str) -> None:
    """Saved on its own, a document still says what it is about, its licence, its
    dataset and its date (in the default graph of a dataset format)."""
    response = client.get(f"/doc/voicemed.{ext}")
    if ext == "jsonld":
        graph = jsonld_graph(client, response.data)
    else:
        graph = parse_graphs(response.data, RDF_EXTENSIONS[ext])[""]
    document = URIRef(str(VOICEMED).replace("/id/", "/doc/"))
    assert graph.value(document, FOAF.primaryTopic) == VOICEMED
    assert graph.value(document, DCTERMS.license) == URIRef(client.application.config["LICENSE"])
    assert graph.value(document, VOID.inDataset) == DATASET
    modified = graph.value(document, DCTERMS.modified)
    assert isinstance(modified, Literal) and modified.datatype == XSD.dateTime


@pytest.mark.parametrize(("ext", "rdflib_format"), [("nt", "nt"), ("rdf", "xml")])
def test_every_triple_format_holds_the_same_graph(
    client: FlaskClient, ext: str, rdflib_format: str
) -> None:
    graph = Graph().parse(data=client.get(f"/doc/voicemed.{ext}").data, format=rdflib_format)
    assert isomorphic(graph, turtle(client, "/doc/voicemed"))


def test_entity_without_label(client: FlaskClient) -> None:
    graph = turtle(client, "/doc/unnamed-site")
    assert (ID["unnamed-site"], SCHEMA.value, Literal("1.5", datatype=XSD.decimal)) in graph
    page = client.get("/doc/unnamed-site.html")
    assert "<h1>unnamed-site</h1>" in page.text


# --- headers --------------------------------------------------------------------------


def test_content_location_names_the_variant(client: FlaskClient) -> None:
    for accept, ext in [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        (BROWSER, "html"),
    ]:
        response = client.get("/doc/voicemed", headers={"Accept": accept})
        assert response.headers["Content-Location"] == f"http://localhost/doc/voicemed.{ext}"


def test_link_header_signposting(client: FlaskClient) -> None:
    found = links(client.get("/doc/voicemed", headers={"Accept": "text/turtle"}))
    base = "http://localhost/doc/voicemed"
    assert (f"{base}.jsonld", "alternate describedby", "application/ld+json") in found
    assert (f"{base}.html", "alternate", "text/html") in found
    assert (f"{base}.ttl", "describedby", "text/turtle") in found, "itself: not an alternate"
    assert (f"{base}.nt", "alternate describedby", "application/n-triples") in found
    assert (str(VOICEMED), "cite-as", None) in found
    assert ("https://creativecommons.org/licenses/by/4.0/", "license", None) in found
    # PyLD 3.3 fails on a Link header holding several links whose rel is "alternate".
    assert [rel for _, rel, _ in found].count("alternate") <= 1
    parsed = jsonld.parse_link_header(client.get(f"{base}.jsonld").headers["Link"])
    assert isinstance(parsed["alternate"], dict)


def test_caching_headers_and_conditional_get(client: FlaskClient) -> None:
    response = client.get("/doc/voicemed.ttl")
    etag = response.headers["ETag"]
    assert response.headers["Last-Modified"]
    assert response.cache_control.max_age == 3600 and response.cache_control.public
    again = client.get("/doc/voicemed.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get(
        "/doc/voicemed.ttl", headers={"If-Modified-Since": response.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    other = client.get("/doc/voicemed.jsonld")
    assert other.headers["ETag"] != etag, "each variant has its own ETag"


def test_head(client: FlaskClient) -> None:
    response = client.head("/doc/voicemed.ttl")
    assert response.status_code == 200
    assert response.data == b""
    assert int(response.headers["Content-Length"]) == len(client.get("/doc/voicemed.ttl").data)


# --- errors ------------------------------------------------------------------------------


def test_unknown_slug_is_404_in_turtle(client: FlaskClient) -> None:
    response = client.get("/doc/no-such-thing", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/turtle"
    assert len(Graph().parse(data=response.data, format="turtle")) == 0
    assert "no-such-thing" in response.text
    explicit = client.get("/doc/no-such-thing.ttl")
    assert explicit.status_code == 404 and explicit.mimetype == "text/turtle"


def test_unknown_slug_is_404_in_html_for_browsers(client: FlaskClient) -> None:
    response = client.get("/doc/no-such-thing", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>404 Not Found</h1>" in response.text


def test_unknown_entity_iri_is_404_not_303(client: FlaskClient) -> None:
    response = client.get("/id/no-such-thing", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/turtle"


def test_slug_with_odd_characters_is_404(client: FlaskClient) -> None:
    assert client.get("/id/..%2Fetc").status_code == 404
    assert client.get("/doc/a.b.c").status_code == 404


# --- HTML -----------------------------------------------------------------------------------


def test_entity_page(client: FlaskClient) -> None:
    response = client.get("/doc/voicemed", headers={"Accept": BROWSER})
    page = check_html(response.text)
    assert "<h1>VoiceMed</h1>" in response.text
    assert "&lt;b&gt;asthma&lt;/b&gt; &amp; &#34;more&#34;" in response.text, "escaped"
    assert "http://localhost/id/artificial-intelligence" in page.hrefs
    assert "http://localhost/def#technology" in page.hrefs
    assert "http://localhost/id/source/beta" in page.hrefs
    assert "Referenced by" in response.text
    assert "http://localhost/id/pioneers" in page.hrefs


def test_blank_node_values_show_on_the_page(client: FlaskClient) -> None:
    text = client.get("/doc/house-of-biohealth.html").text
    check_html(text)
    assert "20000" in text and "m²" in text


def test_hash_iris_are_linked_on_this_host(client: FlaskClient) -> None:
    page = check_html(client.get("/doc/house-of-biohealth.html").text)
    assert "http://localhost/id/house-of-biohealth#wet-lab" in page.hrefs
    graph = turtle(client, "/doc/house-of-biohealth")
    wet_lab = URIRef(str(ID["house-of-biohealth"]) + "#wet-lab")
    assert (wet_lab, RDFS.label, Literal("Wet lab", lang="en")) in graph


def test_ontology_page_anchors_every_term(client: FlaskClient, fixture_dataset: Dataset) -> None:
    response = client.get("/def", headers={"Accept": BROWSER})
    page = check_html(response.text)
    ontology = fixture_dataset.graph(GRAPH["ontology"])
    terms = {
        str(s).split("#")[1]
        for kind in ("Class", "ObjectProperty", "DatatypeProperty")
        for s in ontology.subjects(RDF.type, URIRef(f"http://www.w3.org/2002/07/owl#{kind}"))
    }
    assert terms <= set(page.ids)
    assert "A technology the subject uses." in response.text
    assert "Une technologie" in response.text, "other languages are shown too"


def test_ontology_as_rdf(client: FlaskClient, fixture_dataset: Dataset) -> None:
    ontology = fixture_dataset.graph(GRAPH["ontology"])
    served = without_self_description(turtle(client, "/def"), "http://localhost/def")
    assert isomorphic(served, ontology), "and otherwise the ontology graph"
    assert client.get("/def.jsonld").mimetype == "application/ld+json"
    assert client.get("/def.html").mimetype == "text/html"


def test_shapes(client: FlaskClient) -> None:
    expected = Graph().parse("tests/fixtures/shapes/fixture-shapes.ttl", format="turtle")
    assert isomorphic(turtle(client, "/shapes"), expected)
    assert client.get("/shapes.jsonld").mimetype == "application/ld+json"
    assert client.get("/shapes.html").status_code == 404


# --- the real data -----------------------------------------------------------------------------


def test_real_voicemed_document(real_client: FlaskClient) -> None:
    assert real_client.get("/id/voicemed").headers["Location"].endswith("/doc/voicemed")
    graph = Graph().parse(data=real_client.get("/doc/voicemed.ttl").data, format="turtle")
    assert (VOICEMED, RDF.type, LHT.Company) in graph
    assert (VOICEMED, RDFS.label, Literal("VoiceMed", lang="en")) in graph
    page = real_client.get("/doc/voicemed", headers={"Accept": BROWSER})
    check_html(page.text)


def test_real_ontology_page(real_app: Flask) -> None:
    page = check_html(real_app.test_client().get("/def.html").text)
    assert {"Company", "technology", "attestedOn"} <= set(page.ids)


# -- documents written once ----------------------------------------------------------

#: Every format a document comes in, by its extension.
DOCUMENT_EXTENSIONS = ("html", "ttl", "jsonld", "nt", "rdf", "nq", "trig")


def test_a_document_is_written_once_then_sent_from_memory(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthtech_lod.store import DatasetStore

    app = make_app()
    client = app.test_client()
    described: list[str] = []
    original = DatasetStore.describe

    def counting(self: DatasetStore, iri: ox.NamedNode) -> list[ox.Quad]:
        described.append(iri.value)
        return original(self, iri)

    monkeypatch.setattr(DatasetStore, "describe", counting)
    first = client.get("/doc/voicemed", headers={"Accept": "text/turtle"})
    again = client.get("/doc/voicemed", headers={"Accept": "text/turtle"})
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert len(described) == 1, "the second came from the document cache"
    french = client.get("/doc/voicemed", headers={"Accept": "text/html", "Accept-Language": "fr"})
    german = client.get("/doc/voicemed", headers={"Accept": "text/html", "Accept-Language": "de"})
    assert french.data != german.data and len(described) == 3, "each language its own page"
    expanded = client.get(
        "/doc/voicemed",
        headers={"Accept": 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"'},
    )
    compacted = client.get("/doc/voicemed", headers={"Accept": "application/ld+json"})
    assert expanded.data != compacted.data and len(described) == 5, "each JSON-LD form its own"


def test_every_document_from_the_cache_is_the_one_written_afresh(make_app: MakeApp) -> None:
    """Each entity of the repository's data, in a format of its own (turn by turn):
    the bytes sent from the document cache are those written without it."""
    from healthtech_lod.dataset import REPO_ROOT

    cached = make_app(DATA_ROOT=str(REPO_ROOT)).test_client()
    afresh = make_app(DATA_ROOT=str(REPO_ROOT), DOCUMENT_CACHE_BYTES=0).test_client()
    listing = afresh.get("/sitemap.xml").text
    slugs = sorted(set(re.findall(r"/doc/([a-z0-9-]+)<", listing)))
    assert len(slugs) > 100, "the sitemap lists the entities"
    for n, slug in enumerate(slugs):
        path = f"/doc/{slug}.{DOCUMENT_EXTENSIONS[n % len(DOCUMENT_EXTENSIONS)]}"
        cached.get(path)  # written, kept
        sent, written = cached.get(path), afresh.get(path)
        assert sent.status_code == written.status_code == 200, path
        assert sent.data == written.data, path
        for header in ("Content-Type", "ETag", "Link", "Content-Location", "Vary"):
            assert sent.headers.get(header) == written.headers.get(header), (path, header)
    expanded = {"Accept": 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"'}
    for _ in range(2):  # written, then sent from the cache: the same headers
        answer = cached.get(f"/doc/{slugs[0]}", headers=expanded)
        assert "json-ld#expanded" in answer.headers["Content-Type"]
        assert answer.headers["ETag"].endswith('-expanded"')
