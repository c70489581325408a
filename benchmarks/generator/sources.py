"""Source documents, and the graph being written: each source's description, the
statements every entity has (types, labels, descriptions, source) and the mentions of what
a graph links to without describing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from healthtech_lod.namespaces import GRAPH, SOURCE

from .ecosystem import LAST_YEAR, Ecosystem
from .reference_data import Named
from .terms import LABEL, SOURCE_OF, TYPE, D, L, S, Statement, Subject, en, fr, id_, year_
from .words import REAL_ORGS, TEXTS


@dataclass(frozen=True)
class SourceDoc:
    slug: str
    schema_type: str
    kind: str
    language: str
    label_en: str
    label_fr: str
    lists_en: str
    lists_fr: str

    @property
    def iri(self) -> ox.NamedNode:
        return ox.NamedNode(f"{SOURCE}{self.slug}")

    @property
    def graph(self) -> ox.NamedNode:
        return ox.NamedNode(f"{GRAPH}{self.slug}")


# fmt: off
SOURCES = (
    SourceDoc("synthetic-company-register", "WebPage", "web-page", "en",
              "Synthetic register of health-technology organisations",
              "Registre fictif des organisations des technologies de la santé",
              "organisations, towns, facilities, people and their positions",
              "organisations, villes, bâtiments, personnes et leurs fonctions"),
    SourceDoc("synthetic-product-catalogue", "WebPage", "web-page", "fr",
              "Synthetic catalogue of health-technology products",
              "Catalogue fictif des produits des technologies de la santé",
              "products and medical devices with their makers",
              "produits et dispositifs médicaux avec leurs fabricants"),
    SourceDoc("synthetic-programme-report", "Article", "article", "en",
              "Synthetic report on support programmes", "Rapport fictif sur les programmes d'aide",
              "support programmes, their editions and awards, and who took part",
              "programmes d'aide, leurs éditions et prix, et leurs participants"),
    SourceDoc("synthetic-research-news", "NewsArticle", "news-page", "fr",
              "Synthetic research and events news",
              "Actualités fictives de la recherche et des événements",
              "research projects and partners, events and milestones",
              "projets de recherche et partenaires, événements et étapes marquantes"),
    SourceDoc("synthetic-sector-statistics", "NewsArticle", "press-release", "en",
              "Synthetic sector statistics", "Statistiques sectorielles fictives",
              "yearly figures of sectors and the mappings that produced them",
              "chiffres annuels de secteurs et cartographies qui les ont produits"),
)
# fmt: on


@dataclass
class SourceGraph:
    """The graph of one source being written, and what it links to without describing."""

    source: SourceDoc
    mentions: set[tuple[str, int, int]] = field(default_factory=set)
    reference: set[str] = field(default_factory=set)

    @property
    def src(self) -> ox.NamedNode:
        return self.source.iri

    def mention(self, what: str, iri: ox.NamedNode, index: int, j: int = 0) -> ox.NamedNode:
        """Link to an entity whose home is another graph: mention it in this one too."""
        self.mentions.add((what, index, j))
        return iri

    def real_org(self, slug: str) -> ox.NamedNode:
        return self.mention(slug, id_(slug), -1)

    def use(self, iri: ox.NamedNode) -> ox.NamedNode:
        """Link to a concept or place of the reference data, which this source then names."""
        self.reference.add(iri.value)
        return iri

    def concepts(self, s: Subject, prop: str, items: Iterable[Named]) -> Iterator[Statement]:
        for item in items:
            yield s, L[prop], self.use(item.iri)


def entity(
    g: SourceGraph, s: ox.NamedNode, classes: Sequence[ox.NamedNode], text: str,
    home: bool = True, /, **values: object,
) -> Iterator[Statement]:  # fmt: skip
    """Types, labels, descriptions (in the home graph only) and source of an entity."""
    label_en, label_fr, about_en, about_fr = TEXTS[text]
    for cls in classes:
        yield s, TYPE, cls
    yield s, LABEL, en(label_en.format_map(values))
    yield s, LABEL, fr(label_fr.format_map(values))
    if home:
        yield s, S["description"], en(about_en.format_map(values))
        yield s, S["description"], fr(about_fr.format_map(values))
    yield s, SOURCE_OF, g.src


def quantity(node: ox.BlankNode, value: int, code: str, unit: str) -> Iterator[Statement]:
    yield node, TYPE, S["QuantitativeValue"]
    yield node, S["value"], ox.Literal(value)
    yield node, S["unitCode"], ox.Literal(code)
    yield node, S["unitText"], ox.Literal(unit)


def source_document(g: SourceGraph) -> Iterator[Statement]:
    doc, s = g.source, g.src
    yield s, TYPE, L["SourceDocument"]
    yield s, TYPE, S[doc.schema_type]
    yield s, LABEL, en(doc.label_en)
    yield s, LABEL, fr(doc.label_fr)
    yield s, S["description"], en(f"Generated document for load tests: {doc.lists_en}.")
    yield s, S["description"], fr(f"Document généré pour les tests de charge : {doc.lists_fr}.")
    title = doc.label_en if doc.language == "en" else doc.label_fr
    yield s, D["title"], ox.Literal(title, language=doc.language)
    yield s, D["language"], ox.Literal(doc.language)
    yield s, L["documentKind"], g.use(id_(doc.kind))
    yield s, D["modified"], year_(LAST_YEAR)
    yield s, S["encoding"], ox.NamedNode(f"https://w3id.org/lu-healthtech/seeds/{doc.slug}.txt")


def mentions(eco: Ecosystem, g: SourceGraph) -> Iterator[Statement]:
    """Type, labels and source of what the graph links to but does not describe."""
    for what, index, j in sorted(g.mentions):
        if what == "org":
            org = eco.org(index)
            names = {"label_en": org.label_en, "label_fr": org.label_fr}
            yield from entity(g, org.iri, (org.kind.cls,), "org", False, **names)
        elif what == "town":
            town = eco.towns[index]
            yield from entity(g, id_(town.slug), (L["Place"], S["City"]), "town", False,
                               name=town.name)  # fmt: skip
        elif what == "person":
            person = eco.org(index).persons[j]
            yield from entity(g, id_(person.slug), (L["Person"],), "person", False,
                               name=person.name)  # fmt: skip
        else:
            en, fr = REAL_ORGS[what]
            yield from entity(g, id_(what), (L["PublicBody"],), "org", False, label_en=en,
                               label_fr=fr)  # fmt: skip
    for iri in sorted(g.reference):
        yield ox.NamedNode(iri), SOURCE_OF, g.src
