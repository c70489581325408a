"""The real data: provenance, vocabulary and links hold across the whole dataset."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from healthtech_lod.dataset import REPO_ROOT, dataset_files, load_rdflib
from healthtech_lod.namespaces import GRAPH, ID, LHT, SCHEMA, SOURCE
from healthtech_lod.validation import undefined_terms

SHARED_SEEDS = sorted((REPO_ROOT / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_rdflib(REPO_ROOT)


@pytest.fixture(scope="module")
def union(dataset: Dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def source_documents(dataset: Dataset) -> list[URIRef]:
    sources = dataset.graph(GRAPH["sources"])
    return sorted(s for s in sources.subjects(RDF.type, LHT.SourceDocument))


def test_five_seed_documents_are_described(dataset: Dataset) -> None:
    assert len(SHARED_SEEDS) == 5
    sources = dataset.graph(GRAPH["sources"])
    encodings = {str(o).rsplit("/", 1)[-1] for o in sources.objects(None, SCHEMA.encoding)}
    assert encodings == {p.name for p in SHARED_SEEDS}


def test_every_source_document_has_its_own_graph(dataset: Dataset) -> None:
    graphs = {f.graph for f in dataset_files(REPO_ROOT)}
    for doc in source_documents(dataset):
        slug = doc[len(SOURCE) :]
        graph = GRAPH[slug]
        assert str(graph) in graphs, f"no data/{slug}.ttl for {doc}"
        assert len(dataset.graph(graph)) > 50, f"graph {slug} says almost nothing"


def test_every_entity_in_a_source_graph_names_that_source(dataset: Dataset) -> None:
    for doc in source_documents(dataset):
        g = dataset.graph(GRAPH[doc[len(SOURCE) :]])
        missing = sorted(
            str(s)
            for s in set(g.subjects())
            if isinstance(s, URIRef) and s.startswith(ID) and (s, DCTERMS.source, doc) not in g
        )
        assert not missing, f"in graph of {doc}, entities without dcterms:source: {missing}"


def test_no_undefined_vocabulary_term(union: Graph, dataset: Dataset) -> None:
    ontology = dataset.graph(GRAPH["ontology"])
    assert undefined_terms(union, ontology) == {}


def test_no_dangling_entity_iri(union: Graph) -> None:
    used = {o for o in union.objects() if isinstance(o, URIRef) and o.startswith(ID)}
    described = {s for s in union.subjects(RDF.type, None) if isinstance(s, URIRef)}
    assert sorted(used - described) == []


def test_model_doc_lists_every_vocabulary_term(dataset: Dataset) -> None:
    ontology = dataset.graph(GRAPH["ontology"])
    model = Path(REPO_ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    terms = [
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
    ]
    assert terms
    missing = [t for t in terms if f"`lht:{t[len(LHT) :]}`" not in model]
    assert missing == []


# --- typing (issue 16, defect 11) -------------------------------------------------------

ORGANISATIONS = {
    LHT[c]
    for c in (
        "Company ResearchInstitute University Hospital PublicBody OrganisationalUnit Cluster "
        "Consortium InvestmentFund"
    ).split()
}


def test_partners_are_organisations(union: Graph) -> None:
    """lht:partner's range is schema:Organization: a data infrastructure (a service) that
    works with a project is lht:collaboratesWith, not a partner."""
    wrong = sorted(
        (str(s), str(o))
        for s, o in union.subject_objects(LHT.partner)
        if not set(union.objects(o, RDF.type)) & ORGANISATIONS
    )
    assert wrong == []


def test_percentages_have_one_datatype(union: Graph) -> None:
    datatypes = {
        getattr(value, "datatype", None)
        for node in union.subjects(SCHEMA.unitCode, Literal("P1"))
        for value in union.objects(node, SCHEMA.value)
    }
    assert datatypes == {XSD.decimal}


def test_money_is_always_a_monetary_amount(union: Graph) -> None:
    """One way to state money: a schema:MonetaryAmount with a currency, never a number
    with unitText "EUR" in one place and a MonetaryAmount in another."""
    assert list(union.subjects(SCHEMA.unitText, Literal("EUR"))) == []
    amounts = list(union.subjects(RDF.type, SCHEMA.MonetaryAmount))
    assert len(amounts) >= 3  # the fund and the two added values
    for amount in amounts:
        assert union.value(amount, SCHEMA.currency) == Literal("EUR")
        assert isinstance(union.value(amount, SCHEMA.value), Literal)


def test_no_place_has_a_funder(union: Graph) -> None:
    """schema:funder applies to organisations, events and works, not to places."""
    places = set(union.subjects(RDF.type, LHT.Place)) | set(union.subjects(RDF.type, LHT.Facility))
    assert sorted(str(p) for p in places if (p, SCHEMA.funder, None) in union) == []


# --- languages (issue 16, part 2) -------------------------------------------------------

TEXTS = (RDFS.label, SKOS.prefLabel, SCHEMA.description, SKOS.definition, RDFS.comment)
LANGUAGES = {"en", "fr", "de"}


def data_graphs(dataset: Dataset) -> list[Graph]:
    """The data and the source records: everything but the vocabulary."""
    return [
        dataset.graph(URIRef(f.graph))
        for f in dataset_files(REPO_ROOT)
        if f.graph_slug != "ontology"
    ]


def test_every_entity_and_concept_is_labelled_in_english_french_and_german(
    dataset: Dataset,
) -> None:
    """Luxembourg's administration works in French, German and Luxembourgish: every
    thing described, every concept and every question has its name in English, French
    and German, and its description, definition or comment too where it has one."""
    union = Graph()
    for g in data_graphs(dataset):
        union += g
    # graph/links' rdf:Statement records are evidence about a link, not things described
    described = {
        s
        for s in union.subjects(RDF.type, None)
        if isinstance(s, URIRef) and (s, RDF.type, RDF.Statement) not in union
    }
    assert len(described) > 200
    missing = []
    for thing in sorted(described):
        names = {o.language for p in (RDFS.label, SKOS.prefLabel) for o in union.objects(thing, p)}
        if not LANGUAGES <= names:
            missing.append((str(thing), "label", sorted(LANGUAGES - names)))
        for prop in (*TEXTS, SCHEMA.roleName):
            found = {getattr(o, "language", None) for o in union.objects(thing, prop)}
            if found & {"en", "fr"} and not LANGUAGES <= found:
                missing.append((str(thing), str(prop), sorted(LANGUAGES - found)))
    assert missing == []


def test_an_entity_has_the_same_labels_in_every_graph(dataset: Dataset) -> None:
    """A source graph repeats the canonical labels of what it mentions: the same ones in
    every graph, in every language."""
    seen: dict[URIRef, tuple[str, set[Literal]]] = {}
    differ = []
    for g in data_graphs(dataset):
        for s in set(g.subjects(RDFS.label, None)):
            labels = set(g.objects(s, RDFS.label))
            if s in seen and seen[s][1] != labels:
                differ.append((str(s), seen[s][0], str(g.identifier)))
            seen.setdefault(s, (str(g.identifier), labels))
    assert differ == []
