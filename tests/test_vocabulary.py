"""The vocabulary: served at /def and at each version's IRI, ready for LOV (every
term defined by the ontology, in three languages, a described header), loaded by an
OWL 2 DL reasoner, and the labels of other vocabularies' terms in a graph of their own."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import BROWSER, FIXTURES, check_html, isomorphic, without_self_description
from flask.testing import FlaskClient
from programs import require_program
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, XSD

from healthtech_lod.dataset import REPO_ROOT, load_rdflib
from healthtech_lod.namespaces import GRAPH, LHT, ONTOLOGY
from healthtech_lod.vocabulary import OFFERS, VERSIONS

VANN = "http://purl.org/vocab/vann/"
ONTOLOGY_IRI = URIRef(str(ONTOLOGY))
LANGUAGES = {"en", "fr", "de"}
SNAPSHOT = FIXTURES / VERSIONS / "0.0.1.ttl"
MIMETYPES = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "html": "text/html",
}
EXTENSIONS = {
    "turtle": "ttl",
    "jsonld": "jsonld",
    "ntriples": "nt",
    "rdfxml": "rdf",
    "html": "html",
}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_rdflib(REPO_ROOT)


@pytest.fixture(scope="module")
def ontology(dataset: Dataset) -> Graph:
    return dataset.graph(GRAPH["ontology"])


def path_of(iri: URIRef) -> str:
    return urlsplit(str(iri)).path.removeprefix("/lu-healthtech")


# --- versions, served --------------------------------------------------------------------------


def test_version_iri_serves_the_current_version(
    client: FlaskClient, fixture_dataset: Dataset
) -> None:
    ontology = fixture_dataset.graph(GRAPH["ontology"])
    version_iri = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert isinstance(version_iri, URIRef)
    response = client.get(path_of(version_iri), headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    served = Graph().parse(data=response.data, format="turtle")
    document = "http://localhost" + path_of(version_iri)
    assert isomorphic(without_self_description(served, document), ontology)
    assert 'rel="latest-version"' in response.headers["Link"]


@pytest.mark.parametrize("key", OFFERS)
def test_a_version_comes_in_every_format_of_def(client: FlaskClient, key: str) -> None:
    assert set(OFFERS) == set(MIMETYPES)
    for path in ("/def/0.1.0", "/def/0.0.1"):
        response = client.get(f"{path}.{EXTENSIONS[key]}")
        assert response.status_code == 200, path
        assert response.mimetype == MIMETYPES[key]
        negotiated = client.get(path, headers={"Accept": MIMETYPES[key]})
        assert negotiated.mimetype == MIMETYPES[key]


def test_an_earlier_version_is_served_from_its_snapshot(client: FlaskClient) -> None:
    snapshot = Graph().parse(SNAPSHOT, format="turtle")
    served = Graph().parse(data=client.get("/def/0.0.1.ttl").data, format="turtle")
    assert isomorphic(without_self_description(served, "http://localhost/def/0.0.1"), snapshot)
    page = client.get("/def/0.0.1", headers={"Accept": BROWSER})
    html = check_html(page.text)
    assert "Firm" in html.ids, "the page anchors the terms of that version"
    assert "https://w3id.org/lu-healthtech/def/0.0.1" in page.text
    assert "renamed Company in 0.1.0" in page.text


def test_unknown_versions_and_formats_are_refused(client: FlaskClient) -> None:
    missing = client.get("/def/9.9.9")
    assert missing.status_code == 404
    assert "no version 9.9.9" in missing.text
    assert client.get("/def/0.1.0.xyz").status_code == 404
    assert client.get("/def/0.1.0", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/def/latest").status_code == 404


@pytest.mark.parametrize("root", [FIXTURES, REPO_ROOT], ids=["fixtures", "repository"])
def test_snapshots_are_earlier_versions_named_by_their_file(root: Path) -> None:
    current = load_rdflib(root).graph(GRAPH["ontology"]).value(ONTOLOGY_IRI, OWL.versionInfo)
    for path in sorted((root / VERSIONS).glob("*.ttl")):
        snapshot = Graph().parse(path, format="turtle")
        assert snapshot.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(path.stem), path
        assert snapshot.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(f"{ONTOLOGY}/{path.stem}")
        assert Literal(path.stem) != current, f"{path}: the current version has no snapshot"


def test_real_version_iri_resolves(real_client: FlaskClient, ontology: Graph) -> None:
    version_iri = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert version_iri == URIRef(f"{ONTOLOGY}/{ontology.value(ONTOLOGY_IRI, OWL.versionInfo)}")
    served = Graph().parse(data=real_client.get(path_of(version_iri) + ".ttl").data)
    document = "http://localhost" + path_of(version_iri)
    assert isomorphic(without_self_description(served, document), ontology)


# --- the vocabulary's content ----------------------------------------------------------------


def own_terms(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and s in LHT}


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str | None]:
    return sorted(
        (o.language or "") for o in graph.objects(subject, predicate) if isinstance(o, Literal)
    )


def test_every_term_is_defined_by_the_ontology_in_three_languages(ontology: Graph) -> None:
    terms = own_terms(ontology)
    assert len(terms) > 60
    for term in terms:
        assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology, term
        assert languages(ontology, term, RDFS.label) == sorted(LANGUAGES), term
        assert languages(ontology, term, RDFS.comment) == sorted(LANGUAGES), term


def test_the_header_describes_the_vocabulary(ontology: Graph) -> None:
    def one(predicate: URIRef) -> object:
        values = list(ontology.objects(ONTOLOGY_IRI, predicate))
        assert len(values) == 1, predicate
        return values[0]

    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (DCTERMS.creator, DCTERMS.publisher):
        agent = one(predicate)
        assert isinstance(agent, URIRef), f"{predicate} is a resource, not a string"
        assert ontology.value(agent, FOAF.name) is not None
        assert (agent, RDF.type, FOAF.Organization) in ontology
    issued, modified = one(DCTERMS.issued), one(DCTERMS.modified)
    assert isinstance(issued, Literal) and issued.datatype == XSD.date
    assert isinstance(modified, Literal) and modified.datatype == XSD.date
    assert modified.toPython() >= issued.toPython()
    assert one(URIRef(VANN + "preferredNamespacePrefix")) == Literal("lht")
    assert one(URIRef(VANN + "preferredNamespaceUri")) == Literal(str(LHT))
    assert isinstance(one(DCTERMS.license), URIRef)
    for predicate in (DCTERMS.title, DCTERMS.description, RDFS.label):
        assert languages(ontology, ONTOLOGY_IRI, predicate) == sorted(LANGUAGES), predicate


def test_date_valued_properties_name_no_datatype_outside_owl2(ontology: Graph) -> None:
    """OWL 2's datatype map has no xsd:date, xsd:gYear or xsd:gYearMonth."""
    outside = {XSD.date, XSD.gYear, XSD.gYearMonth}
    assert not [t for t in ontology if outside & {t[0], t[2]}]
    assert (LHT.referenceYear, RDFS.subPropertyOf, DCTERMS.temporal) not in ontology


