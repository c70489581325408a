"""JSON-LD: the published context, short keys, and the same triples as Turtle."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import isomorphic, jsonld_graph
from flask.testing import FlaskClient
from pyld import jsonld as pyld_jsonld
from rdflib import Graph
from rdflib.namespace import RDFS

from healthtech_lod import jsonld

FIXTURE_DOCUMENTS = [
    "/doc/voicemed",
    "/doc/house-of-biohealth",
    "/doc/pioneers",
    "/doc/unnamed-site",
    "/doc/artificial-intelligence",
    "/doc/source/alpha",
]


def test_context_is_published(client: FlaskClient) -> None:
    response = client.get("/context.jsonld")
    assert response.mimetype == "application/ld+json"
    context = response.get_json()["@context"]
    assert context["label"] == {"@id": "rdfs:label", "@container": "@language"}
    assert context["type"] == "@type"
    assert context["technology"] == {"@id": "lht:technology", "@type": "@id"}
    for prefix in ("lht", "schema", "dcterms", "skos", "rdfs", "xsd"):
        assert context[prefix].startswith("http")
    assert response.headers["ETag"]


@pytest.mark.parametrize("path", FIXTURE_DOCUMENTS)
def test_document_expands_to_the_turtle_graph(client: FlaskClient, path: str) -> None:
    turtle = Graph().parse(data=client.get(f"{path}.ttl").data, format="turtle")
    response = client.get(path, headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert isomorphic(jsonld_graph(client, response.data), turtle)


def test_keys_are_short(client: FlaskClient) -> None:
    document = client.get("/doc/voicemed.jsonld").get_json()
    assert document["@context"] == [
        "http://localhost/context.jsonld",
        {"@base": "https://w3id.org/lu-healthtech/id/"},
    ]
    voicemed = document["@graph"][0]
    assert voicemed["id"] == "voicemed", "the entity comes first, relative to @base"
    assert sorted(voicemed["type"]) == ["Company", "schema:Organization"]
    assert voicemed["label"] == {"en": "VoiceMed", "fr": "VoiceMed"}
    assert voicemed["technology"] == "artificial-intelligence"
    assert sorted(voicemed["source"]) == ["src:alpha", "src:beta"]
    assert {"type": "xsd:gYear", "@value": "2020"} in voicemed["foundingDate"]


def test_literal_without_language_survives_the_language_map(client: FlaskClient) -> None:
    document = client.get("/doc/unnamed-site.jsonld").get_json()
    assert document["@graph"][0]["alternateName"] == {"@none": "site without a label"}


def test_compaction_is_local() -> None:
    triple = ox.Triple(
        ox.NamedNode("https://w3id.org/lu-healthtech/id/x"),
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
        ox.Literal("x", language="en"),
    )
    document = jsonld.compact([triple], "https://w3id.org/lu-healthtech/id/")
    assert document["@context"]["@base"] == "https://w3id.org/lu-healthtech/id/"
    assert document["label"] == {"en": "x"}


@pytest.mark.parametrize(
    "iri",
    [
        "https://w3id.org/lu-healthtech/def#",
        "https://w3id.org/lu-healthtech/id/a?",
        "https://w3id.org/lu-healthtech/id/../def",
        "https://w3id.org:443/lu-healthtech/id/a",
    ],
)
def test_iris_pyld_cannot_relativise_stay_absolute(iri: str) -> None:
    base = "https://w3id.org/lu-healthtech/id/"
    triple = ox.Triple(ox.NamedNode(base + "x"), ox.NamedNode(str(RDFS.seeAlso)), ox.NamedNode(iri))
    document = jsonld.compact([triple], base)
    assert document["id"] == base + "x"
    expanded = pyld_jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert f"<{iri}>" in expanded


def test_real_documents_expand_to_their_turtle(real_client: FlaskClient) -> None:
    for path in ("/doc/voicemed", "/doc/house-of-biohealth", "/doc/healthtech-pioneers-2026"):
        turtle = Graph().parse(data=real_client.get(f"{path}.ttl").data, format="turtle")
        expanded = jsonld_graph(real_client, real_client.get(f"{path}.jsonld").data)
        assert len(turtle) > 10
        assert isomorphic(expanded, turtle), path


@pytest.mark.parametrize(
    "iri",
    [
        "https://w3id.org/lu-healthtech/id/a;b",  # pyld's relative form drops ;b
        "https://w3id.org/lu-healthtech/id/x//y",  # and empty segments
        "https://w3id.org/lu-healthtech/id#f",  # a path-prefix of the base, with a fragment
        "https://w3id.org",  # a host without a path
        "https://w3id.org/lu-healthtech/id/a:b",  # read back as a compact IRI
        "https://w3id.org/lu-healthtech/id/q?x=1",
        "http://example.org:8080/x",
    ],
)
def test_every_iri_reads_back_from_the_compacted_document(iri: str) -> None:
    """A document's IRIs are relative to its base only where a JSON-LD reader gets the
    same IRI back; otherwise all are absolute."""
    base = "https://w3id.org/lu-healthtech/id/"
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    statements = [
        ox.Triple(
            ox.NamedNode(base + "s"), ox.NamedNode("https://schema.org/url"), ox.NamedNode(iri)
        ),
        ox.Triple(ox.NamedNode(iri), label, ox.Literal("x")),
    ]
    document = jsonld.compact(statements, base, None)
    read = pyld_jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert f"<{iri}> <{label.value}>" in read, read
