"""Sector statistics (``synthetic-sector-statistics``): sectors, their mappings and the
yearly observations of their measures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from .ecosystem import Ecosystem, Sector, mix
from .sources import SourceGraph, entity
from .terms import L, Progress, S, Statement, decimal, id_, year_

OBSERVED_YEARS = range(2015, 2025)
MAPPING_YEARS = (2016, 2019, 2022, 2025)


def _companies(sector: Sector, year: int) -> float:
    return sector.companies * (1 + sector.growth) ** (year - OBSERVED_YEARS[0])


def _employees(sector: Sector, year: int) -> float:
    return _companies(sector, year) * (9 + sector.index % 11)


def _added_value(sector: Sector, year: int) -> float:
    return _employees(sector, year) * (85_000 + 1_000 * (sector.index % 40))


def _jobs_created(sector: Sector, year: int) -> float:
    return _employees(sector, year) - _employees(sector, year - 2)


def _share_of_gdp(sector: Sector, year: int) -> float:
    return 100 * _added_value(sector, year) / (60e9 * 1.03 ** (year - 2015))


def _share_of_small_companies(sector: Sector, year: int) -> float:
    return 55 + (sector.index * 7 + year) % 30 + (year % 7) / 10


@dataclass(frozen=True)
class Measure:
    slug: str
    code: str | None  # UN/CEFACT unit code; money has none
    unit: str
    value: Callable[[Sector, int], float]
    places: int = 0  # decimals: 0 writes an xsd:integer


MEASURES = (
    Measure("company-count", "C62", "companies", _companies),
    Measure("employee-count", "C62", "jobs", _employees),
    Measure("jobs-created", "C62", "jobs", _jobs_created),
    Measure("added-value", None, "EUR", _added_value),
    Measure("share-of-gdp", "P1", "percent", _share_of_gdp, 3),
    Measure("share-of-small-companies", "P1", "percent", _share_of_small_companies, 1),
)


def _mapping_iri(sector: Sector, year: int) -> ox.NamedNode:
    return id_(f"{sector.slug}-mapping-{year}")


def _sector(eco: Ecosystem, g: SourceGraph, sector: Sector) -> Iterator[Statement]:
    s, town, author = id_(sector.slug), eco.towns[sector.town], eco.org(sector.author)
    field_en = sector.field.en[0].lower() + sector.field.en[1:]
    yield from entity(g, s, (L["Sector"],), "sector", label_en=sector.label_en,
                       label_fr=sector.label_fr, town=town.name, field_en=field_en,
                       field_fr=sector.field.fr)  # fmt: skip
    yield s, S["location"], g.mention("town", id_(town.slug), town.index)
    yield from g.concepts(s, "activityField", (sector.field,))
    for before, year in zip((None, *MAPPING_YEARS), MAPPING_YEARS, strict=False):
        m = _mapping_iri(sector, year)
        yield from entity(g, m, (L["SectorMapping"],), "mapping", sector_en=sector.label_en,
                           sector_fr=sector.label_fr, author_en=author.label_en,
                           author_fr=author.label_fr, year=year)  # fmt: skip
        yield m, S["author"], g.mention("org", author.iri, author.index)
        yield m, S["startDate"], year_(year)
        yield m, S["about"], s
        if before is not None:
            yield m, S["isBasedOn"], _mapping_iri(sector, before)
            yield m, S["contributor"], g.real_org("luxinnovation")


def _observation(
    eco: Ecosystem, g: SourceGraph, sector: Sector, measure: Measure, year: int
) -> Iterator[Statement]:
    concept = eco.reference.concept("measures", measure.slug)
    value = measure.value(sector, year)
    s = id_(f"{sector.slug}-{measure.slug}-{year}")
    literal = decimal(value, measure.places) if measure.places else ox.Literal(round(value))
    yield from entity(
        g, s, (L["Observation"],), "observation", sector_en=sector.label_en,
        sector_fr=sector.label_fr, measure_en=concept.en.lower(), measure_fr=concept.fr.lower(),
        year=year, value=literal.value, unit=measure.unit,
    )  # fmt: skip
    yield s, S["observationAbout"], id_(sector.slug)
    yield s, L["measure"], g.use(concept.iri)
    yield s, L["referenceYear"], year_(year)
    if measure.slug == "jobs-created":
        yield s, L["periodStart"], year_(year - 2)
    yield s, S["value"], literal
    if measure.code:
        yield s, S["unitCode"], ox.Literal(measure.code)
    yield s, S["unitText"], ox.Literal(measure.unit)
    yield s, L["mapping"], _mapping_iri(sector, min(y for y in MAPPING_YEARS if y > year))
    if measure.code == "C62" and mix(eco.seed, sector.index, year, len(measure.slug)) % 10 == 0:
        yield s, L["valueQualifier"], g.use(id_("approximately"))


def statistics(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for sector in eco.sectors:
        yield from _sector(eco, g, sector)
        for measure in MEASURES:
            for year in OBSERVED_YEARS:
                yield from _observation(eco, g, sector, measure, year)
        progress()
