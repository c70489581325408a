"""disagreements.py: the build's comparison of every figure and single-valued property,
stated in graph/disagreements, and the example query that reads it: the same rows as the
whole comparison written as one query (REFERENCE, the question's text before the build
made the comparison), on the repository's data and on cases written for it
(tests/fixtures/disagreements/cases.trig: claims that disagree, and claims that only
look as if they did)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest

from healthtech_lod import disagreements
from healthtech_lod.build import Built, build
from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.namespaces import ID, LHT

#: The whole comparison in one query: every figure and value read, whatever is derived.
#: Kept as written, apart from disagreements.py's queries, so that it checks them.
REFERENCE = """PREFIX lht: <https://w3id.org/lu-healthtech/def#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?subject ?claim ?value1 ?source1 ?value2 ?source2
WHERE {
  {
    ?property a owl:FunctionalProperty ; rdfs:label ?claim . FILTER (LANG(?claim) = "en")
    GRAPH ?g1 { ?s ?property ?value1 ; dcterms:source ?source1 }
    GRAPH ?g2 { ?s ?property ?value2 ; dcterms:source ?source2 }
    FILTER (STR(?value1) < STR(?value2))
    ?s rdfs:label ?subject . FILTER (LANG(?subject) = "en")
  } UNION {
    # Two figures for one measure: comparable when they are for the same year, or when
    # neither has a year and one undated document states both (its "now"). Each side is
    # a subquery, so that the two are matched by one hash join instead of a lookup of
    # every other figure about the same thing; the labels come last, as OPTIONAL + BOUND
    # (the same rows as a plain join), so that the plan does not start from every label.
    { SELECT ?o1 ?about ?m ?value1 ?source1 ?y1 ?when ?when1 WHERE {
        ?o1 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m ;
            schema:value ?value1 ; dcterms:source ?source1 .
        FILTER (isLiteral(?value1))
        OPTIONAL { ?o1 lht:referenceYear ?y1 }
        OPTIONAL { ?o1 lht:periodStart ?p1 }
        BIND (CONCAT(COALESCE(STR(?y1), ""), "/", COALESCE(STR(?p1), "")) AS ?when)
        BIND (?when AS ?when1)
    } }
    { SELECT ?o2 ?about ?m ?value2 ?source2 ?when ?when2 WHERE {
        ?o2 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m ;
            schema:value ?value2 ; dcterms:source ?source2 .
        FILTER (isLiteral(?value2))
        OPTIONAL { ?o2 lht:referenceYear ?y2 }
        OPTIONAL { ?o2 lht:periodStart ?p2 }
        BIND (CONCAT(COALESCE(STR(?y2), ""), "/", COALESCE(STR(?p2), "")) AS ?when)
        BIND (?when AS ?when2)
    } }
    # ?when joins the two sides; ?when1 = ?when2 says it again for rdflib (7.6), which
    # joins two groups as if a variable each makes with BIND were not shared.
    FILTER (?when1 = ?when2 && ?value1 < ?value2 && (BOUND(?y1) || ?source1 = ?source2))
    OPTIONAL { ?about rdfs:label ?aboutLabel . FILTER (LANG(?aboutLabel) = "en") }
    OPTIONAL { ?m skos:prefLabel ?claim . FILTER (LANG(?claim) = "en") }
    FILTER (BOUND(?aboutLabel) && BOUND(?claim))
    BIND (IF(BOUND(?y1), CONCAT(?aboutLabel, ", ", STR(?y1)), ?aboutLabel) AS ?subject)
  } UNION {
    # One exact figure that a document reads two ways (for instance as jobs created and
    # as jobs in total): two readings of one statement, both kept. Same plan as above.
    { SELECT ?o1 ?about ?m1 ?value1 ?unit ?source1 ?y1 ?year ?year1 WHERE {
        ?o1 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m1 ;
            schema:value ?value1 ; schema:unitCode ?unit ; dcterms:source ?source1 .
        FILTER (isLiteral(?value1))
        FILTER NOT EXISTS { ?o1 lht:valueQualifier ?q1 }
        OPTIONAL { ?o1 lht:referenceYear ?y1 }
        BIND (COALESCE(STR(?y1), "") AS ?year)
        BIND (?year AS ?year1)
    } }
    { SELECT ?o2 ?about ?m2 ?value2 ?unit ?source2 ?year ?year2 WHERE {
        ?o2 a lht:Observation ; schema:observationAbout ?about ; lht:measure ?m2 ;
            schema:value ?value2 ; schema:unitCode ?unit ; dcterms:source ?source2 .
        FILTER NOT EXISTS { ?o2 lht:valueQualifier ?q2 }
        OPTIONAL { ?o2 lht:referenceYear ?y2 }
        BIND (COALESCE(STR(?y2), "") AS ?year)
        BIND (?year AS ?year2)
    } }
    FILTER (?year1 = ?year2 && ?source1 = ?source2 && STR(?m1) < STR(?m2) && ?value1 = ?value2)
    OPTIONAL { ?about rdfs:label ?aboutLabel . FILTER (LANG(?aboutLabel) = "en") }
    OPTIONAL { ?m1 skos:prefLabel ?measure1 . FILTER (LANG(?measure1) = "en") }
    OPTIONAL { ?m2 skos:prefLabel ?measure2 . FILTER (LANG(?measure2) = "en") }
    FILTER (BOUND(?aboutLabel) && BOUND(?measure1) && BOUND(?measure2))
    BIND (CONCAT(?measure1, " or ", ?measure2) AS ?claim)
    BIND (IF(BOUND(?y1), CONCAT(?aboutLabel, ", ", STR(?y1)), ?aboutLabel) AS ?subject)
  }
}
ORDER BY ?subject ?claim"""

QUESTION = """PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?text WHERE { <https://w3id.org/lu-healthtech/id/query-disagreements> sh:select ?text }"""

CASES = Path(__file__).parent / "fixtures" / "disagreements" / "cases.trig"
CONFLICTING = ox.NamedNode(str(LHT.conflictingValuesFor))
DISAGREES = ox.NamedNode(str(LHT.disagreesWith))
SAME_FIGURE = ox.NamedNode(str(LHT.sameFigureAs))


def rows(store: ox.Store, query: str) -> list[tuple[str | None, ...]]:
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return sorted(
        (tuple(None if t is None else str(t) for t in solution) for solution in solutions),
        key=str,
    )


def _lexical(store: ox.Store) -> str:
    solutions = store.query(QUESTION)
    assert isinstance(solutions, ox.QuerySolutions)
    (solution,) = list(solutions)
    return str(solution["text"].value)


@pytest.fixture(scope="module")
def repository(repository_store: ox.Store) -> ox.Store:
    return repository_store


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The repository's data and the cases, built."""
    folder = tmp_path_factory.mktemp("disagreements")
    return build(
        REPO_ROOT,
        folder / "built",
        "https://w3id.org/lu-healthtech/",
        [],
        extra=[CASES],
        validate=False,
    )


def test_the_comparison_finds_the_repositorys_disagreements(repository: ox.Store) -> None:
    found = set(repository.quads_for_pattern(None, None, None, disagreements.DISAGREEMENTS))
    graph = disagreements.DISAGREEMENTS
    expected = {
        ox.Quad(ID_("heal-campus"), CONFLICTING, ox.NamedNode(str(LHT.expandedName)), graph),
        ox.Quad(
            ID_("pioneers-2026-company-count-2026-130"),
            DISAGREES,
            ID_("pioneers-2026-company-count-2026-150"),
            graph,
        ),
        ox.Quad(
            ID_("pioneers-2026-employee-count-2025"),
            SAME_FIGURE,
            ID_("pioneers-2026-jobs-created-total"),
            graph,
        ),
    }
    assert expected <= found


def ID_(slug: str) -> ox.NamedNode:  # noqa: N802 - an IRI of id/, as the data writes it
    return ox.NamedNode(str(ID[slug]))


def test_links_between_observations_are_stated_both_ways(repository: ox.Store) -> None:
    found = list(repository.quads_for_pattern(None, None, None, disagreements.DISAGREEMENTS))
    links = {(q.subject, q.predicate, q.object) for q in found if q.predicate != CONFLICTING}
    assert links and all((o, p, s) in links for s, p, o in links)


def test_only_graph_disagreements_states_them(repository: ox.Store) -> None:
    """The sources do not say it, the comparison does: in no source's graph, and in
    the default graph (the union) too, as every graph is."""
    for predicate in (CONFLICTING, DISAGREES, SAME_FIGURE):
        graphs = {q.graph_name for q in repository.quads_for_pattern(None, predicate, None)}
        assert graphs <= {disagreements.DISAGREEMENTS, ox.DefaultGraph()}
    derived = set(repository.quads_for_pattern(None, None, None, disagreements.DISAGREEMENTS))
    predicates = {q.predicate for q in derived}
    assert predicates <= {CONFLICTING, DISAGREES, SAME_FIGURE}
    for q in derived:
        assert ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) in repository


