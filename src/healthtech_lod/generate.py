"""A synthetic health-technology ecosystem, for benchmarking the service at scale.

``write_ecosystem(path, organisations, seed=…)`` streams a made-up but realistic ecosystem
to N-Quads (``.nq``), TriG (``.trig``) or Turtle (``.ttl``, one union graph). It follows the
vocabulary and patterns of the real data (``docs/authoring.md``): organisations of every
``lht:`` organisation class (mostly companies), synthetic towns inside the real reference
places, facilities, products and medical devices, people and positions, support programmes
with editions, awards and participations, research projects with partners, events,
milestones, and yearly observations of synthetic sectors with their mappings. It links to
the real concepts and places of ``data/reference.ttl`` by their IRIs. Every label and
description exists in English and in French; together with the real dataset the output
passes the SHACL shapes.

Five synthetic source documents (``…/id/source/synthetic-…``) each fill their own named
graph (``…/graph/synthetic-…``): the description of the document itself, the entities whose
home is that source (with their descriptions), a mention (type, labels, ``dcterms:source``)
of every other entity it links to, and ``dcterms:source`` on each reference concept or place
it uses. Every entity slug starts with ``syn-`` and so never collides with a real one.

The output is streamed, one graph after the other. Each entity comes from its own random
generator, seeded with ``(seed, kind, index)``, so an organisation is recomputed whenever a
graph needs it instead of being kept: memory holds the small planned entities (towns,
programmes, projects…) and the set of entities mentioned by the graph being written, never
the triples. The same seed gives the same bytes.

Measured size: 67 statements per organisation, everything included (1 500 organisations →
99.7 k statements, 15 000 → 1.01 M, 150 000 → 10.08 M; below 200 organisations the one
sector's 800 statements weigh more). Every quad is distinct; in the union of the graphs (and
in ``.ttl`` output) an entity mentioned by several sources repeats its type, labels and
source, so a store holds about 9 % fewer distinct triples than statements written. On a
2-core machine 1 M statements take about 6 s and 10 M about 65 s, in under 100 MB.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .dataset import REPO_ROOT
from .namespaces import DCTERMS, GRAPH, ID, LHT, PREFIXES, RDF, RDFS, SCHEMA, SKOS, SOURCE, XSD

REFERENCE_PATH = REPO_ROOT / "data" / "reference.ttl"
FORMATS: dict[str, ox.RdfFormat] = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
}
SLUG_PREFIX = "syn"
PROGRESS_STEP = 500
LAST_YEAR = 2025
OBSERVED_YEARS = range(2015, 2025)
MAPPING_YEARS = (2016, 2019, 2022, 2025)

Subject = ox.NamedNode | ox.BlankNode
Statement = tuple[Subject, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]
Progress = Callable[[], None]


def _terms(namespace: object, names: str) -> dict[str, ox.NamedNode]:
    return {name: ox.NamedNode(f"{namespace}{name}") for name in names.split()}


# Every property and class used, as pyoxigraph terms.
TYPE = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode(str(RDFS.label))
SOURCE_OF = ox.NamedNode(str(DCTERMS.source))
D = _terms(DCTERMS, "language modified title")
S = _terms(
    SCHEMA,
    "description alternateName foundingDate foundingLocation location containedInPlace "
    "areaServed parentOrganization memberOf funder provider organizer author contributor "
    "manufacturer performer about superEvent isBasedOn startDate endDate roleName encoding "
    "observationAbout value unitCode unitText floorSize currency minValue maxValue "
    "City WebPage Article NewsArticle QuantitativeValue MonetaryAmount",
)
L = _terms(
    LHT,
    "technology clinicalArea activityField targetMarket collaboratesWith partner participant "
    "initiative award awardedBy holder organisation edition mapping measure valueQualifier "
    "referenceYear periodStart inaugurationDate residentCompanyCount attendeeCount attestedOn "
    "companyRepresentativeCount fundSize investmentTarget investmentPeriod documentKind "
    "Company ResearchInstitute University Hospital PublicBody OrganisationalUnit Cluster "
    "Consortium InvestmentFund DataInfrastructure Place Facility Product MedicalDevice Person "
    "Position SupportProgramme ProgrammeEdition Award Participation ResearchProject Cohort "
    "Event Milestone Sector SectorMapping Observation SourceDocument",
)
X = _terms(XSD, "gYear date decimal")

# Real organisations of the registry in docs/authoring.md, with their labels exactly as there.
REAL_ORGS = {
    "luxinnovation": ("Luxinnovation", "Luxinnovation"),
    "ministry-of-the-economy": ("Ministry of the Economy", "Ministère de l'Économie"),
}

# fmt: off
# Label and description templates of each kind of entity: label en, label fr, about en, about fr.
TEXTS: dict[str, tuple[str, str, str, str]] = {
    "org": ("{label_en}", "{label_fr}",
            "{kind_en} of the synthetic ecosystem, {since_en}. Fields: {fields_en}. "
            "Technologies: {techs_en}.",
            "{kind_fr} de l'écosystème fictif ; {since_fr}. Domaines : {fields_fr}. "
            "Technologies : {techs_fr}."),
    "town": ("{name}", "{name}", "Synthetic town in {parent_en}, generated for load tests.",
             "Ville fictive ({parent_fr}), générée pour les tests de charge."),
    "facility": ("{label_en}", "{label_fr}",
                 "Synthetic building in {town}, opened in {opened}, hosting {residents} companies.",
                 "Bâtiment fictif à {town}, inauguré en {opened}, qui héberge {residents} "
                 "entreprises."),
    "person": ("{name}", "{name}", "Synthetic person, {role_en} at {org_en}.",
               "Personne fictive : {role_fr} ({org_fr})."),
    "position": ("{name}, {role_en}, {org_en}", "{name} – {role_fr}, {org_fr}",
                 "{name} is {role_en} at {org_en} {when_en} (synthetic data).",
                 "{name} occupe la fonction « {role_fr} » ({org_fr}) {when_fr} "
                 "(données fictives)."),
    "product": ("{brand} {noun_en}", "{noun_fr} {brand}",
                "{what_en} of the synthetic ecosystem, a {noun_en} made by {org_en}; "
                "technologies: {techs_en}.",
                "{what_fr} de l'écosystème fictif, fabriqué par {org_fr} ({noun_fr}) ; "
                "technologies : {techs_fr}."),
    "programme": ("{label_en}", "{label_fr}",
                  "Synthetic support programme started in {start} and financed by {funder_en}.",
                  "Programme d'aide fictif lancé en {start} et financé par {funder_fr}."),
    "edition": ("{label_en} #{number}", "{label_fr} n° {number}",
                "Edition {number} of the synthetic {label_en}, in {year}.",
                "Édition {number} du programme fictif {label_fr}, en {year}."),
    "award": ("{label_en} Award", "Prix {label_fr}",
              "Synthetic award given to the best participants of the {label_en}.",
              "Prix fictif remis aux meilleurs participants du programme {label_fr}."),
    "participation": ("{org_en} in {prog_en} ({year})", "{org_fr} dans {prog_fr} ({year})",
                      "{org_en} took part in edition {number} of the {prog_en} in {year}{won_en}.",
                      "{org_fr} a participé à l'édition {number} du programme {prog_fr} en "
                      "{year}{won_fr}."),
    "project": ("{acronym}", "{acronym}", "Synthetic {what_en} on {area_en}, started in {start}.",
                "{what_fr} (données fictives) : {area_fr} ; début en {start}."),
    "founding": ("Founding of {org_en} ({year})", "Création : {org_fr} ({year})",
                 "{org_en} was set up in {town} in {year} (synthetic data).",
                 "{org_fr} a vu le jour à {town} en {year} (données fictives)."),
    "milestone": ("{org_en}: {what_en} ({year})", "{org_fr} : {what_fr} ({year})",
                  "Synthetic step in the timeline of {org_en}: {what_en} in {year}.",
                  "Étape fictive dans la chronologie ({org_fr}) : {what_fr} en {year}."),
    "event": ("{town} {theme_en} {year}", "{theme_fr} {year}, {town}",
              "Synthetic gathering in {town} organised by {org_en}; about {attendees} people "
              "attended.",
              "Rencontre fictive à {town} organisée par {org_fr} ; environ {attendees} "
              "participants."),
    "sector": ("{label_en}", "{label_fr}",
               "Synthetic sector: the organisations of {town} active in {field_en}.",
               "Secteur fictif : les organisations de {town} actives dans le domaine "
               "« {field_fr} »."),
    "mapping": ("Mapping of the {sector_en}, {year}", "Cartographie — {sector_fr}, {year}",
                "Synthetic mapping of the {sector_en} carried out by {author_en} in {year}.",
                "Cartographie fictive ({sector_fr}) réalisée par {author_fr} en {year}."),
    "observation": ("{sector_en}: {measure_en}, {year}", "{sector_fr} : {measure_fr}, {year}",
                    "Synthetic figure for {year}: {value} {unit}.",
                    "Chiffre fictif pour {year} : {value} ({unit})."),
}

# Word lists the names are made of.
BRAND_HEADS = ("Nova Vita Lumi Medi Cura Sana Aura Geno Cardio Neuro Ocu Pulmo Derma Opti Vero "
               "Alto Bello Syra Sauro Kelo Mira Tera Zeno Onko Hema Immu Dyna Rena Osteo").split()
BRAND_TAILS = "tek med gen ix ova lytics care sense path cyte scan logic bit wave form vox".split()
COMPANY_WORDS = ("", "", "Diagnostics", "Health", "Medical", "Labs", "Therapeutics", "Analytics")
TOWN_HEADS = ("Bet Dal Fen Gos Hes Kap Lint Mer Nied Ober Rol Sand Stein Wal Ber Bisch Kops "
              "Mond Scheff Tet Zolv Lar Pet Mam Stras Hosch Junk").split()
TOWN_TAILS = "ange dange bourg scheid weiler feld ingen bach court hoven dorf".split()
FIRST_NAMES = ("Anne Luc Marie Paul Sophie Jean Claire Marc Laura Tom Nathalie Yves Carla "
               "Pedro Ana Lena Max Elena Hugo Julie Ben Sara Luca Mia Hélène Théo Zoé Joël").split()
LAST_NAMES = ("Schmit,Muller,Weber,Hoffmann,Wagner,Klein,Thill,Kremer,Faber,Reuter,Schiltz,"
              "Hansen,Lentz,Bernard,Dupont,Martin,Rodrigues,Ferreira,Meyer,Becker,Majerus,Wirtz,"
              "Kieffer,Pereira,Lefèvre,Gomes,Brücher,Da Costa").split(",")
ROLES = (
    ("chief executive officer", "direction générale"),
    ("chief technology officer", "direction technique"),
    ("chief medical officer", "direction médicale"),
    ("head of research", "responsable de la recherche"),
    ("head of regulatory affairs", "responsable des affaires réglementaires"),
    ("business development lead", "responsable du développement commercial"),
    ("board member", "membre du conseil d'administration"),
)
PRODUCT_NOUNS = (
    ("monitoring platform", "plateforme de suivi"), ("diagnostic kit", "kit de diagnostic"),
    ("infusion pump", "pompe à perfusion"), ("imaging software", "logiciel d'imagerie"),
    ("patient app", "application pour patients"), ("wearable sensor", "capteur portable"),
    ("decision-support tool", "outil d'aide à la décision"),
    ("data platform", "plateforme de données"),
)
MILESTONE_KINDS = (
    ("funding round", "levée de fonds"), ("first hospital contract", "premier contrat hospitalier"),
    ("CE marking", "marquage CE"), ("international expansion", "expansion internationale"),
    ("new laboratory", "nouveau laboratoire"),
)
FACILITY_KINDS = (("HealthTech Hub", "Pôle HealthTech"), ("BioPark", "BioParc"),
                  ("Innovation Campus", "Campus d'innovation"), ("Incubator", "Incubateur"))
PROGRAMME_KINDS = (("Accelerator", "Accélérateur"), ("Seed Grant", "Subvention d'amorçage"),
                   ("Proof of Concept Call", "Appel preuve de concept"),
                   ("Digital Health Track", "Volet santé digitale"))
EVENT_THEMES = (("Digital Health Day", "Journée de la santé digitale"),
                ("MedTech Forum", "Forum MedTech"),
                ("Health Data Summit", "Sommet des données de santé"),
                ("BioHealth Meetup", "Rencontre BioHealth"))
# The real places the synthetic towns lie in, with weights; the markets organisations target.
TOWN_PARENTS = (("luxembourg", 55), ("esch-sur-alzette", 5), ("germany", 15),
                ("united-kingdom", 5), ("europe", 15), ("japan", 3), ("asia", 2))
MARKETS = ("luxembourg", "germany", "united-kingdom", "europe", "japan", "asia")
# fmt: on


def _id(slug: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}{slug}")


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _fr(text: str) -> ox.Literal:
    return ox.Literal(text, language="fr")


def _year(year: int) -> ox.Literal:
    return ox.Literal(str(year), datatype=X["gYear"])


def _decimal(value: float, places: int) -> ox.Literal:
    return ox.Literal(f"{value:.{places}f}", datatype=X["decimal"])


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-' (accents dropped, punctuation a word break)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def _join(items: Iterable[str], conjunction: str) -> str:
    *rest, last = items
    return f"{', '.join(rest)} {conjunction} {last}" if rest else last


def _lists(name: str, items: Sequence[Named]) -> dict[str, str]:
    """Template values ``{name}_en`` and ``{name}_fr``: the items' labels as running text."""
    return {
        f"{name}_en": _join((i.en for i in items), "and"),
        f"{name}_fr": _join((i.fr for i in items), "et"),
    }


