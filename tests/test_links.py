"""The links graph: every link to another dataset carries its evidence, and
docs/links.md says what is linked and what is missing. (That validate refuses a
link without evidence, and evidence without its link, is checked by the cases
tests/shapes/invalid/link-without-evidence.ttl and evidence-for-unstated-link.ttl.)"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, XSD

from healthtech_lod.dataset import REPO_ROOT, load_rdflib
from healthtech_lod.namespaces import GRAPH, ID, LHT, SCHEMA

LINK_PREDICATES = (OWL.sameAs, SCHEMA.url)
#: The classes whose entities docs/links.md lists: organisations, places,
#: programmes, projects and infrastructures.
LINKED_KINDS = {
    LHT[name]
    for name in (
        "Company ResearchInstitute University Hospital PublicBody SupranationalOrganisation "
        "OrganisationalUnit Cluster Consortium InvestmentFund Place Facility SupportProgramme "
        "ResearchProject Cohort DataInfrastructure"
    ).split()
}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_rdflib(REPO_ROOT)


@pytest.fixture(scope="module")
def links(dataset: Dataset) -> Graph:
    return dataset.graph(GRAPH["links"])


def stated_links(graph: Graph) -> set[tuple[URIRef, URIRef, URIRef]]:
    return {(s, p, o) for p in LINK_PREDICATES for s, o in graph.subject_objects(p)}  # type: ignore[misc]


def test_every_link_has_its_evidence(links: Graph) -> None:
    stated = stated_links(links)
    assert len(stated) >= 25
    evidenced = set()
    for node in links.subjects(RDF.type, RDF.Statement):
        link = (
            links.value(node, RDF.subject),
            links.value(node, RDF.predicate),
            links.value(node, RDF.object),
        )
        assert link in stated, f"{node} is evidence for a link the graph does not state"
        page = links.value(node, PROV.wasDerivedFrom)
        assert isinstance(page, URIRef) and urlsplit(str(page)).scheme in ("http", "https"), node
        text = links.value(node, LHT.evidenceText)
        assert isinstance(text, Literal) and len(str(text)) >= 20, node
        checked = links.value(node, LHT.checkedOn)
        assert isinstance(checked, Literal) and checked.datatype == XSD.date, node
        evidenced.add(link)
    assert sorted(stated - evidenced) == [], "links without evidence"


def identifier(target: URIRef) -> str:
    """What a page must show for ``target``: the Q-number, ROR ID, GeoNames ID or host."""
    parts = urlsplit(str(target))
    if parts.netloc in ("www.wikidata.org", "ror.org", "sws.geonames.org"):
        return parts.path.strip("/").rsplit("/", 1)[-1]
    return parts.netloc.removeprefix("www.")


def test_each_evidence_shows_the_identifier(links: Graph) -> None:
    """The quotation shows the identifier linked to (a website may be shown by the
    address of the page itself, a page of that site)."""
    for node in links.subjects(RDF.type, RDF.Statement):
        shown = identifier(links.value(node, RDF.object))  # type: ignore[arg-type]
        text = str(links.value(node, LHT.evidenceText))
        page = str(links.value(node, PROV.wasDerivedFrom))
        assert shown in text or shown == urlsplit(page).netloc.removeprefix("www."), node


def test_links_point_from_described_entities_only(dataset: Dataset, links: Graph) -> None:
    others = Graph()
    for g in dataset.graphs():
        if g.identifier != GRAPH["links"]:
            others += g
    for s, _, _ in stated_links(links):
        assert str(s).startswith(str(ID)) and (s, RDF.type, None) in others, s
    assert stated_links(others) == set(), "links belong in graph/links, with their evidence"


COLUMNS = ("website", "wikidata", "ror", "geonames")


def docs_table() -> dict[str, dict[str, str]]:
    text = (REPO_ROOT / "docs" / "links.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\| `([a-z0-9-]+)` \| (.*) \|$", line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            rows[m.group(1)] = dict(zip(COLUMNS, cells, strict=True))
    return rows


def test_docs_list_what_is_linked_and_what_is_missing(dataset: Dataset, links: Graph) -> None:
    union = Graph()
    for g in dataset.graphs():
        union += g
    entities = {
        str(s)[len(ID) :]
        for kind in LINKED_KINDS
        for s in union.subjects(RDF.type, kind)
        if isinstance(s, URIRef)
    }
    table = docs_table()
    assert set(table) == entities
    for slug, cells in table.items():
        subject = ID[slug]
        expected = {"website": "—", "wikidata": "—", "ror": "—", "geonames": "—"}
        for url in links.objects(subject, SCHEMA.url):
            expected["website"] = str(url)
        for same in links.objects(subject, OWL.sameAs):
            host = urlsplit(str(same)).netloc
            kind = {"www.wikidata.org": "wikidata", "ror.org": "ror"}.get(host, "geonames")
            expected[kind] = identifier(same)  # type: ignore[arg-type]
        assert cells == expected, slug
