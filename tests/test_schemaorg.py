"""schema.org for search engines: the Dataset that / and /dataset embed, and the
JSON-LD of every entity page, read as a crawler would (pyld, then rdflib)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import BROWSER, entity_pages, union
from flask import Flask
from flask.testing import FlaskClient
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from healthtech_lod import downloads
from healthtech_lod.dataset import REPO_ROOT, load_rdflib
from healthtech_lod.namespaces import ID, LHT, SCHEMA

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def embedded(page: str) -> dict[str, Any]:
    """The one JSON-LD block of a page."""
    blocks = SCRIPT.findall(page)
    assert len(blocks) == 1
    document: dict[str, Any] = json.loads(blocks[0])
    return document


def as_graph(document: dict[str, Any]) -> Graph:
    """The block's triples, as pyld reads them (its context is inline)."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    return Graph().parse(data=nquads, format="nt")


@pytest.fixture(scope="module")
def data() -> Graph:
    """The repository's data and vocabulary, read by rdflib apart from the service."""
    return union(load_rdflib(REPO_ROOT))


# --- the Dataset on / and /dataset --------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/dataset", "/dataset?lang=fr"])
def test_dataset_meets_google_dataset_rules(
    real_app: Flask, real_client: FlaskClient, data: Graph, path: str
) -> None:
    document = embedded(real_client.get(path, headers={"Accept": BROWSER}).text)
    # What a crawler reads without a JSON-LD processor: plain values, nested objects.
    assert document["@type"] == "Dataset"
    assert isinstance(document["name"], str) and document["name"]
    assert isinstance(document["description"], str)
    assert 50 <= len(document["description"]) <= 5000
    assert document["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert document["creator"]["@type"] == "Organization" and document["creator"]["name"]
    assert document["isAccessibleForFree"] is True
    assert document["url"] == "http://localhost/dataset"
    assert document["keywords"] and all(isinstance(k, str) for k in document["keywords"])
    place = document["spatialCoverage"]
    assert place["@type"] == "Place" and place["name"] == "Luxembourg"
    years = sorted(int(str(y)[:4]) for y in data.objects(None, LHT.referenceYear))
    assert document["temporalCoverage"] == f"{years[0]}/{years[-1]}"
    dumps = [f for f in real_app.extensions[downloads.EXTENSION].files if f.dump]
    assert len(document["distribution"]) == len(dumps)
    for item in document["distribution"]:
        assert item["@type"] == "DataDownload"
        with real_client.get(item["contentUrl"].removeprefix("http://localhost")) as response:
            assert response.status_code == 200
            formats = item["encodingFormat"]
            formats = formats if isinstance(formats, list) else [formats]
            assert response.mimetype in formats
    # And what a JSON-LD processor reads: the same as schema.org statements.
    graph = as_graph(document)
    dataset = ID["dataset"]
    assert (dataset, RDF.type, SCHEMA.Dataset) in graph
    assert (dataset, SCHEMA.isAccessibleForFree, Literal(True)) in graph
    assert graph.value(graph.value(dataset, SCHEMA.creator), SCHEMA.name) is not None
    assert len(set(graph.objects(dataset, SCHEMA.distribution))) == len(dumps)


def test_dataset_texts_follow_the_page_language(real_client: FlaskClient) -> None:
    english = embedded(real_client.get("/?lang=en", headers={"Accept": BROWSER}).text)
    french = embedded(real_client.get("/?lang=fr", headers={"Accept": BROWSER}).text)
    assert english["name"] != french["name"] and "linked data" in english["name"]
    title = Literal(french["name"], lang="fr")
    assert (ID["dataset"], SCHEMA.name, title) in as_graph(french)


# --- every entity page ----------------------------------------------------------------


def schema_classes(data: Graph, entity: URIRef) -> set[URIRef]:
    found: set[URIRef] = set()
    for cls in data.objects(entity, RDF.type):
        found.update(c for c in data.transitive_objects(cls, RDFS.subClassOf))
    return {c for c in found if str(c).startswith(str(SCHEMA))}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_entity_page_names_its_entity(real_client: FlaskClient, data: Graph) -> None:
    pages = list(entity_pages(data))
    assert len(pages) > 100
    events = located = 0
    for entity, path in pages:
        document = embedded(real_client.get(path, headers={"Accept": BROWSER}).text)
        graph = as_graph(document)
        names = list(graph.objects(entity, SCHEMA.name))
        assert names and all(isinstance(n, Literal) for n in names), path
        types = as_list(document["@type"])
        assert len(types) == len(set(types)), f"{path}: repeated @type {types}"
        if SCHEMA.Event not in schema_classes(data, entity):
            continue
        events += 1
        assert "Event" in types, path
        places = set(data.objects(entity, SCHEMA.location))
        assert len(as_list(document.get("location", []))) == len(places), path
        for place in as_list(document.get("location", [])):
            assert isinstance(place, dict), f"{path}: location is a bare IRI"
            assert "Place" in as_list(place["@type"]) and place["name"], path
            located += 1
    assert events > 10 and located >= 5


def test_embedded_names_are_in_the_page_language(real_client: FlaskClient) -> None:
    page = real_client.get("/doc/luxembourg?lang=fr", headers={"Accept": BROWSER}).text
    document = embedded(page)
    assert document["@context"]["@language"] == "fr"
    assert (ID["luxembourg"], SCHEMA.name, Literal("Luxembourg", lang="fr")) in as_graph(document)


def test_typed_values_survive_the_embedding(real_client: FlaskClient) -> None:
    document = embedded(real_client.get("/doc/voicemed", headers={"Accept": BROWSER}).text)
    graph = as_graph(document)
    assert (ID["voicemed"], SCHEMA.foundingDate, Literal("2020", datatype=XSD.gYear)) in graph


def test_links_out_are_plain_urls_as_search_engines_read_them(
    real_client: FlaskClient, data: Graph
) -> None:
    """graph/links' websites and identifiers: ``url`` and ``sameAs`` (schema.org's, not
    owl:sameAs) as URL strings, as Google's structured-data rules want them."""
    lih = ID["luxembourg-institute-of-health"]
    page = real_client.get("/doc/luxembourg-institute-of-health", headers={"Accept": BROWSER})
    document = embedded(page.text)
    assert document["url"] == str(data.value(lih, SCHEMA.url))
    same = {str(o) for o in data.objects(lih, OWL.sameAs)}
    assert same and set(as_list(document["sameAs"])) == same
    assert "owl:sameAs" not in document