def _mix(*values: int) -> int:
    """A stable 64-bit hash of integers (splitmix64), unlike ``hash`` across processes."""
    x = 0x9E3779B97F4A7C15
    for v in values:
        x = (x ^ (v & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 31
    return x


# ---------------------------------------------------------------------------------------------
# The reference data: real concepts and places
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# The plan: what exists, computed from the seed
# ---------------------------------------------------------------------------------------------


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
        return _id(self.slug)


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
        return KIND_TABLE[_mix(self.seed, index) % len(KIND_TABLE)]

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


# ---------------------------------------------------------------------------------------------
# Source documents, and the graph being written
# ---------------------------------------------------------------------------------------------


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
        return self.mention(slug, _id(slug), -1)

    def use(self, iri: ox.NamedNode) -> ox.NamedNode:
        """Link to a concept or place of the reference data, which this source then names."""
        self.reference.add(iri.value)
        return iri

    def concepts(self, s: Subject, prop: str, items: Iterable[Named]) -> Iterator[Statement]:
        for item in items:
            yield s, L[prop], self.use(item.iri)


def _entity(
    g: SourceGraph, s: ox.NamedNode, classes: Sequence[ox.NamedNode], text: str,
    home: bool = True, /, **values: object,
) -> Iterator[Statement]:  # fmt: skip
    """Types, labels, descriptions (in the home graph only) and source of an entity."""
    label_en, label_fr, about_en, about_fr = TEXTS[text]
    for cls in classes:
        yield s, TYPE, cls
    yield s, LABEL, _en(label_en.format_map(values))
    yield s, LABEL, _fr(label_fr.format_map(values))
    if home:
        yield s, S["description"], _en(about_en.format_map(values))
        yield s, S["description"], _fr(about_fr.format_map(values))
    yield s, SOURCE_OF, g.src


def _quantity(node: ox.BlankNode, value: int, code: str, unit: str) -> Iterator[Statement]:
    yield node, TYPE, S["QuantitativeValue"]
    yield node, S["value"], ox.Literal(value)
    yield node, S["unitCode"], ox.Literal(code)
    yield node, S["unitText"], ox.Literal(unit)


def _source_document(g: SourceGraph) -> Iterator[Statement]:
    doc, s = g.source, g.src
    yield s, TYPE, L["SourceDocument"]
    yield s, TYPE, S[doc.schema_type]
    yield s, LABEL, _en(doc.label_en)
    yield s, LABEL, _fr(doc.label_fr)
    yield s, S["description"], _en(f"Generated document for load tests: {doc.lists_en}.")
    yield s, S["description"], _fr(f"Document généré pour les tests de charge : {doc.lists_fr}.")
    title = doc.label_en if doc.language == "en" else doc.label_fr
    yield s, D["title"], ox.Literal(title, language=doc.language)
    yield s, D["language"], ox.Literal(doc.language)
    yield s, L["documentKind"], g.use(_id(doc.kind))
    yield s, D["modified"], _year(LAST_YEAR)
    yield s, S["encoding"], ox.NamedNode(f"https://w3id.org/lu-healthtech/seeds/{doc.slug}.txt")


def _mentions(eco: Ecosystem, g: SourceGraph) -> Iterator[Statement]:
    """Type, labels and source of what the graph links to but does not describe."""
    for what, index, j in sorted(g.mentions):
        if what == "org":
            org = eco.org(index)
            names = {"label_en": org.label_en, "label_fr": org.label_fr}
            yield from _entity(g, org.iri, (org.kind.cls,), "org", False, **names)
        elif what == "town":
            town = eco.towns[index]
            yield from _entity(g, _id(town.slug), (L["Place"], S["City"]), "town", False,
                               name=town.name)  # fmt: skip
        elif what == "person":
            person = eco.org(index).persons[j]
            yield from _entity(g, _id(person.slug), (L["Person"],), "person", False,
                               name=person.name)  # fmt: skip
        else:
            en, fr = REAL_ORGS[what]
            yield from _entity(g, _id(what), (L["PublicBody"],), "org", False, label_en=en,
                               label_fr=fr)  # fmt: skip
    for iri in sorted(g.reference):
        yield ox.NamedNode(iri), SOURCE_OF, g.src


# ---------------------------------------------------------------------------------------------
# The register: towns, facilities, organisations, people
# ---------------------------------------------------------------------------------------------


def _town(g: SourceGraph, town: Town) -> Iterator[Statement]:
    s, parent = _id(town.slug), town.parent
    yield from _entity(g, s, (L["Place"], S["City"]), "town", name=town.name, parent_en=parent.en,
                       parent_fr=parent.fr)  # fmt: skip
    yield s, S["containedInPlace"], g.use(parent.iri)


def _facility(eco: Ecosystem, g: SourceGraph, k: int, fac: Facility) -> Iterator[Statement]:
    s, town = _id(fac.slug), eco.towns[fac.town]
    yield from _entity(g, s, (L["Facility"],), "facility", label_en=fac.label_en,
                       label_fr=fac.label_fr, town=town.name, opened=fac.opened,
                       residents=fac.residents)  # fmt: skip
    yield s, S["containedInPlace"], _id(town.slug)
    yield s, L["inaugurationDate"], _year(fac.opened)
    yield s, L["residentCompanyCount"], ox.Literal(fac.residents)
    floor = ox.BlankNode(f"facility{k}floor")
    yield s, S["floorSize"], floor
    yield from _quantity(floor, fac.area, "MTK", "m²")


def _organisation(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, s, ref = org.rng, org.iri, eco.reference
    fields = rng.sample(ref.schemes["activity-fields"], rng.randint(1, 2))
    if org.kind.field_slug:
        own = ref.concept("activity-fields", org.kind.field_slug)
        fields = [own, *[f for f in fields if f != own][:1]]
    techs = rng.sample(ref.schemes["technologies"], rng.randint(1, 3))
    areas = rng.sample(ref.schemes["clinical-areas"], rng.choice((0, 1, 1, 2)))
    town = eco.towns[org.town].name
    yield from _entity(
        g, s, (org.kind.cls,), "org", label_en=org.label_en, label_fr=org.label_fr,
        kind_en=org.kind.en, kind_fr=org.kind.fr,
        since_en=f"founded in {org.founded} in {town}" if org.kind.founded else f"in {town}",
        since_fr=f"création en {org.founded} à {town}" if org.kind.founded else f"à {town}",
        **_lists("fields", fields), **_lists("techs", techs),
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
        yield s, S["foundingDate"], _year(org.founded)
        yield s, S["foundingLocation"], _id(town.slug)
    if org.kind is DATA_INFRA:
        yield s, S["areaServed"], g.use(town.parent.iri)
    elif rng.random() < 0.3:
        yield s, S["location"], _id(rng.choice(eco.facilities).slug)
    else:
        yield s, S["location"], _id(town.slug)
    for market in rng.sample(MARKETS, rng.choice((0, 1, 1, 2))):
        yield s, L["targetMarket"], g.use(eco.reference.places[market].iri)


def _partnership(org: Org) -> ox.NamedNode:
    """lht:partner is for organisations; a data infrastructure works with (collaboratesWith)."""
    return L["collaboratesWith"] if org.kind is DATA_INFRA else L["partner"]


def _org_links(eco: Ecosystem, org: Org) -> Iterator[Statement]:
    rng, s = org.rng, org.iri
    if org.kind is UNIT:
        parent = eco.find((INSTITUTE, UNIVERSITY, HOSPITAL), org.index + 1)
        yield s, S["parentOrganization"], eco.org(parent).iri
    if org.kind is DATA_INFRA:
        for partner in rng.sample(range(eco.size), 3):
            yield s, _partnership(eco.org(partner)), eco.org(partner).iri
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
    yield from _quantity(period, rng.randint(3, 8), "ANN", "years")


def _person(g: SourceGraph, org: Org, person: Person) -> Iterator[Statement]:
    p, position = _id(person.slug), _id(f"{person.slug}-{slugify(person.role[0])}")
    start = org.rng.randint(max(org.founded, 2000), LAST_YEAR) if org.kind.founded else None
    names = {"name": person.name, "role_en": person.role[0], "role_fr": person.role[1],
             "org_en": org.label_en, "org_fr": org.label_fr}  # fmt: skip
    yield from _entity(g, p, (L["Person"],), "person", **names)
    yield from _entity(
        g, position, (L["Position"],), "position", **names,
        when_en=f"since {start}" if start else f"as of {LAST_YEAR}",
        when_fr=f"depuis {start}" if start else f"en {LAST_YEAR}",
    )  # fmt: skip
    yield position, L["holder"], p
    yield position, L["organisation"], org.iri
    yield position, S["roleName"], _en(person.role[0])
    yield position, S["roleName"], _fr(person.role[1])
    if start:
        yield position, S["startDate"], _year(start)
    else:
        yield position, L["attestedOn"], _year(LAST_YEAR)


def _register(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for town in eco.towns:
        yield from _town(g, town)
    for k, fac in enumerate(eco.facilities):
        yield from _facility(eco, g, k, fac)
    for index in range(eco.size):
        yield from _organisation(eco, g, eco.org(index))
        progress()


# ---------------------------------------------------------------------------------------------
# The catalogue: products and medical devices
# ---------------------------------------------------------------------------------------------


def _products(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, ref = org.rng, eco.reference
    for noun_en, noun_fr in rng.sample(PRODUCT_NOUNS, rng.choice(org.kind.products)):
        s = _id(f"{org.slug}-{slugify(noun_en)}")
        device = org.kind is COMPANY and rng.random() < 0.4
        techs = rng.sample(ref.schemes["technologies"], rng.randint(1, 2))
        areas = rng.sample(ref.schemes["clinical-areas"], rng.choice((0, 1)))
        yield from _entity(
            g, s, (L["MedicalDevice"] if device else L["Product"],), "product",
            brand=org.label_en.split(" ")[0], noun_en=noun_en, noun_fr=noun_fr,
            what_en="Medical device" if device else "Product",
            what_fr="Dispositif médical" if device else "Produit",
            org_en=org.label_en, org_fr=org.label_fr,
            **_lists("techs", techs),
        )  # fmt: skip
        yield s, S["manufacturer"], g.mention("org", org.iri, org.index)
        yield from g.concepts(s, "technology", techs)
        yield from g.concepts(s, "clinicalArea", areas)


def _catalogue(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for index in range(eco.size):
        yield from _products(eco, g, eco.org(index))
        progress()


# ---------------------------------------------------------------------------------------------
# The programme report: programmes, editions, awards, participations
# ---------------------------------------------------------------------------------------------


def _programme(eco: Ecosystem, g: SourceGraph, prog: Programme) -> Iterator[Statement]:
    s, funder = _id(prog.slug), eco.org(prog.funder)
    labels = {"label_en": prog.label_en, "label_fr": prog.label_fr}
    yield from _entity(g, s, (L["SupportProgramme"],), "programme", **labels, start=prog.start,
                       funder_en=funder.label_en, funder_fr=funder.label_fr)  # fmt: skip
    yield s, S["funder"], g.mention("org", funder.iri, funder.index)
    if prog.provider is None:
        yield s, S["provider"], g.real_org("luxinnovation")
    else:
        yield s, S["provider"], g.mention("org", eco.org(prog.provider).iri, prog.provider)
    yield s, S["startDate"], _year(prog.start)
    for number in range(1, prog.editions + 1):
        edition, year = _id(f"{prog.slug}-{number}"), prog.start + number - 1
        yield from _entity(g, edition, (L["ProgrammeEdition"],), "edition", **labels,
                           number=number, year=year)  # fmt: skip
        yield edition, S["superEvent"], s
        yield edition, S["startDate"], _year(year)
    award = _id(f"{prog.slug}-award")
    yield from _entity(g, award, (L["Award"],), "award", **labels)
    yield award, L["awardedBy"], s


def _participations(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng = org.rng
    count = rng.choice((0, 0, 1, 1, 1, 2) if org.kind is COMPANY else (0, 0, 1))
    for prog in rng.sample(eco.programmes, min(count, len(eco.programmes))):
        number = rng.randint(1, prog.editions)
        year, won = prog.start + number - 1, rng.random() < 0.12
        if year < org.founded:
            continue
        s = _id(f"{org.slug}-{prog.slug.removeprefix(SLUG_PREFIX + '-')}-{year}")
        yield from _entity(
            g, s, (L["Participation"],), "participation", number=number, year=year,
            org_en=org.label_en, org_fr=org.label_fr, prog_en=prog.label_en, prog_fr=prog.label_fr,
            won_en=" and won its award" if won else "",
            won_fr=" et en a remporté le prix" if won else "",
        )  # fmt: skip
        yield s, L["participant"], g.mention("org", org.iri, org.index)
        yield s, L["initiative"], _id(prog.slug)
        yield s, L["edition"], _id(f"{prog.slug}-{number}")
        yield s, S["roleName"], _en("award winner" if won else "participant")
        yield s, S["roleName"], _fr("lauréat" if won else "participant")
        yield s, S["startDate"], _year(year)
        if won:
            yield s, L["award"], _id(f"{prog.slug}-award")


def _programme_report(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for prog in eco.programmes:
        yield from _programme(eco, g, prog)
    for index in range(eco.size):
        yield from _participations(eco, g, eco.org(index))
        progress()


# ---------------------------------------------------------------------------------------------
# Research and events news: projects and partners, milestones, events
# ---------------------------------------------------------------------------------------------


def _project(eco: Ecosystem, g: SourceGraph, project: Project) -> Iterator[Statement]:
    rng, s, ref = eco.rng("project-facts", project.index), _id(project.slug), eco.reference
    area = rng.choice(ref.schemes["clinical-areas"])
    techs = rng.sample(ref.schemes["technologies"], rng.randint(1, 2))
    what = ("patient cohort", "Cohorte de patients") if project.cohort else (
        "research project", "Projet de recherche")  # fmt: skip
    yield from _entity(
        g, s, (L["Cohort"] if project.cohort else L["ResearchProject"],), "project",
        acronym=project.acronym, what_en=what[0], what_fr=what[1], area_en=area.en,
        area_fr=area.fr, start=project.start,
    )  # fmt: skip
    if project.funder is None:
        yield s, S["funder"], g.real_org("ministry-of-the-economy")
    else:
        yield s, S["funder"], g.mention("org", eco.org(project.funder).iri, project.funder)
    yield s, S["startDate"], _year(project.start)
    yield s, S["endDate"], _year(project.start + rng.randint(2, 6))
    yield from g.concepts(s, "clinicalArea", (area,))
    yield from g.concepts(s, "technology", techs)


def _milestones(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, town = org.rng, eco.towns[org.town]
    names = {"org_en": org.label_en, "org_fr": org.label_fr}
    if org.kind.founded and rng.random() < 0.7:
        m = _id(f"{org.slug}-founding-{org.founded}")
        yield from _entity(g, m, (L["Milestone"],), "founding", **names, year=org.founded,
                           town=town.name)  # fmt: skip
        yield m, S["about"], g.mention("org", org.iri, org.index)
        yield m, S["startDate"], _year(org.founded)
        yield m, S["location"], g.mention("town", _id(town.slug), town.index)
    if rng.random() < 0.3:
        (what_en, what_fr), year = rng.choice(MILESTONE_KINDS), rng.randint(org.founded, 2030)
        m = _id(f"{org.slug}-{slugify(what_en)}-{year}")
        yield from _entity(g, m, (L["Milestone"],), "milestone", **names, year=year,
                           what_en=what_en, what_fr=what_fr)  # fmt: skip
        yield m, S["about"], g.mention("org", org.iri, org.index)
        yield m, S["startDate"], _year(year)


def _event(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    rng, town = org.rng, eco.towns[org.town]
    (theme_en, theme_fr), year = rng.choice(EVENT_THEMES), rng.randint(max(org.founded, 2010), 2026)
    s = _id(f"{SLUG_PREFIX}-{slugify(town.name)}-{slugify(theme_en)}-{year}-{org.index}")
    attendees = rng.randrange(40, 800, 10)
    yield from _entity(
        g, s, (L["Event"],), "event", town=town.name, theme_en=theme_en, theme_fr=theme_fr,
        year=year, org_en=org.label_en, org_fr=org.label_fr, attendees=attendees,
    )  # fmt: skip
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    yield s, S["startDate"], ox.Literal(date, datatype=X["date"])
    yield s, S["location"], g.mention("town", _id(town.slug), town.index)
    yield s, S["organizer"], g.mention("org", org.iri, org.index)
    if org.persons:
        yield s, S["performer"], g.mention("person", _id(org.persons[0].slug), org.index, 0)
    yield from g.concepts(
        s, "activityField", (rng.choice(eco.reference.schemes["activity-fields"]),)
    )
    yield s, L["attendeeCount"], ox.Literal(attendees)
    yield s, L["companyRepresentativeCount"], ox.Literal(attendees * rng.randint(30, 80) // 100)


def _news(eco: Ecosystem, g: SourceGraph, org: Org) -> Iterator[Statement]:
    yield from _milestones(eco, g, org)
    if org.rng.random() < 0.35:
        project = org.rng.choice(eco.projects)
        yield _id(project.slug), _partnership(org), g.mention("org", org.iri, org.index)
    if org.rng.random() < 0.08:
        yield from _event(eco, g, org)


def _research_news(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for project in eco.projects:
        yield from _project(eco, g, project)
    for index in range(eco.size):
        yield from _news(eco, g, eco.org(index))
        progress()


# ---------------------------------------------------------------------------------------------
# Sector statistics: sectors, mappings, observations
# ---------------------------------------------------------------------------------------------


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
    return _id(f"{sector.slug}-mapping-{year}")


def _sector(eco: Ecosystem, g: SourceGraph, sector: Sector) -> Iterator[Statement]:
    s, town, author = _id(sector.slug), eco.towns[sector.town], eco.org(sector.author)
    field_en = sector.field.en[0].lower() + sector.field.en[1:]
    yield from _entity(g, s, (L["Sector"],), "sector", label_en=sector.label_en,
                       label_fr=sector.label_fr, town=town.name, field_en=field_en,
                       field_fr=sector.field.fr)  # fmt: skip
    yield s, S["location"], g.mention("town", _id(town.slug), town.index)
    yield from g.concepts(s, "activityField", (sector.field,))
    for before, year in zip((None, *MAPPING_YEARS), MAPPING_YEARS, strict=False):
        m = _mapping_iri(sector, year)
        yield from _entity(g, m, (L["SectorMapping"],), "mapping", sector_en=sector.label_en,
                           sector_fr=sector.label_fr, author_en=author.label_en,
                           author_fr=author.label_fr, year=year)  # fmt: skip
        yield m, S["author"], g.mention("org", author.iri, author.index)
        yield m, S["startDate"], _year(year)
        yield m, S["about"], s
        if before is not None:
            yield m, S["isBasedOn"], _mapping_iri(sector, before)
            yield m, S["contributor"], g.real_org("luxinnovation")


def _observation(
    eco: Ecosystem, g: SourceGraph, sector: Sector, measure: Measure, year: int
) -> Iterator[Statement]:
    concept = eco.reference.concept("measures", measure.slug)
    value = measure.value(sector, year)
    s = _id(f"{sector.slug}-{measure.slug}-{year}")
    literal = _decimal(value, measure.places) if measure.places else ox.Literal(round(value))
    yield from _entity(
        g, s, (L["Observation"],), "observation", sector_en=sector.label_en,
        sector_fr=sector.label_fr, measure_en=concept.en.lower(), measure_fr=concept.fr.lower(),
        year=year, value=literal.value, unit=measure.unit,
    )  # fmt: skip
    yield s, S["observationAbout"], _id(sector.slug)
    yield s, L["measure"], g.use(concept.iri)
    yield s, L["referenceYear"], _year(year)
    if measure.slug == "jobs-created":
        yield s, L["periodStart"], _year(year - 2)
    yield s, S["value"], literal
    if measure.code:
        yield s, S["unitCode"], ox.Literal(measure.code)
    yield s, S["unitText"], ox.Literal(measure.unit)
    yield s, L["mapping"], _mapping_iri(sector, min(y for y in MAPPING_YEARS if y > year))
    if measure.code == "C62" and _mix(eco.seed, sector.index, year, len(measure.slug)) % 10 == 0:
        yield s, L["valueQualifier"], g.use(_id("approximately"))


def _statistics(eco: Ecosystem, g: SourceGraph, progress: Progress) -> Iterator[Statement]:
    for sector in eco.sectors:
        yield from _sector(eco, g, sector)
        for measure in MEASURES:
            for year in OBSERVED_YEARS:
                yield from _observation(eco, g, sector, measure, year)
        progress()


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

Section = Callable[[Ecosystem, SourceGraph, Progress], Iterator[Statement]]
SECTIONS: tuple[tuple[SourceDoc, Section], ...] = tuple(
    zip(
        SOURCES,
        (_register, _catalogue, _programme_report, _research_news, _statistics),
        strict=True,
    )
)


def progress_total(organisations: int) -> int:
    """How many steps ``on_progress`` reports in all: 4 per organisation, 1 per sector."""
    return 4 * organisations + sector_count(organisations)


def statements(
    organisations: int, seed: int = 0, reference: Reference | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[ox.NamedNode, Statement]]:  # fmt: skip
    """Every (graph, statement) of the ecosystem, one source graph after the other."""
    eco = Ecosystem(organisations, seed, reference or load_reference())
    done = 0

    def progress() -> None:
        nonlocal done
        done += 1
        if on_progress is not None and done % PROGRESS_STEP == 0:
            on_progress(PROGRESS_STEP)

    for source, section in SECTIONS:
        g = SourceGraph(source)
        for part in (_source_document(g), section(eco, g, progress), _mentions(eco, g)):
            for statement in part:
                yield source.graph, statement
    if on_progress is not None and done % PROGRESS_STEP:
        on_progress(done % PROGRESS_STEP)


def write_ecosystem(
    path: Path, organisations: int, seed: int = 0,
    on_progress: Callable[[int], None] | None = None, reference: Reference | None = None,
) -> int:  # fmt: skip
    """Stream the ecosystem to ``path`` in the format of its extension; return the count."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise ValueError(f"unknown extension {path.suffix!r}: use one of {', '.join(FORMATS)}")
    quads = fmt != ox.RdfFormat.TURTLE
    count = 0

    def terms() -> Iterator[ox.Quad]:
        # A triple where the format has no graphs; Oxigraph's stubs want one kind.
        nonlocal count
        for graph, (s, p, o) in statements(organisations, seed, reference, on_progress):
            count += 1
            yield ox.Quad(s, p, o, graph) if quads else ox.Triple(s, p, o)  # type: ignore[misc]

    prefixes = None if fmt == ox.RdfFormat.N_QUADS else _prefixes()
    with path.open("wb") as out:
        ox.serialize(terms(), out, fmt, prefixes=prefixes)
    return count


def _prefixes() -> dict[str, str]:
    return {p: PREFIXES[p] for p in ("", "lht", "schema", "dcterms", "rdfs", "xsd", "src")}
