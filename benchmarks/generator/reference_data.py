"""The reference data that the synthetic data links to: the real concepts and places of
``data/reference.ttl``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.namespaces import LHT, RDFS, SKOS

REFERENCE_PATH = REPO_ROOT / "data" / "reference.ttl"


@dataclass(frozen=True)
class Named:
    """A resource of the reference data and its English and French labels."""

    iri: ox.NamedNode
    en: str
    fr: str

    @property
    def slug(self) -> str:
        return self.iri.value.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Reference:
    """The concepts (by scheme slug) and places (by slug) of ``data/reference.ttl``."""

    schemes: dict[str, tuple[Named, ...]]
    places: dict[str, Named]

    def concept(self, scheme: str, slug: str) -> Named:
        for concept in self.schemes[scheme]:
            if concept.slug == slug:
                return concept
        raise KeyError(f"{slug} is not a concept of {scheme} in the reference data")


CONCEPTS_QUERY = """SELECT ?c ?scheme ?en ?fr WHERE {
    ?c skos:inScheme ?scheme ; skos:prefLabel ?en , ?fr .
    FILTER (LANG(?en) = "en" && LANG(?fr) = "fr") } ORDER BY ?c"""
PLACES_QUERY = """SELECT ?c ?en ?fr WHERE {
    ?c a lht:Place ; rdfs:label ?en , ?fr .
    FILTER (LANG(?en) = "en" && LANG(?fr) = "fr") } ORDER BY ?c"""


def _solutions(store: ox.Store, query: str, prefixes: dict[str, str]) -> ox.QuerySolutions:
    results = store.query(query, prefixes=prefixes)
    assert isinstance(results, ox.QuerySolutions), "a SELECT query"
    return results


def load_reference(path: Path = REFERENCE_PATH) -> Reference:
    """The concepts and places that the synthetic data links to."""
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    prefixes = {"skos": str(SKOS), "lht": str(LHT), "rdfs": str(RDFS)}
    schemes: dict[str, list[Named]] = {}
    for row in _solutions(store, CONCEPTS_QUERY, prefixes):
        scheme = row["scheme"].value.rsplit("/", 1)[-1]
        schemes.setdefault(scheme, []).append(Named(row["c"], row["en"].value, row["fr"].value))
    places = [
        Named(row["c"], row["en"].value, row["fr"].value)
        for row in _solutions(store, PLACES_QUERY, prefixes)
    ]
    return Reference({k: tuple(v) for k, v in schemes.items()}, {p.slug: p for p in places})