def test_the_question_gives_the_whole_comparisons_rows_on_the_repositorys_data(
    repository: ox.Store,
) -> None:
    expected = rows(repository, REFERENCE)
    assert len(expected) >= 3
    assert rows(repository, _lexical(repository)) == expected


def test_the_comparison_finds_each_case_and_nothing_else(cases: Built) -> None:
    store = ox.Store.read_only(str(cases.store_path))
    graph = disagreements.DISAGREEMENTS
    found = {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, graph)
        if "case-" in q.subject.value
    }
    pairs = [
        ("case-a-2020", DISAGREES, "case-b-2020"),
        ("case-a-2020", DISAGREES, "case-b-two-years"),
        ("case-b-2020", DISAGREES, "case-b-two-years"),
        ("case-a-now-5", DISAGREES, "case-a-now-6"),
        ("case-a-employees", SAME_FIGURE, "case-a-jobs"),
    ]
    expected = {(ID_("case-thing"), CONFLICTING, ox.NamedNode(str(LHT.expandedName)))}
    expected.add((ID_("case-b-two-years"), CONFLICTING, ox.NamedNode(str(LHT.referenceYear))))
    for one, link, other in pairs:
        expected |= {(ID_(one), link, ID_(other)), (ID_(other), link, ID_(one))}
    assert found == expected


def test_the_question_gives_the_whole_comparisons_rows_on_the_cases(cases: Built) -> None:
    store = ox.Store.read_only(str(cases.store_path))
    expected = rows(store, REFERENCE)
    assert len(expected) == 3 + 7, "the repository's three, and seven of the cases"
    assert rows(store, _lexical(store)) == expected


def test_the_build_writes_them_into_the_store_and_the_dumps(cases: Built) -> None:
    store = ox.Store.read_only(str(cases.store_path))
    stored = set(store.quads_for_pattern(None, None, None, disagreements.DISAGREEMENTS))
    assert stored
    dump = Path(cases.downloads_path / "healthtech-lod.nq.gz")
    with gzip.open(dump) as nquads:
        dumped = {
            q
            for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
            if q.graph_name == disagreements.DISAGREEMENTS
        }
    assert dumped == stored
