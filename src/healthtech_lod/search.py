"""Search by name at /search: case and accents ignored.

"universite du luxembourg" finds "Université du Luxembourg". SPARQL has no
accent folding, so the labels (rdfs:label, skos:prefLabel, skos:altLabel,
schema:name, dcterms:title, in every language) are folded once when the app
starts, into an index kept with the dataset; a search is a scan of that index.
The index is read-only while serving, like the store.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, abort, current_app, json, render_template, request

from .namespaces import DCTERMS, RDF, RDFS, SCHEMA, SKOS
from .negotiation import negotiate
from .pages import href, label
from .store import DatasetStore, get_store

EXTENSION = "healthtech_lod.search"
NAMES = tuple(
    ox.NamedNode(str(p))
    for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SCHEMA.name, DCTERMS.title)
)
TYPE = ox.NamedNode(str(RDF.type))
#: Results shown at most; the page says how many matched.
MAX_RESULTS = 100
#: Longest query text accepted, in characters.
MAX_QUERY = 200

bp = Blueprint("search", __name__)


def fold(text: str) -> str:
    """Lower case without accents or extra spaces: the form names are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class Entry:
    """One name of one entity, as found and as folded."""

    folded: str
    name: str
    iri: str


@dataclass(frozen=True)
class Hit:
    """One entity found: its label, link, kinds and the name that matched."""

    label: str
    href: str
    iri: str
    kinds: tuple[str, ...]
    matched: str


def build_index(store: DatasetStore) -> tuple[Entry, ...]:
    """Every name of every IRI in the dataset, folded, sorted by folded name."""
    entries = {
        Entry(fold(q.object.value), q.object.value, q.subject.value)
        for predicate in NAMES
        for q in store.store.quads_for_pattern(None, predicate, None)
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
    }
    return tuple(sorted(entries, key=lambda e: (e.folded, e.iri)))


def find(index: tuple[Entry, ...], text: str) -> list[tuple[str, str]]:
    """(IRI, matched name) of the entities with a name containing every word of
    ``text`` (folded); names starting with ``text`` first, then by name."""
    words = fold(text).split()
    if not words:
        return []
    whole = " ".join(words)
    best: dict[str, tuple[int, str, str]] = {}
    for entry in index:
        if all(word in entry.folded for word in words):
            rank = (0 if entry.folded.startswith(whole) else 1, entry.folded, entry.name)
            if entry.iri not in best or rank < best[entry.iri]:
                best[entry.iri] = rank
    ordered = sorted(best.items(), key=lambda item: item[1])
    return [(iri, rank[2]) for iri, rank in ordered]


def init_app(app: Flask, store: DatasetStore) -> None:
    """Fold the dataset's names once, into ``app.extensions``."""
    app.extensions[EXTENSION] = build_index(store)


@bp.get("/search")
def search() -> Response | str:
    """The entities whose name contains the words of ``q``, as an HTML page or JSON.
    Aborts 400 for a query text over MAX_QUERY characters, 406."""
    media_type = negotiate(("html", "json"))
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        abort(400, f"The search text is {len(text)} characters long; the limit is {MAX_QUERY}.")
    found = find(current_app.extensions[EXTENSION], text)
    store = get_store()
    hits = [_hit(store, iri, matched) for iri, matched in found[:MAX_RESULTS]]
    if media_type.key == "json":
        body = {
            "query": text,
            "total": len(found),
            "results": [
                {"id": h.iri, "label": h.label, "types": list(h.kinds), "matched": h.matched}
                for h in hits
            ],
        }
        return Response(json.dumps(body), mimetype="application/json")
    return render_template("search.html", query=text, hits=hits, total=len(found))


def _hit(store: DatasetStore, iri: str, matched: str) -> Hit:
    node = ox.NamedNode(iri)
    kinds = tuple(
        sorted(
            label(store, q.object)
            for q in store.store.quads_for_pattern(node, TYPE, None)
            if isinstance(q.object, ox.NamedNode)
        )
    )
    return Hit(label(store, node), href(iri), iri, kinds, matched)
