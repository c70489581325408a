"""The plan: what exists, computed from the seed. The organisation classes, the entities
planned up front (towns, facilities, programmes, projects, sectors) and the organisations,
each recomputed from its own seeded generator."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from .reference_data import Named, Reference
from .terms import L, id_
from .words import (
    BRAND_HEADS,
    BRAND_TAILS,
    COMPANY_WORDS,
    FACILITY_KINDS,
    FIRST_NAMES,
    LAST_NAMES,
    PROGRAMME_KINDS,
    ROLES,
    TOWN_HEADS,
    TOWN_PARENTS,
    TOWN_TAILS,
    slugify,
)

SLUG_PREFIX = "syn"
LAST_YEAR = 2025


def mix(*values: int) -> int:
    """A stable 64-bit hash of integers (splitmix64), unlike ``hash`` across processes."""
    x = 0x9E3779B97F4A7C15
    for v in values:
        x = (x ^ (v & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 31
    return x


@dataclass(frozen=True, eq=False)
class OrgKind:
    """An organisation class: its names in both languages, how its members are named."""

    cls: ox.NamedNode
    en: str
    fr: str
    label_en: str
    label_fr: str
    weight: int  # out of 100
    products: tuple[int, ...] = (0,)  # how many products, drawn from these
    founded: bool = True  # has a founding date and place
    field_slug: str | None = None  # the activity field it always has


# fmt: off
KINDS = (
    OrgKind(L["Company"], "Company", "Entreprise", "{brand}{word}", "{brand}{word}", 70,
            (0, 1, 1, 1, 2)),
    OrgKind(L["ResearchInstitute"], "Research institute", "Institut de recherche",
            "{brand} Research Institute", "Institut de recherche {brand}", 5, (0, 1),
            field_slug="translational-medicine"),
    OrgKind(L["University"], "University", "Université", "{brand} University",
            "Université {brand}", 2, (0, 1), field_slug="clinical-research"),
    OrgKind(L["Hospital"], "Hospital", "Hôpital", "{brand} Hospital", "Hôpital {brand}", 4,
            (0, 1), field_slug="hospital-care"),
    OrgKind(L["PublicBody"], "Public body", "Organisme public", "{brand} Health Agency",
            "Agence de santé {brand}", 4, (0, 1), field_slug="health-sector"),
    OrgKind(L["OrganisationalUnit"], "Organisational unit", "Unité organisationnelle",
            "{brand} Data Science Unit", "Unité de science des données {brand}", 4,
            founded=False, field_slug="health-data"),
    OrgKind(L["Cluster"], "Cluster", "Cluster", "{brand} HealthTech Cluster",
            "Cluster HealthTech {brand}", 2),
    OrgKind(L["Consortium"], "Consortium", "Consortium", "{brand} Consortium",
            "Consortium {brand}", 3),
    OrgKind(L["InvestmentFund"], "Investment fund", "Fonds d'investissement", "{brand} Ventures",
            "{brand} Ventures", 4, field_slug="venture-capital"),
    OrgKind(L["DataInfrastructure"], "Data infrastructure", "Infrastructure de données",
            "{brand} Health Data Space", "Espace de données de santé {brand}", 2, (0, 1),
            founded=False, field_slug="health-data"),
)
# fmt: on
COMPANY, INSTITUTE, UNIVERSITY, HOSPITAL, PUBLIC_BODY, UNIT, CLUSTER, _, FUND, DATA_INFRA = KINDS
KIND_TABLE = tuple(kind for kind in KINDS for _ in range(kind.weight))


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    role: tuple[str, str]


@dataclass(frozen=True)
class Org:
    """A synthetic organisation: what every graph needs to know about it."""

    index: int
    kind: OrgKind
    slug: str
    label_en: str
    label_fr: str
    founded: int
    town: int
    persons: tuple[Person, ...]
    rng: random.Random = field(compare=False, repr=False)  # continues for graph-specific facts

    @property
    def iri(self) -> ox.NamedNode:
        return id_(self.slug)


@dataclass(frozen=True)
class Town:
    index: int
    slug: str
    name: str
    parent: Named


@dataclass(frozen=True)
class Facility:
    slug: str
    label_en: str
    label_fr: str
    town: int
    opened: int
    area: int
    residents: int


@dataclass(frozen=True)
class Programme:
    slug: str
    label_en: str
    label_fr: str
    start: int
    editions: int
    funder: int
    provider: int | None  # None: run by the real Luxinnovation


@dataclass(frozen=True)
class Project:
    index: int
    slug: str
    acronym: str
    cohort: bool
    start: int
    funder: int | None  # None: financed by the real Ministry of the Economy


@dataclass(frozen=True)
class Sector:
    index: int
    slug: str
    label_en: str
    label_fr: str
    field: Named
    town: int
    companies: int
    growth: float
    author: int


class Ecosystem:
    """The plan of the ecosystem for a number of organisations and a seed.

    The entities that number a fraction of the organisations (towns, facilities, programmes,
    projects, sectors) are planned up front; an organisation is recomputed from its own seeded
    generator each time a graph needs it.
    """

    def __init__(self, organisations: int, seed: int, reference: Reference) -> None:
        if organisations < len(KINDS):
            raise ValueError(f"at least {len(KINDS)} organisations, one of each class")
        self.size, self.seed, self.reference = organisations, seed, reference
        self.towns = [self._town(k) for k in range(max(5, organisations // 25))]
        self.facilities = [self._facility(k) for k in range(max(3, organisations // 15))]
        self.programmes = [self._programme(k) for k in range(max(2, organisations // 60))]
        self.projects = [self._project(k) for k in range(max(2, organisations // 12))]
        self.sectors = [self._sector(k) for k in range(sector_count(organisations))]

    def rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{kind}:{index}")

    def kind_of(self, index: int) -> OrgKind:
        """The class of organisation ``index``: one of each class first, then by weight."""
        if index < len(KINDS):
            return KINDS[index]
        return KIND_TABLE[mix(self.seed, index) % len(KIND_TABLE)]

    def find(self, kinds: Sequence[OrgKind], start: int) -> int:
        """The first organisation from ``start`` on (wrapping round) of one of ``kinds``."""
        for step in range(self.size):
            if self.kind_of((start + step) % self.size) in kinds:
                return (start + step) % self.size
        raise LookupError(f"no organisation of kinds {[k.en for k in kinds]}")

    def org(self, index: int) -> Org:
        rng = self.rng("org", index)
        kind = self.kind_of(index)
        word = rng.choice(COMPANY_WORDS)
        names = {"brand": rng.choice(BRAND_HEADS) + rng.choice(BRAND_TAILS),
                 "word": f" {word}" if word else ""}  # fmt: skip
        label_en, label_fr = kind.label_en.format(**names), kind.label_fr.format(**names)
        founded, town = rng.randint(1985, LAST_YEAR), rng.randrange(len(self.towns))
        slug = f"{SLUG_PREFIX}-{slugify(label_en)}-{index}"
        persons = tuple(
            Person(f"{SLUG_PREFIX}-{slugify(name)}-{index}-{j}", name, rng.choice(ROLES))
            for j, name in enumerate(self._names(rng, rng.choice((0, 1, 1, 1))))
        )
        return Org(index, kind, slug, label_en, label_fr, founded, town, persons, rng)

    @staticmethod
    def _names(rng: random.Random, count: int) -> list[str]:
        return [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(count)]

    def _town(self, k: int) -> Town:
        rng = self.rng("town", k)
        name = rng.choice(TOWN_HEADS) + rng.choice(TOWN_TAILS)
        slugs, weights = zip(*TOWN_PARENTS, strict=True)
        parent = self.reference.places[rng.choices(slugs, weights)[0]]
        return Town(k, f"{SLUG_PREFIX}-{slugify(name)}-{k}", name, parent)

    def _facility(self, k: int) -> Facility:
        rng = self.rng("facility", k)
        town = rng.randrange(len(self.towns))
        (kind_en, kind_fr), name = rng.choice(FACILITY_KINDS), self.towns[town].name
        label_en, label_fr = f"{name} {kind_en}", f"{kind_fr} {name}"
        area, residents = rng.randrange(2000, 40000, 500), rng.randint(3, 60)
        slug = f"{SLUG_PREFIX}-{slugify(label_en)}-{k}"
        return Facility(slug, label_en, label_fr, town, rng.randint(2000, 2025), area, residents)

    def _programme(self, k: int) -> Programme:
        rng = self.rng("programme", k)
        (kind_en, kind_fr), name = rng.choice(PROGRAMME_KINDS), rng.choice(BRAND_HEADS)
        label_en, label_fr = f"{name} {kind_en}", f"{kind_fr} {name}"
        funder = self.find((PUBLIC_BODY, FUND), rng.randrange(self.size))
        provider = None if rng.random() < 0.3 else self.find((PUBLIC_BODY, CLUSTER), funder + 1)
        start, editions = rng.randint(2005, 2018), rng.randint(3, 7)
        slug = f"{SLUG_PREFIX}-{slugify(label_en)}-{k}"
        return Programme(slug, label_en, label_fr, start, editions, funder, provider)

    def _project(self, k: int) -> Project:
        rng = self.rng("project", k)
        acronym = "".join(rng.choice("ABCDEFGHIKLMNOPRSTUVXZ") for _ in range(rng.randint(4, 7)))
        funder = (
            None if rng.random() < 0.2 else self.find((PUBLIC_BODY, FUND), rng.randrange(self.size))
        )
        cohort, start = rng.random() < 0.15, rng.randint(2008, 2024)
        slug = f"{SLUG_PREFIX}-{acronym.lower()}-{start}-{k}"
        return Project(k, slug, acronym, cohort, start, funder)

    def _sector(self, k: int) -> Sector:
        rng = self.rng("sector", k)
        activity = rng.choice(self.reference.schemes["activity-fields"])
        town = rng.randrange(len(self.towns))
        name = self.towns[town].name
        label_en, label_fr = f"{activity.en} sector of {name}", f"Secteur {activity.fr}, {name}"
        slug = f"{SLUG_PREFIX}-{slugify(name)}-{activity.slug}-{k}"
        author = self.find((CLUSTER, PUBLIC_BODY), rng.randrange(self.size))
        companies, growth = rng.randint(20, 160), rng.uniform(0.02, 0.09)
        return Sector(k, slug, label_en, label_fr, activity, town, companies, growth, author)


def sector_count(organisations: int) -> int:
    return max(1, organisations // 200)
