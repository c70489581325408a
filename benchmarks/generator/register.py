"""The register (``synthetic-company-register``): towns, facilities, organisations,
people and their positions."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from .ecosystem import (
    CLUSTER,
    DATA_INFRA,
    FUND,
    HOSPITAL,
    INSTITUTE,
    LAST_YEAR,
    UNIT,
    UNIVERSITY,
    Ecosystem,
    Facility,
    Org,
    Person,
    Town,
)
from .sources import SourceGraph, entity, quantity
from .terms import TYPE, L, Progress, S, Statement, en, fr, id_, year_
from .words import MARKETS, lists, slugify


def _town(g: SourceGraph, town: Town) -> Iterator[Statement]:
    s, parent = id_(town.slug), town.parent
    yield from entity(g, s, (L["Place"], S["City"]), "town", name=town.name, parent_en=parent.en,
                       parent_fr=parent.fr)  # fmt: skip
    yield s, S["containedInPlace"], g.use(parent.iri)


def _facility(eco: Ecosystem, g: SourceGraph, k: int, fac: Facility) -> Iterator[Statement]:
    s, town = id_(fac.slug), eco.towns[fac.town]
    yield from entity(g, s, (L["Facility"],), "facility", label_en=fac.label_en,
                       label_fr=fac.label_fr, town=town.name, opened=fac.opened,
                       residents=fac.residents)  # fmt: skip
    yield s, S["containedInPlace"], id_(town.slug)
    yield s, L["inaugurationDate"], year_(fac.opened)
    yield s, L["residentCompanyCount"], ox.Literal(fac.residents)
    floor = ox.BlankNode(f"facility{k}floor")
    yield s, S["floorSize"], floor
    yield from quantity(floor, fac.area, "MTK", "m²")


def _organisation(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, s, ref = org.rng, org.iri, eco.reference
    fields = rng.sample(ref.schemes["activity-fields"], rng.randint(1, 2))
    if org.kind.field_slug:
        own = ref.concept("activity-fields", org.kind.field_slug)
        fields = [own, *[f for f in fields if f != own][:1]]
    techs = rng.sample(ref.schemes["technologies"], rng.randint(1, 3))
    areas = rng.sample(ref.schemes["clinical-areas"], rng.choice((0, 1, 1, 2)))
    town = eco.towns[org.town].name
    yield from entity(
        g, s, (org.kind.cls,), "org", label_en=org.label_en, label_fr=org.label_fr,
        kind_en=org.kind.en, kind_fr=org.kind.fr,
        since_en=f"founded in {org.founded} in {town}" if org.kind.founded else f"in {town}",
        since_fr=f"création en {org.founded} à {town}" if org.kind.founded else f"à {town}",
        **lists("fields", fields), **lists("techs", techs),
    )  # fmt: skip
    yield from _org_places(eco, g, org)
    yield from g.concepts(s, "activityField", fields)
    yield from g.concepts(s, "technology", techs)
    yield from g.concepts(s, "clinicalArea", areas)
    yield from _org_links(eco, org)
    if org.kind is FUND:
        yield from _fund(org)
    for person in org.persons:
        yield from _person(g, org, person)


def _org_places(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, s, town = org.rng, org.iri, eco.towns[org.town]
    if org.kind.founded:
        yield s, S["foundingDate"], year_(org.founded)
        yield s, S["foundingLocation"], id_(town.slug)
    if org.kind is DATA_INFRA:
        yield s, S["areaServed"], g.use(town.parent.iri)
    elif rng.random() < 0.3:
        yield s, S["location"], id_(rng.choice(eco.facilities).slug)
    else:
        yield s, S["location"], id_(town.slug)
    for market in rng.sample(MARKETS, rng.choice((0, 1, 1, 2))):
        yield s, L["targetMarket"], g.use(eco.reference.places[market].iri)


def partnership(org: Org) -> ox.NamedNode:
    """lht:partner is for organisations; a data infrastructure works with (collaboratesWith)."""
    return L["collaboratesWith"] if org.kind is DATA_INFRA else L["partner"]


def _org_links(eco: Ecosystem, org: Org) -> Iterator[Statement]:
    rng, s = org.rng, org.iri
    if org.kind is UNIT:
        parent = eco.find((INSTITUTE, UNIVERSITY, HOSPITAL), org.index + 1)
        yield s, S["parentOrganization"], eco.org(parent).iri
    if org.kind is DATA_INFRA:
        for partner in rng.sample(range(eco.size), 3):
            yield s, partnership(eco.org(partner)), eco.org(partner).iri
    if org.kind is not CLUSTER and rng.random() < 0.3:
        yield s, S["memberOf"], eco.org(eco.find((CLUSTER,), rng.randrange(eco.size))).iri
    other = rng.randrange(eco.size)
    if rng.random() < 0.3 and other != org.index:
        yield s, L["collaboratesWith"], eco.org(other).iri
    if rng.random() < 0.3:
        yield s, S["alternateName"], ox.Literal(org.slug.split("-")[1].upper())


def _fund(org: Org) -> Iterator[Statement]:
    s, rng = org.iri, org.rng
    size, target, period = (ox.BlankNode(f"org{org.index}{part}") for part in ("f", "t", "p"))
    low = rng.randint(5, 15)
    yield s, L["fundSize"], size
    yield size, TYPE, S["MonetaryAmount"]
    yield size, S["value"], ox.Literal(rng.randrange(10, 300) * 1_000_000)
    yield size, S["currency"], ox.Literal("EUR")
    yield s, L["investmentTarget"], target
    yield target, TYPE, S["QuantitativeValue"]
    yield target, S["minValue"], ox.Literal(low)
    yield target, S["maxValue"], ox.Literal(low + rng.randint(2, 10))
    yield target, S["unitCode"], ox.Literal("C62")
    yield target, S["unitText"], ox.Literal("companies")
    yield s, L["investmentPeriod"], period
    yield from quantity(period, rng.randint(3, 8), "ANN", "years")


def _person(g: SourceGraph, org: Org, person: Person) -> Iterator[Statement]:
    p, position = id_(person.slug), id_(f"{person.slug}-{slugify(person.role[0])}")
    start = org.rng.randint(max(org.founded, 2000), LAST_YEAR) if org.kind.founded else None
    names = {"name": person.name, "role_en": person.role[0], "role_fr": person.role[1],
             "org_en": org.label_en, "org_fr": org.label_fr}  # fmt: skip
    yield from entity(g, p, (L["Person"],), "person", **names)
    yield from entity(
        g, position, (L["Position"],), "position", **names,
        when_en=f"since {start}" if start else f"as of {LAST_YEAR}",
        when_fr=f"depuis {start}" if start else f"en {LAST_YEAR}",
    )  # fmt: skip
    yield position, L["holder"], p
    yield position, L["organisation"], org.iri
    yield position, S["roleName"], en(person.role[0])
    yield position, S["roleName"], fr(person.role[1])
    if start:
        yield position, S["startDate"], year_(start)
    else:
        yield position, L["attestedOn"], year_(LAST_YEAR)


def register(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for town in eco.towns:
        yield from _town(g, town)
    for k, fac in enumerate(eco.facilities):
        yield from _facility(eco, g, k, fac)
    for index in range(eco.size):
        yield from _organisation(eco, g, eco.org(index))
        progress()
