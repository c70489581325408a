"""The sector's growth for the home page: the companies and employees the sources
count, year by year, each point linked to its source, as an SVG chart's view model."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from .pages import Value, label, link
from .store import DatasetStore

GROWTH_QUERY = """
PREFIX : <https://w3id.org/lu-healthtech/id/>
PREFIX lht: <https://w3id.org/lu-healthtech/def#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?measure ?year ?value ?qualifier ?source WHERE {
  VALUES ?measure { :company-count :employee-count }
  ?observation lht:measure ?measure ; schema:value ?value ; lht:referenceYear ?year ;
    schema:observationAbout :luxembourg-healthtech-sector ; dcterms:source ?source .
  OPTIONAL { ?observation lht:valueQualifier ?qualifier }
}
ORDER BY ?measure ?year ?value
"""
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 420, 220, 44


@dataclass(frozen=True)
class Point:
    """One claim of one source: a figure for a year, placed on its chart."""

    year: int
    value: float
    qualifier: str | None
    source: Value
    x: float
    y: float
    conflict: bool


@dataclass(frozen=True)
class Series:
    """One measure's claims over the years, with its axis ticks."""

    measure: str
    points: tuple[Point, ...]
    years: tuple[tuple[int, float], ...]
    values: tuple[tuple[int, float], ...]


def growth(store: DatasetStore) -> tuple[Series, ...]:
    """Companies and employees by reference year, every claim kept with its source;
    claims of different values for the same year are marked as conflicting."""
    claims: dict[str, list[tuple[int, float, str | None, Value]]] = defaultdict(list)
    for row in store.select(GROWTH_QUERY):
        qualifier = row["qualifier"]
        claims[row["measure"].value].append(
            (
                int(row["year"].value[:4]),
                float(row["value"].value),
                label(store, qualifier) if isinstance(qualifier, ox.NamedNode) else None,
                link(store, row["source"]),
            )
        )
    return tuple(_series(store, measure, found) for measure, found in sorted(claims.items()))


def _series(
    store: DatasetStore, measure: str, claims: list[tuple[int, float, str | None, Value]]
) -> Series:
    years = sorted({c[0] for c in claims})
    first, last = years[0] - 1, years[-1] + 1
    step = _tick_step(max(c[1] for c in claims))
    top = step * (int(max(c[1] for c in claims) // step) + 1)
    inner_w = CHART_WIDTH - 2 * CHART_MARGIN
    inner_h = CHART_HEIGHT - 2 * CHART_MARGIN

    def x(year: int) -> float:
        return round(CHART_MARGIN + (year - first) / (last - first) * inner_w, 1)

    def y(value: float) -> float:
        return round(CHART_HEIGHT - CHART_MARGIN - value / top * inner_h, 1)

    values_by_year: dict[int, set[float]] = defaultdict(set)
    for year, value, _, _ in claims:
        values_by_year[year].add(value)
    points = tuple(
        Point(year, value, qualifier, source, x(year), y(value), len(values_by_year[year]) > 1)
        for year, value, qualifier, source in claims
    )
    ticks = [round(step * i) for i in range(int(round(top / step)) + 1)]
    return Series(
        label(store, ox.NamedNode(measure)),
        points,
        tuple((year, x(year)) for year in years),
        tuple((tick, y(tick)) for tick in ticks),
    )


def _tick_step(highest: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving 3 to 6 ticks up to ``highest``."""
    magnitude = 10 ** max(0, len(str(int(highest))) - 1)
    for step in (magnitude / 5, magnitude / 2, magnitude, magnitude * 2, magnitude * 5):
        if step >= 1 and highest / step <= 5:
            return step
    return float(magnitude * 10)
