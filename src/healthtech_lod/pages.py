"""View models for the HTML pages: plain dataclasses that templates render.

Functions here turn the store's answers into labels, links and grouped values;
templates never query the store. Links to IRIs under BASE_URI point at this host
(``request.host_url``), whatever the canonical base. Only http and https IRIs
become links: an IRI of another scheme (``javascript:``, ``data:``, ``vbscript:``,
``file:``…), which any data or query may hold, is shown as text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import current_app, request

from . import jsonld
from .namespaces import DCTERMS, PREFIXES, RDF, RDFS, SCHEMA, SKOS
from .negotiation import language, languages
from .store import DatasetStore

LABELS = tuple(ox.NamedNode(str(p)) for p in (RDFS.label, SKOS.prefLabel, DCTERMS.title))
DESCRIPTIONS = tuple(
    ox.NamedNode(str(p))
    for p in (SCHEMA.description, SKOS.definition, RDFS.comment, DCTERMS.description)
)
TYPE = ox.NamedNode(str(RDF.type))
SOURCE = ox.NamedNode(str(DCTERMS.source))
PLAIN = frozenset({str(RDF.langString), "http://www.w3.org/2001/XMLSchema#string"})
#: The schemes of the IRIs a page may link to.
LINKED_SCHEMES = frozenset({"http", "https"})

RdfTerm = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Value:
    """One value: a link (``href``), a literal, or a blank node's own properties."""

    text: str
    href: str | None = None
    iri: str | None = None
    language: str | None = None
    datatype: str | None = None
    graphs: tuple[str, ...] = ()
    nested: tuple[Property, ...] = ()


@dataclass(frozen=True)
class Property:
    """A predicate and its values."""

    label: str
    iri: str
    href: str | None
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Format:
    """A link to one format of the page's document, with its media type."""

    label: str
    href: str
    mimetype: str


@dataclass(frozen=True)
class EntityPage:
    """An entity's document for people."""

    iri: str
    label: str
    description: str | None
    types: tuple[Value, ...]
    properties: tuple[Property, ...]
    incoming: tuple[Property, ...]
    sources: tuple[Value, ...]
    #: For a SKOS concept: who uses it or a narrower concept.
    uses: tuple[ConceptUse, ...] = ()


@dataclass(frozen=True)
class ConceptUse:
    """An entity that points with a property at a concept or narrower concepts."""

    entity: Value
    property: str
    concepts: tuple[Value, ...]


@dataclass(frozen=True)
class VocabularyTerm:
    """A class or property of the vocabulary, anchored at its local name."""

    anchor: str
    iri: str
    kind: str
    label: str
    comment: str | None
    translations: tuple[tuple[str, str, str | None], ...]
    details: tuple[Property, ...]
    uses: int = 0


@dataclass(frozen=True)
class OntologyPage:
    """The vocabulary for people: its classes and its properties."""

    iri: str
    title: str
    description: str | None
    classes: tuple[VocabularyTerm, ...]
    properties: tuple[VocabularyTerm, ...]


# --- links and labels -------------------------------------------------------


def href(iri: str) -> str | None:
    """The link to ``iri`` on this host if it is under BASE_URI, else the IRI; None for
    an IRI that is not http(s), which a page shows as text, never as a link."""
    if iri.partition(":")[0].lower() not in LINKED_SCHEMES:
        return None
    base = current_app.config["BASE_URI"]
    if iri.startswith(base):
        return request.host_url.rstrip("/") + request.script_root + "/" + iri[len(base) :]
    return iri


def curie(iri: str) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri


def pick(literals: Iterable[ox.Literal], langs: Sequence[str]) -> ox.Literal | None:
    """The literal in the first preferred language, else one without language, else any."""
    found = list(literals)
    for lang in (*langs, None):
        for literal in found:
            if literal.language == lang:
                return literal
    return found[0] if found else None


def text(
    store: DatasetStore, subject: ox.NamedNode | ox.BlankNode, predicates: Sequence[ox.NamedNode]
) -> str | None:
    """The first of ``predicates`` that ``subject`` has, in the preferred language."""
    for predicate in predicates:
        literals = [
            q.object
            for q in store.store.quads_for_pattern(subject, predicate, None)
            if isinstance(q.object, ox.Literal)
        ]
        chosen = pick(literals, languages())
        if chosen is not None:
            return chosen.value
    return None


