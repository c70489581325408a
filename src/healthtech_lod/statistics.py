"""The dataset's statistics: counts of statements, entities, classes, properties and
graphs (the VoID partitions), computed once by the build and read back by the service.
Flask-free."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pyoxigraph as ox

from .store import DatasetStore

TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


DISTINCT = """
SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects) WHERE { ?s ?p ?o }
"""


ENTITIES = """
SELECT ?space (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?type . FILTER (isIRI(?s) && STRSTARTS(STR(?s), ?space))
} GROUP BY ?space
"""


CLASSES = """
SELECT ?class (COUNT(?s) AS ?entities) (SUM(?n) AS ?triples) WHERE {
  SELECT ?class ?s (COUNT(*) AS ?n) WHERE {
    SELECT DISTINCT ?class ?s ?p ?o WHERE { ?s a ?class ; ?p ?o }
  } GROUP BY ?class ?s
} GROUP BY ?class ORDER BY ?class
"""


PROPERTIES = """
SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
GROUP BY ?p ORDER BY ?p
"""


GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


SOURCES = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?source WHERE { ?thing dcterms:source ?source } ORDER BY ?source
"""


YEARS = """
PREFIX lht: <https://w3id.org/lu-healthtech/def#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT (MIN(?year) AS ?first) (MAX(?year) AS ?last) WHERE {
  ?observation lht:referenceYear ?value .
  BIND (xsd:integer(SUBSTR(STR(?value), 1, 4)) AS ?year)
}
"""


@dataclass(frozen=True)
class Count:
    """A class, property or graph and how many entities or triples it has."""

    iri: str
    count: int


@dataclass(frozen=True)
class ClassPartition:
    iri: str
    entities: int
    triples: int


@dataclass(frozen=True)
class Statistics:
    """What the description says about the store, computed once per version."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: tuple[ClassPartition, ...]
    properties: tuple[Count, ...]
    graphs: tuple[Count, ...]
    vocabularies: tuple[str, ...]
    sources: tuple[str, ...]
    examples: tuple[str, ...]
    #: The first and last years that the observations (``lht:referenceYear``) cover.
    years: tuple[int, int] | None


def compute_statistics(store: DatasetStore, base: str, examples: list[str]) -> Statistics:
    """Count triples, entities (typed IRIs under ``{base}id/``) and partitions."""
    space = ox.Literal(base + "id/")
    distinct = store.select(DISTINCT)[0]
    entities = store.select(ENTITIES, space=space)
    classes = tuple(
        ClassPartition(row["class"].value, _int(row["entities"]), _int(row["triples"]))
        for row in store.select(CLASSES)
    )
    properties = tuple(Count(row["p"].value, _int(row["n"])) for row in store.select(PROPERTIES))
    used = [c.iri for c in classes] + [p.iri for p in properties]
    return Statistics(
        triples=_int(store.select(TRIPLES)[0]["n"]),
        entities=_int(entities[0]["n"]) if entities else 0,
        distinct_subjects=_int(distinct["subjects"]),
        distinct_objects=_int(distinct["objects"]),
        classes=classes,
        properties=properties,
        graphs=tuple(Count(row["g"].value, _int(row["n"])) for row in store.select(GRAPHS)),
        vocabularies=tuple(sorted({_namespace(iri) for iri in used})),
        sources=tuple(row["source"].value for row in store.select(SOURCES)),
        examples=tuple(
            iri
            for iri in (base + "id/" + slug for slug in examples)
            if store.has_subject(ox.NamedNode(iri))
        ),
        years=_years(store),
    )


def _years(store: DatasetStore) -> tuple[int, int] | None:
    row = store.select(YEARS)[0]
    if row["first"] is None:
        return None
    return _int(row["first"]), _int(row["last"])


def statistics_json(statistics: Statistics) -> str:
    """The statistics as JSON, for the build folder."""
    return json.dumps(asdict(statistics), indent=1)


def statistics_from_json(text: str) -> Statistics:
    """The statistics written by ``statistics_json``."""
    data = json.loads(text)
    return Statistics(
        triples=data["triples"],
        entities=data["entities"],
        distinct_subjects=data["distinct_subjects"],
        distinct_objects=data["distinct_objects"],
        classes=tuple(ClassPartition(**c) for c in data["classes"]),
        properties=tuple(Count(**c) for c in data["properties"]),
        graphs=tuple(Count(**c) for c in data["graphs"]),
        vocabularies=tuple(data["vocabularies"]),
        sources=tuple(data["sources"]),
        examples=tuple(data["examples"]),
        years=tuple(data["years"]) if data["years"] else None,
    )


def _int(term: ox.Literal) -> int:
    return int(term.value)


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]
