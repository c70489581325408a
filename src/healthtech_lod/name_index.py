"""The name index: every name of every entity (labels in every language, alternate
names, acronyms) folded for case and accents, with a trigram index, written by the
build into names.sqlite and read by search and reconciliation. Flask-free."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKOS
from .store import DatasetStore

NAMES = tuple(
    ox.NamedNode(str(p))
    for p in (
        RDFS.label,
        SKOS.prefLabel,
        SKOS.altLabel,
        SCHEMA.name,
        SCHEMA.alternateName,
        DCTERMS.title,
    )
)


TYPE = ox.NamedNode(str(RDF.type))


#: Results shown at most; the page says how many matched.
MAX_RESULTS = 100


#: The index's file name, next to the store.
INDEX_FILE = "names.sqlite"


#: Shortest word the trigram index can look up.
TRIGRAM = 3


def fold(text: str) -> str:
    """Lower case without accents, control characters or extra spaces: the form names
    are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cc"
    )
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class Entry:
    """One name of one entity, as found and as folded."""

    folded: str
    name: str
    iri: str


def entries(store: DatasetStore) -> set[Entry]:
    """Every name of every IRI in the dataset, folded."""
    return {
        Entry(fold(q.object.value), q.object.value, q.subject.value)
        for predicate in NAMES
        for q in store.statements(None, predicate)
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
    }


def write_index(found: set[Entry] | list[Entry], path: Path) -> Path:
    """Write the names into a new SQLite index at ``path`` (built aside, then moved
    into place in one step); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, work = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    os.close(handle)
    try:
        with closing(sqlite3.connect(work)) as db, db:
            db.executescript(
                """
                CREATE TABLE names (folded TEXT NOT NULL, name TEXT NOT NULL, iri TEXT NOT NULL);
                CREATE VIRTUAL TABLE trigrams USING fts5(
                    folded, content='names', content_rowid='rowid', tokenize='trigram'
                );
                """
            )
            db.executemany(
                "INSERT INTO names (folded, name, iri) VALUES (?, ?, ?)",
                sorted((e.folded, e.name, e.iri) for e in found),
            )
            db.execute("INSERT INTO trigrams (trigrams) VALUES ('rebuild')")
            # The reconciliation service looks names up by entity and by folded name.
            db.execute("CREATE INDEX names_by_iri ON names (iri)")
            db.execute("CREATE INDEX names_by_folded ON names (folded)")
        os.replace(work, path)
    finally:
        if os.path.exists(work):
            os.unlink(work)
    return path


@dataclass(frozen=True)
class NameIndex:
    """The index file of one dataset version, opened read-only per search."""

    path: Path

    def find(self, text: str, limit: int = MAX_RESULTS) -> tuple[int, list[tuple[str, str]]]:
        """How many entities have a name containing every word of ``text`` (folded),
        and the first ``limit`` of them as (IRI, matched name): names starting with
        ``text`` first, then by name."""
        words = fold(text).split()
        if not words:
            return 0, []
        long = [w for w in words if len(w) >= TRIGRAM]
        short = [w for w in words if len(w) < TRIGRAM]
        named: dict[str, str | int] = {"whole": " ".join(words)}
        conditions = []
        if long:
            conditions.append("rowid IN (SELECT rowid FROM trigrams WHERE trigrams MATCH :match)")
            named["match"] = " AND ".join('"' + w.replace('"', '""') + '"' for w in long)
        for i, word in enumerate(short):
            conditions.append(f"instr(folded, :short{i}) > 0")
            named[f"short{i}"] = word
        hits = f"""
            SELECT iri, name, folded, substr(folded, 1, length(:whole)) != :whole AS late
            FROM names WHERE {" AND ".join(conditions)}
        """
        with closing(self._connect()) as db:
            total = db.execute(f"SELECT COUNT(DISTINCT iri) FROM ({hits})", named).fetchone()[0]
            rows = db.execute(
                f"""
                SELECT iri, name FROM (
                    SELECT iri, name, folded, late, ROW_NUMBER() OVER (
                        PARTITION BY iri ORDER BY late, folded, name) AS n
                    FROM ({hits})
                ) WHERE n = 1 ORDER BY late, folded, name, iri LIMIT :limit
                """,
                named | {"limit": limit},
            ).fetchall()
        return total, [(iri, name) for iri, name in rows]

    def _connect(self) -> sqlite3.Connection:
        # immutable: the file never changes once written, so no locks are taken.
        return sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True)