def test_reused_terms_labels_are_a_graph_of_their_own(dataset: Dataset, ontology: Graph) -> None:
    reused = dataset.graph(GRAPH["reused-terms"])
    assert len(reused) > 0
    assert {p for _, p, _ in reused} == {RDFS.label}
    for term in set(reused.subjects()):
        assert term not in LHT
        assert (term, None, None) not in ontology, f"{term} is labelled in graph/ontology"
        assert languages(reused, term, RDFS.label) == sorted(LANGUAGES), term


def test_every_predicate_and_class_of_the_data_has_a_name(dataset: Dataset) -> None:
    """Pages show names, not IRIs: each other vocabulary's predicate and class the
    data uses is labelled in graph/reused-terms."""
    reused = dataset.graph(GRAPH["reused-terms"])
    used: set[URIRef] = set()
    for g in dataset.graphs():
        if g.identifier in (GRAPH["ontology"], GRAPH["reused-terms"]):
            continue
        used |= {p for _, p, _ in g} | {o for o in g.objects(None, RDF.type)}  # type: ignore[misc]
    unnamed = sorted(t for t in used if t not in LHT and (t, RDFS.label, None) not in reused)
    assert unnamed == []


def test_ontology_download_holds_the_vocabulary_only(real_client: FlaskClient) -> None:
    served = Graph().parse(data=real_client.get("/def.ttl").data, format="turtle")
    assert (URIRef("https://schema.org/location"), RDFS.label, None) not in served
    assert (LHT.Company, RDFS.isDefinedBy, ONTOLOGY_IRI) in served


# --- an OWL 2 DL reasoner -----------------------------------------------------------------------


def test_hermit_loads_the_ontology(tmp_path: Path) -> None:
    """HermiT (through owlready2, which runs it on Java) classifies the ontology
    without error and finds no unsatisfiable class."""
    require_program("java", "apt-get install -y default-jre-headless (.ci/run does it)")
    import owlready2  # here, not at the top: it takes a second to import

    source = tmp_path / "lu-healthtech.nt"
    Graph().parse(REPO_ROOT / "ontology" / "lu-healthtech.ttl", format="turtle").serialize(
        source, format="nt", encoding="utf-8"
    )
    world = owlready2.World()
    onto = world.get_ontology(source.as_uri()).load()
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
    assert onto.search_one(iri=str(LHT.Company)) is not None
