"""Matching names as people type them against the names of the dataset's entities.

Flask-free: the reconciliation service (``reconcile.py``) turns requests into
``Query`` objects and candidates into JSON; this module finds and scores them.

Names are compared in their normal form (``names.py``).

Candidates come from the name index that the build writes (``names.sqlite``, every
name of every entity in every language, alternate names and acronyms included):
its trigram index finds the names sharing letter triples with the query, and
every name of those entities is then scored. A type narrows the candidates to
the instances of that class or of its subclasses; a property value (a town, a
founding year) that agrees with the data raises the score, one that contradicts
it lowers it. Scores run from 0 to 100; ``match`` is true only for a candidate
whose name is close, whose score is high and which stands clearly above the next.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import pyoxigraph as ox

from .name_index import TRIGRAM, fold
from .names import normalise, similarity, variants
from .namespaces import DCTERMS, LHT, RDF, RDFS, SCHEMA, SKOS
from .store import DatasetStore

# --- the vocabulary: classes and the properties a query or an extension may name -----


@dataclass(frozen=True)
class Property:
    """A property of entities that queries may constrain and extensions fetch.

    ``kind`` says how values are read and compared: ``year`` (the year of a date,
    an integer), ``place`` (a place, which also matches the places containing it),
    ``concept`` (a concept, which also matches its broader concepts), ``entity``,
    ``text`` or ``url``.
    """

    iri: str
    name: str
    kind: str
    description: str


PROPERTIES: tuple[Property, ...] = (
    Property(str(RDF.type), "kind", "entity", "The classes of the entity (rdf:type)."),
    Property(
        str(SCHEMA.foundingDate),
        "founding year",
        "year",
        "The year the organisation was founded (schema:foundingDate).",
    ),
    Property(
        str(SCHEMA.location),
        "location",
        "place",
        "Where it is: a town, a district or a country (schema:location); a town also "
        "matches the districts in it.",
    ),
    Property(
        str(SCHEMA.foundingLocation),
        "founding location",
        "place",
        "Where it was founded (schema:foundingLocation).",
    ),
    Property(
        str(LHT.technology),
        "technologies",
        "concept",
        "Technologies it uses or develops (lht:technology).",
    ),
    Property(
        str(LHT.clinicalArea),
        "clinical areas",
        "concept",
        "Diseases or specialities it addresses (lht:clinicalArea).",
    ),
    Property(
        str(LHT.activityField),
        "activity fields",
        "concept",
        "Its fields of activity (lht:activityField).",
    ),
    Property(str(SCHEMA.url), "website", "url", "Its website (schema:url)."),
    Property(
        str(DCTERMS.source),
        "sources",
        "entity",
        "The source documents that state facts about it (dcterms:source).",
    ),
    Property(
        str(SCHEMA.alternateName),
        "other names",
        "text",
        "Acronyms and other spellings of its name (schema:alternateName).",
    ),
    Property(
        str(SCHEMA.parentOrganization),
        "parent organisation",
        "entity",
        "The organisation it belongs to (schema:parentOrganization).",
    ),
)
BY_IRI: Mapping[str, Property] = {p.iri: p for p in PROPERTIES}

TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
CONTAINED = ox.NamedNode(str(SCHEMA.containedInPlace))
BROADER = ox.NamedNode(str(SKOS.broader))
#: Classes of the vocabularies themselves, never a kind of entity.
META = ("http://www.w3.org/2002/07/owl#", str(RDFS), str(RDF), "http://www.w3.org/ns/shacl#")

#: A property value as a query gives it: text, a number, a boolean or an entity.
QueryValue = Union[str, int, float, bool, "EntityValue"]


@dataclass(frozen=True)
class EntityValue:
    """An entity given as a property value (``{"id": …, "name": …}``)."""

    id: str
    name: str | None = None


@dataclass(frozen=True)
class Constraint:
    """A property and the values the query says it has."""

    property: Property
    values: tuple[QueryValue, ...]


@dataclass(frozen=True)
class Query:
    """One reconciliation query."""

    text: str = ""
    types: tuple[str, ...] = ()
    limit: int = 5
    constraints: tuple[Constraint, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """An entity proposed for a query, with its score (0 to 100), the decision and
    the features the score was made of."""

    iri: str
    score: float
    match: bool
    features: tuple[tuple[str, float | bool], ...]


# --- scoring ------------------------------------------------------------------------

#: A candidate is a match only with a score of at least this,
MATCH_SCORE = 85.0
#: a name at least this close,
MATCH_NAME = 0.75
#: and this many points above the next candidate.
MATCH_MARGIN = 10.0
#: Points for each property value the data confirms, and (negative) for each it
#: contradicts.
AGREES = 10.0
DISAGREES = -20.0
#: A candidate whose name is less close than this is not proposed.
LEAST_SIMILAR = 0.4
#: Name rows taken from the trigram index per query (more when a type narrows them).
ROWS = 60
ROWS_WITH_TYPE = 400
#: Letter triples of a query looked up at most.
MAX_TRIGRAMS = 64


@dataclass
class Matcher:
    """Finds and scores candidates in one dataset version: its store and the name
    index of its build. What depends only on the version (the class hierarchy) is
    read once, when it is made."""

    store: DatasetStore
    index: Path
    #: The identifier space: only IRIs starting with it are candidates.
    space: str
    #: The classes that have entities (the build's statistics know them).
    classes: Iterable[str] = ()
    #: Every class with its superclasses (itself included).
    superclasses: Mapping[str, frozenset[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.superclasses = class_closure(self.store, self.classes)

    def subclasses(self, iri: str) -> frozenset[str]:
        """``iri`` and every class below it."""
        return frozenset(c for c, above in self.superclasses.items() if iri in above) | {iri}

    def kinds(self, iri: str) -> set[str]:
        """The classes of an entity and all their superclasses."""
        found: set[str] = set()
        for q in self.store.store.quads_for_pattern(ox.NamedNode(iri), TYPE, None):
            if isinstance(q.object, ox.NamedNode):
                found |= self.superclasses.get(q.object.value, frozenset({q.object.value}))
        return found

    def types(self, iri: str) -> list[str]:
        """The classes an entity is stated to have (not the vocabularies' own)."""
        return sorted(
            {
                q.object.value
                for q in self.store.store.quads_for_pattern(ox.NamedNode(iri), TYPE, None)
                if isinstance(q.object, ox.NamedNode) and not q.object.value.startswith(META)
            }
        )

    def reconcile(self, queries: Mapping[str, Query]) -> dict[str, list[Candidate]]:
        """The candidates of each query of a batch, best first."""
        with closing(self._connect()) as db:
            return {key: self._reconcile(db, query) for key, query in queries.items()}

    def _reconcile(self, db: sqlite3.Connection, query: Query) -> list[Candidate]:
        wanted = [self.subclasses(t) for t in query.types]
        named = self._identified(query.text)
        names: dict[str, list[str]]
        if named:
            names = {named: []}
        elif query.text.strip():
            names = self._candidates(db, query.text, rows=ROWS_WITH_TYPE if wanted else ROWS)
        else:
            names = self._with_values(db, query.constraints)
        asked = [normalise(v) for v in variants(query.text)]
        scored = []
        for iri, own in names.items():
            if wanted and not any(self.kinds(iri) & allowed for allowed in wanted):
                continue
            closest = (
                1.0
                if named
                else max(
                    (similarity(q, normalise(n)) for q in asked for n in own),
                    default=0.0,
                )
            )
            if query.text.strip() and closest < LEAST_SIMILAR:
                continue
            features: list[tuple[str, float | bool]] = [("name", round(closest, 3))]
            score = 100 * closest if query.text.strip() else 50.0
            for constraint in query.constraints:
                verdict = self._judge(db, iri, constraint)
                features.append((f"property:{constraint.property.iri}", verdict))
                score += AGREES if verdict > 0 else DISAGREES if verdict < 0 else 0.0
            if wanted:
                features.append(("type", True))
            scored.append((min(100.0, max(0.0, round(score, 1))), closest, iri, features))
        scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
        candidates = []
        for rank, (score, closest, iri, features) in enumerate(scored[: query.limit]):
            after = scored[1][0] if len(scored) > 1 else 0.0
            match = (
                rank == 0
                and score >= MATCH_SCORE
                and closest >= MATCH_NAME
                and score - after >= MATCH_MARGIN
            )
            candidates.append(Candidate(iri, score, match, tuple(features)))
        return candidates

    # candidates

    def _identified(self, text: str) -> str | None:
        """The entity whose IRI ``text`` is, if it is one of the identifier space."""
        iri = text.strip()
        if iri.startswith(self.space) and is_iri(iri) and self.store.has_subject(ox.NamedNode(iri)):
            return iri
        return None

    def _candidates(self, db: sqlite3.Connection, text: str, rows: int) -> dict[str, list[str]]:
        """The entities with a name sharing letter triples with ``text`` (or equal to
        it), each with all its names."""
        iris: dict[str, None] = {}
        for variant in variants(text):
            for (iri,) in db.execute("SELECT iri FROM names WHERE folded = ?", (fold(variant),)):
                iris[iri] = None
        grams = trigrams(text)
        if grams:
            match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
            found = db.execute(
                """
                SELECT names.iri FROM names JOIN (
                    SELECT rowid, rank FROM trigrams WHERE trigrams MATCH ? ORDER BY rank LIMIT ?
                ) AS hits ON names.rowid = hits.rowid ORDER BY hits.rank
                """,
                (match, rows),
            )
            for (iri,) in found:
                iris[iri] = None
        return self._names(db, (iri for iri in iris if iri.startswith(self.space)))

    def _with_values(
        self, db: sqlite3.Connection, constraints: Sequence[Constraint]
    ) -> dict[str, list[str]]:
        """For a query without a name: the entities that have a value of the first
        property given."""
        if not constraints:
            return {}
        predicate = ox.NamedNode(constraints[0].property.iri)
        subjects = {
            q.subject.value
            for q in self.store.store.quads_for_pattern(None, predicate, None)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(self.space)
        }
        return self._names(db, dict.fromkeys(sorted(subjects)))

    def _names(self, db: sqlite3.Connection, iris: Iterable[str]) -> dict[str, list[str]]:
        """Every name of each of ``iris``."""
        found: dict[str, list[str]] = {iri: [] for iri in iris}
        keys = list(found)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(f"SELECT iri, name FROM names WHERE iri IN ({marks})", chunk)
            for iri, name in rows:
                found[iri].append(name)
        return found

    def names_of(self, iris: Iterable[str]) -> dict[str, list[str]]:
        """Every name of each of ``iris``, from the name index."""
        with closing(self._connect()) as db:
            return self._names(db, iris)

    # property constraints

    def _judge(self, db: sqlite3.Connection, iri: str, constraint: Constraint) -> int:
        """+1 if the entity's values of the property agree with one of the query's,
        -1 if it has values and none agrees (for a concept, a missing one says
        nothing: the data lists some technologies, not all), 0 when unknown."""
        prop = constraint.property
        have = [v for v in self.values(iri, prop) if v is not None]
        if not have:
            return 0
        if prop.kind == "year":
            years = {y for y in (_year(v) for v in constraint.values) if y is not None}
            if not years:
                return 0
            return 1 if years & {v for v in have if isinstance(v, int)} else -1
        if prop.kind == "url":
            sites = {_site(str(v)) for v in constraint.values}
            return 1 if sites & {_site(str(v)) for v in have} else -1
        if prop.kind == "text":
            agrees = any(
                similarity(normalise(str(v)), normalise(str(h))) >= 0.85
                for v in constraint.values
                for h in have
            )
            return 1 if agrees else 0
        entities = [str(v) for v in have]
        widened = set(self._widen(entities, prop.kind))
        names = self._names(db, widened)
        for value in constraint.values:
            if isinstance(value, EntityValue):
                if value.id in widened:
                    return 1
                continue
            asked = normalise(str(value))
            for entity in widened:
                own = [*names.get(entity, ()), entity.rsplit("/", 1)[-1]]
                if any(similarity(asked, normalise(n)) >= 0.85 for n in own):
                    return 1
        return 0 if prop.kind == "concept" else -1

    def _widen(self, iris: Iterable[str], kind: str) -> Iterator[str]:
        """The entities and what contains them (places), their broader concepts
        (concepts) or superclasses (classes, for ``kind``)."""
        step = {"place": CONTAINED, "concept": BROADER}.get(kind)
        seen: set[str] = set()
        pending = list(iris)
        while pending:
            iri = pending.pop()
            if iri in seen:
                continue
            seen.add(iri)
            yield iri
            pending.extend(self.superclasses.get(iri, ()))
            if step is not None:
                pending.extend(
                    q.object.value
                    for q in self.store.store.quads_for_pattern(ox.NamedNode(iri), step, None)
                    if isinstance(q.object, ox.NamedNode)
                )

    def values(self, iri: str, prop: Property, graph: str | None = None) -> list[str | int | None]:
        """The values of ``prop`` for the entity, as the data states them (only in
        ``graph`` when given), in a stable order: IRIs for entities, years as integers,
        text as text. A year that cannot be read is None."""
        predicate = ox.NamedNode(prop.iri)
        context = ox.NamedNode(graph) if graph else None
        found: dict[str | int | None, None] = {}
        for q in self.store.store.quads_for_pattern(ox.NamedNode(iri), predicate, None, context):
            term = q.object
            if prop.kind == "year":
                if isinstance(term, ox.Literal):
                    found[_year(term.value)] = None
            elif prop.kind in ("entity", "place", "concept"):
                if isinstance(term, ox.NamedNode) and not term.value.startswith(META):
                    found[term.value] = None
            elif isinstance(term, ox.Literal | ox.NamedNode):
                found[term.value] = None
        return sorted(found, key=str)

    def _connect(self) -> sqlite3.Connection:
        # immutable: the build never changes the index once written.
        return sqlite3.connect(f"file:{self.index}?mode=ro&immutable=1", uri=True)


def trigrams(text: str) -> list[str]:
    """The letter triples to look up in the trigram index for ``text``: those of its
    folded words as written (the index holds folded names with their punctuation)
    and of its normal form, small words and legal forms left out."""
    seen: dict[str, None] = {}
    for variant in variants(text):
        name = normalise(variant)
        kept = set(name.content)
        written = [w for w in fold(variant).split() if normalise(w).compact in kept]
        for word in (*written, *name.content, name.compact):
            for i in range(len(word) - TRIGRAM + 1):
                seen[word[i : i + TRIGRAM]] = None
    return list(seen)[:MAX_TRIGRAMS]


def class_closure(store: DatasetStore, classes: Iterable[str] = ()) -> dict[str, frozenset[str]]:
    """Every class of the vocabulary (rdfs:subClassOf in every graph) and of ``classes``
    with its superclasses, itself included. Reads only the subclass statements, not the
    entities: it costs the same at any size of data."""
    direct: dict[str, set[str]] = {c: set() for c in classes}
    for q in store.store.quads_for_pattern(None, SUBCLASS, None):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            direct.setdefault(q.subject.value, set()).add(q.object.value)
    closure: dict[str, frozenset[str]] = {}
    for start in direct:
        seen = {start}
        pending = list(direct[start])
        while pending:
            above = pending.pop()
            if above not in seen:
                seen.add(above)
                pending.extend(direct.get(above, ()))
        closure[start] = frozenset(seen)
    return closure


def _year(value: object) -> int | None:
    """The year of a date, a year or a number (``2021-05`` is 2021)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else None
    found = re.match(r"\s*(-?\d{4})", str(value))
    return int(found.group(1)) if found else None


def _site(url: str) -> str:
    """A website without scheme, ``www.`` or final slash, folded."""
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip().casefold())
    return bare.removeprefix("www.").rstrip("/")


def is_iri(text: str) -> bool:
    """Whether ``text`` is an IRI (that pyoxigraph accepts)."""
    try:
        ox.NamedNode(text.strip())
    except ValueError:
        return False
    return True