def label(store: DatasetStore, iri: ox.NamedNode) -> str:
    """Its label by precedence (rdfs:label, skos:prefLabel, dcterms:title, in the
    configured languages), else its prefixed name."""
    return text(store, iri, LABELS) or curie(iri.value)


def link(store: DatasetStore, iri: ox.NamedNode, graphs: tuple[str, ...] = ()) -> Value:
    """A link to ``iri`` labelled by its label."""
    return Value(label(store, iri), href=href(iri.value), iri=iri.value, graphs=graphs)


def literal(term: ox.Literal, graphs: tuple[str, ...] = ()) -> Value:
    datatype = None if term.datatype.value in PLAIN else curie(term.datatype.value)
    return Value(term.value, language=term.language, datatype=datatype, graphs=graphs)


# --- every page ---------------------------------------------------------------

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}


@dataclass(frozen=True)
class LanguageLink:
    """A link to the current page in another language."""

    code: str
    name: str
    href: str
    current: bool


def page_context() -> dict[str, object]:
    """What base.html needs on every page: its language and the language switch,
    links to this same path and query with only ``lang`` changed."""
    current = language()
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    switch = [
        LanguageLink(
            code,
            LANGUAGE_NAMES.get(code, code),
            request.base_url + "?" + urlencode([*kept, ("lang", code)]),
            code == current,
        )
        for code in current_app.config["LANGUAGES"]
    ]
    return {"page_language": current, "language_links": switch}


# --- entity pages ------------------------------------------------------------


def embedded_data(
    store: DatasetStore, iri: ox.NamedNode, quads: Sequence[ox.Quad]
) -> dict[str, Any]:
    """The schema.org JSON-LD that the page of ``iri`` embeds for search engines: its
    statements, it and the resources it links to typed with their schema.org classes
    and named in the page's languages."""
    linked = {q.object for q in quads if q.subject == iri and isinstance(q.object, ox.NamedNode)}
    linked -= {q.object for q in quads if q.subject == iri and q.predicate == TYPE}
    types = {node.value: store.schema_types(node) for node in (iri, *linked)}
    return jsonld.embedded(quads, iri.value, types, languages())


def entity_page(store: DatasetStore, iri: ox.NamedNode, quads: Sequence[ox.Quad]) -> EntityPage:
    """The page of ``iri`` from its document's quads."""
    own = [q for q in quads if q.subject == iri]
    types = _merge(own, lambda q: q.predicate == TYPE)
    return EntityPage(
        iri=iri.value,
        label=text(store, iri, LABELS) or iri.value.rsplit("/", 1)[-1],
        description=text(store, iri, DESCRIPTIONS),
        types=tuple(link(store, t, g) for t, g in types.items() if isinstance(t, ox.NamedNode)),
        properties=_properties(store, iri, quads, set()),
        incoming=_incoming(store, iri, quads),
        sources=tuple(
            link(store, s, g)
            for s, g in _merge(own, lambda q: q.predicate == SOURCE).items()
            if isinstance(s, ox.NamedNode)
        ),
        uses=concept_uses(store, iri) if CONCEPT in types else (),
    )


