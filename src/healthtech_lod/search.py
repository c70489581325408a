"""Search by name at /search: case and accents ignored.

"universite du luxembourg" finds "Université du Luxembourg". SPARQL has no
accent folding, and scanning every label per search does not scale, so the
names (rdfs:label, skos:prefLabel, skos:altLabel, schema:name, schema:alternateName,
dcterms:title, in every language) are folded once per dataset version into an index: a SQLite
file with an FTS5 trigram index over the folded names, written next to the
store and opened read-only. A search looks up its words (three letters or more)
in the trigram index, so it costs about the same at 10 M triples as at 100 k;
words of one or two letters only narrow those hits (alone, they scan the names).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, abort, current_app, json, render_template, request

from .media_types import BY_KEY
from .name_index import INDEX_FILE, TYPE, NameIndex
from .negotiation import negotiate
from .opening import get_store
from .pages import href, label
from .store import DatasetStore

EXTENSION = "healthtech_lod.search"
#: Longest query text accepted, in characters.
MAX_QUERY = 200

bp = Blueprint("search", __name__)


@dataclass(frozen=True)
class Hit:
    """One entity found: its label, link, kinds and the name that matched."""

    label: str
    href: str | None
    iri: str
    kinds: tuple[str, ...]
    matched: str


def index_for(store: DatasetStore) -> NameIndex:
    """The name index of the store's build."""
    if store.folder is None:
        raise ValueError("the name index is made by a build (healthtech-lod build)")
    return NameIndex(store.folder / INDEX_FILE)


def init_app(app: Flask, store: DatasetStore) -> None:
    """Open the build's name index (written once per dataset version)."""
    app.extensions[EXTENSION] = index_for(store)


@bp.get("/search")
def search() -> Response | str:
    """The entities whose name contains the words of ``q``, as an HTML page or JSON.
    Aborts 400 for a query text over MAX_QUERY characters, 406."""
    media_type = negotiate(("html", "json"))
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        abort(400, f"The search text is {len(text)} characters long; the limit is {MAX_QUERY}.")
    index: NameIndex = current_app.extensions[EXTENSION]
    total, found = index.find(text)
    store = get_store()
    hits = [_hit(store, iri, matched) for iri, matched in found]
    if media_type.key == "json":
        body = {
            "query": text,
            "total": total,
            "results": [
                {"id": h.iri, "label": h.label, "types": list(h.kinds), "matched": h.matched}
                for h in hits
            ],
        }
        return Response(json.dumps(body), mimetype=BY_KEY["json"].mimetype)
    return render_template("search.html", query=text, hits=hits, total=total)


def _hit(store: DatasetStore, iri: str, matched: str) -> Hit:
    node = ox.NamedNode(iri)
    kinds = tuple(
        sorted(
            label(store, q.object)
            for q in store.statements(node, TYPE)
            if isinstance(q.object, ox.NamedNode)
        )
    )
    return Hit(label(store, node), href(iri), iri, kinds, matched)