CONCEPT = ox.NamedNode(str(SKOS.Concept))
CONCEPT_USES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?property ?concept ?this WHERE {
  ?concept skos:broader* ?this .
  ?entity ?property ?concept .
  FILTER (isIRI(?entity) && !STRSTARTS(STR(?property), STR(skos:)))
  FILTER NOT EXISTS { ?entity a skos:Concept }
}
"""


def concept_uses(store: DatasetStore, iri: ox.NamedNode) -> tuple[ConceptUse, ...]:
    """The entities that use concept ``iri`` or one narrower than it, by name; each
    with the property and the concepts it uses."""
    grouped: dict[tuple[ox.NamedNode, ox.NamedNode], set[ox.NamedNode]] = defaultdict(set)
    for row in store.select(CONCEPT_USES, this=iri):
        grouped[(row["entity"], row["property"])].add(row["concept"])
    uses = [
        ConceptUse(
            link(store, entity),
            label(store, predicate),
            tuple(sorted((link(store, c) for c in concepts), key=lambda v: v.text.casefold())),
        )
        for (entity, predicate), concepts in grouped.items()
    ]
    return tuple(sorted(uses, key=lambda u: (u.entity.text.casefold(), u.property)))


def _merge(
    quads: Iterable[ox.Quad], keep: Callable[[ox.Quad], bool]
) -> dict[RdfTerm, tuple[str, ...]]:
    """Objects of the kept quads, each with the graphs (slugs) that state it."""
    graphs: dict[RdfTerm, list[str]] = defaultdict(list)
    for q in quads:
        if keep(q) and not isinstance(q.object, ox.Triple):
            graphs[q.object].append(_slug(q.graph_name))
    return {term: tuple(sorted(set(g))) for term, g in graphs.items()}


def _slug(graph: object) -> str:
    return graph.value.rsplit("/", 1)[-1] if isinstance(graph, ox.NamedNode) else ""


def _properties(
    store: DatasetStore,
    subject: ox.NamedNode | ox.BlankNode,
    quads: Sequence[ox.Quad],
    seen: set[ox.BlankNode],
) -> tuple[Property, ...]:
    """The subject's statements except its types, grouped by predicate; blank-node
    values carry their own properties."""
    by_predicate: dict[ox.NamedNode, list[ox.Quad]] = defaultdict(list)
    for q in quads:
        if q.subject == subject and q.predicate != TYPE:
            by_predicate[q.predicate].append(q)
    properties = []
    for predicate in sorted(by_predicate, key=lambda p: label(store, p).casefold()):
        values = tuple(
            _value(store, term, graphs, quads, seen)
            for term, graphs in _merge(by_predicate[predicate], lambda q: True).items()
        )
        properties.append(
            Property(label(store, predicate), predicate.value, href(predicate.value), values)
        )
    return tuple(properties)


def _value(
    store: DatasetStore,
    term: ox.NamedNode | ox.BlankNode | ox.Literal,
    graphs: tuple[str, ...],
    quads: Sequence[ox.Quad],
    seen: set[ox.BlankNode],
) -> Value:
    if isinstance(term, ox.NamedNode):
        return link(store, term, graphs)
    if isinstance(term, ox.Literal):
        return literal(term, graphs)
    if term in seen:
        return Value("…", graphs=graphs)
    types = [q.object for q in quads if q.subject == term and q.predicate == TYPE]
    kind = ", ".join(label(store, t) for t in types if isinstance(t, ox.NamedNode))
    nested = _properties(store, term, quads, seen | {term})
    return Value(kind, graphs=graphs, nested=nested)


def _incoming(
    store: DatasetStore, iri: ox.NamedNode, quads: Sequence[ox.Quad]
) -> tuple[Property, ...]:
    """Who points at ``iri``, grouped by predicate; a blank node pointing at it is
    replaced by the resource that points at that blank node."""
    rows: dict[tuple[str, str], list[Value]] = defaultdict(list)
    for q in quads:
        if q.object != iri or q.subject == iri:
            continue
        if isinstance(q.subject, ox.NamedNode):
            rows[(label(store, q.predicate), q.predicate.value)].append(
                link(store, q.subject, (_slug(q.graph_name),))
            )
            continue
        for parent in quads:
            if parent.object == q.subject and isinstance(parent.subject, ox.NamedNode):
                name = f"{label(store, parent.predicate)} › {label(store, q.predicate)}"
                rows[(name, q.predicate.value)].append(
                    link(store, parent.subject, (_slug(q.graph_name),))
                )
    return tuple(
        Property(name, predicate, href(predicate), tuple(sorted(set(values), key=_value_order)))
        for (name, predicate), values in sorted(rows.items())
    )


def _value_order(value: Value) -> tuple[str, tuple[str, ...], str]:
    """A total order of values: the same page in every process (a set's order is not)."""
    return (value.text, value.graphs, value.href or "")


# --- the vocabulary ----------------------------------------------------------

ONTOLOGY_TERMS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?graph ?term ?kind WHERE {
  GRAPH ?graph { ?term a ?kind }
  FILTER (isIRI(?term) && ?kind IN (owl:Class, rdfs:Class, owl:ObjectProperty,
          owl:DatatypeProperty, owl:AnnotationProperty, rdf:Property))
} ORDER BY ?term
"""
CLASS_KINDS = frozenset({"http://www.w3.org/2002/07/owl#Class", str(RDFS.Class)})
DETAILS = tuple(
    ox.NamedNode(str(p)) for p in (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range)
)


def ontology_page(
    store: DatasetStore, graph: ox.NamedNode, iri: ox.NamedNode, uses: Mapping[str, int]
) -> OntologyPage:
    """Every class and property of the ontology graph, with labels, comments and
    ``uses``: how many entities of each class, how many statements of each
    property the dataset holds."""
    kinds: dict[ox.NamedNode, list[str]] = defaultdict(list)
    for row in store.select(ONTOLOGY_TERMS, graph=graph):
        kinds[row["term"]].append(row["kind"].value)
    terms = [_term(store, term, kinds[term], uses.get(term.value, 0)) for term in kinds]
    return OntologyPage(
        iri=iri.value,
        title=label(store, iri),
        description=text(store, iri, (ox.NamedNode(str(DCTERMS.description)),)),
        classes=tuple(t for t in terms if t.kind == "Class"),
        properties=tuple(t for t in terms if t.kind != "Class"),
    )


def _term(store: DatasetStore, term: ox.NamedNode, kinds: list[str], uses: int) -> VocabularyTerm:
    iri = term.value
    anchor = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]
    kind = "Class" if CLASS_KINDS & set(kinds) else ", ".join(sorted(curie(k) for k in kinds))
    comment = ox.NamedNode(str(RDFS.comment))
    translations = []
    for lang in languages()[1:]:
        name = _in_language(store, term, ox.NamedNode(str(RDFS.label)), lang)
        if name:
            translations.append((lang, name, _in_language(store, term, comment, lang)))
    quads = [q for p in DETAILS for q in store.statements(term, p)]
    return VocabularyTerm(
        anchor=anchor,
        iri=iri,
        kind=kind,
        label=label(store, term),
        comment=text(store, term, (comment,)),
        translations=tuple(translations),
        details=_properties(store, term, quads, set()),
        uses=uses,
    )


def _in_language(
    store: DatasetStore, term: ox.NamedNode, predicate: ox.NamedNode, lang: str
) -> str | None:
    for q in store.store.quads_for_pattern(term, predicate, None):
        if isinstance(q.object, ox.Literal) and q.object.language == lang:
            return q.object.value
    return None


# --- SPARQL results ----------------------------------------------------------


@dataclass(frozen=True)
class ResultsTable:
    """A query's answer for the HTML page: column names and rows of cells, or the
    boolean of an ASK; ``truncated`` says rows beyond ``max_rows`` were left out."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Value | None, ...], ...]
    boolean: bool | None
    truncated: bool


def results_table(
    results: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple],
    max_rows: int,
    truncated: bool = False,
) -> ResultsTable:
    """SELECT solutions, CONSTRUCT triples or an ASK answer as a table; IRIs link
    to their pages on this host. ``truncated``: the answer was already cut."""
    if isinstance(results, ox.QueryBoolean):
        return ResultsTable((), (), bool(results), False)
    if isinstance(results, ox.QuerySolutions):
        columns = tuple(v.value for v in results.variables)
        source: Iterable[Sequence[object]] = (
            tuple(solution[name] for name in columns) for solution in results
        )
    else:
        columns = ("subject", "predicate", "object")
        source = ((t.subject, t.predicate, t.object) for t in results)
    rows: list[tuple[Value | None, ...]] = []
    for row in source:
        if len(rows) == max_rows:
            return ResultsTable(columns, tuple(rows), None, True)
        rows.append(tuple(_cell(term) for term in row))
    return ResultsTable(columns, tuple(rows), None, truncated)


def _cell(term: object) -> Value | None:
    if isinstance(term, ox.NamedNode):
        return Value(curie(term.value), href=href(term.value), iri=term.value)
    if isinstance(term, ox.Literal):
        return literal(term)
    if isinstance(term, ox.BlankNode):
        return Value(f"_:{term.value}")
    return None


# --- the gallery of example queries ---------------------------------------------

EXAMPLES_QUERY = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX schema: <https://schema.org/>
SELECT ?example ?text WHERE {
  ?example a sh:SPARQLExecutable .
  { ?example sh:select ?text } UNION { ?example sh:construct ?text }
  OPTIONAL { ?example schema:position ?position }
}
ORDER BY ?position ?example
"""
COMMENT = ox.NamedNode(str(RDFS.comment))


@dataclass(frozen=True)
class Example:
    """One query of the gallery: its label and comment in the page's language."""

    iri: str
    href: str | None
    label: str
    comment: str | None
    text: str


def examples(store: DatasetStore) -> tuple[Example, ...]:
    """The dataset's SHACL SPARQL executables (graph/queries), in their order."""
    found = []
    for row in store.select(EXAMPLES_QUERY):
        iri = row["example"]
        assert isinstance(iri, ox.NamedNode)
        found.append(
            Example(
                iri.value,
                href(iri.value),
                label(store, iri),
                text(store, iri, (COMMENT,)),
                row["text"].value,
            )
        )
    return tuple(found)
