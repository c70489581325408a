"""Browsing for people: /browse lists the classes with their counts, /browse/{class}
the entities of one class, a page at a time, in the order of their names.

A class is named by its prefixed name (``schema:Organization``, ``lht:Hospital``).
Counts come from the statistics computed once at start; the entities of a page
are one SPARQL query with LIMIT and OFFSET, so a page costs the same whatever the
size of the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, json, render_template, request, url_for

from .cache import REPLAYABLE
from .description import get_statistics
from .echo import quote
from .media_types import BY_KEY
from .namespaces import PREFIXES
from .negotiation import language, negotiate
from .opening import get_store
from .pages import Value, curie, href, label, link

#: Entities listed per page of a class.
PAGE_SIZE = 100
#: The vocabularies' own kinds (owl:Class, sh:NodeShape...): listed on /def, not here.
META = tuple(PREFIXES[p] for p in ("owl", "rdfs", "rdf", "sh"))

bp = Blueprint("browse", __name__)

# Ordered by name, a name in the page's language before names in other languages,
# entities without a name last. (Kept simple for other engines: Virtuoso's optimiser
# fails on an IF inside an aggregate.)
MEMBERS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?class ?lang ?entity ?key WHERE {
  {
    SELECT ?class ?lang ?entity (MIN(?sortable) AS ?key) WHERE {
      ?entity a ?class . FILTER (isIRI(?entity))
      OPTIONAL { ?entity rdfs:label|skos:prefLabel|schema:name|dcterms:title ?name }
      BIND (CONCAT(IF(LANGMATCHES(LANG(?name), ?lang), "0", "1"), LCASE(STR(?name))) AS ?sortable)
    } GROUP BY ?class ?lang ?entity
  }
} ORDER BY (IF(STRLEN(COALESCE(?key, "")) > 0, ?key, CONCAT("2", STR(?entity)))) ?entity
"""


@dataclass(frozen=True)
class ClassEntry:
    """One class of the data: its link in the browser and its number of entities."""

    name: Value
    curie: str
    href: str
    entities: int


@dataclass(frozen=True)
class ClassPage:
    """One page of the entities of a class."""

    name: Value
    curie: str
    total: int
    entities: tuple[Value, ...]
    page: int
    pages: int
    previous: str | None
    next: str | None


def classes() -> tuple[ClassEntry, ...]:
    """Every class that has entities, by label."""
    store = get_store()
    found = [
        ClassEntry(
            link(store, ox.NamedNode(c.iri)),
            curie(c.iri),
            url_for("browse.members", name=curie(c.iri)),
            c.entities,
        )
        for c in get_statistics().classes
        if curie(c.iri) != c.iri and not c.iri.startswith(META)
    ]
    return tuple(sorted(found, key=lambda c: c.name.text.casefold()))


def resolve(name: str) -> ox.NamedNode | None:
    """The class IRI of a prefixed name, if the data has entities of that class."""
    prefix, _, local = name.partition(":")
    namespace = PREFIXES.get(prefix)
    if namespace is None or not local:
        return None
    iri = namespace + local
    if not any(c.iri == iri for c in get_statistics().classes):
        return None
    return ox.NamedNode(iri)


def class_page(iri: ox.NamedNode, page: int) -> ClassPage:
    """Page ``page`` (from 1) of the entities of class ``iri``."""
    store = get_store()
    total = next(c.entities for c in get_statistics().classes if c.iri == iri.value)
    pages = max(1, -(-total // PAGE_SIZE))
    offset = (page - 1) * PAGE_SIZE
    paged = f"{MEMBERS} LIMIT {PAGE_SIZE} OFFSET {offset}"
    bindings: dict[str, ox.NamedNode | ox.Literal] = {"class": iri, "lang": ox.Literal(language())}
    rows = store.select(paged, **bindings)
    name = curie(iri.value)

    def page_link(number: int) -> str | None:
        if not 1 <= number <= pages:
            return None
        arguments: dict[str, Any] = {"page": number} if number > 1 else {}
        return url_for("browse.members", name=name, **arguments)

    return ClassPage(
        name=Value(label(store, iri), href=href(iri.value), iri=iri.value),
        curie=name,
        total=total,
        entities=tuple(link(store, row["entity"]) for row in rows),
        page=page,
        pages=pages,
        previous=page_link(page - 1),
        next=page_link(page + 1),
    )


@bp.get("/browse")
def index() -> Response | str:
    """The classes of the data with their counts, as HTML or JSON. Aborts 406."""
    media_type = negotiate(("html", "json"))
    found = classes()
    request.environ[REPLAYABLE] = True  # the same for every request of this version
    if media_type.key == "json":
        body = [{"class": c.name.iri, "name": c.curie, "entities": c.entities} for c in found]
        return Response(json.dumps(body), mimetype=BY_KEY["json"].mimetype)
    return render_template("browse.html", classes=found)


@bp.get("/browse/<name>")
def members(name: str) -> Response | str:
    """One page of the entities of the class ``name`` (a prefixed name), as HTML or
    JSON. Aborts 404 for a class without entities or a page past the last, 400
    for a page that is not a positive number, 406."""
    media_type = negotiate(("html", "json"))
    iri = resolve(name)
    if iri is None:
        named = quote(name)
        abort(404, f"The data has no entities of a class named {named!r}; /browse lists them.")
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        abort(400, f"The page number must be a positive whole number, not {quote(raw)!r}.")
    page = class_page(iri, int(raw))
    if page.page > page.pages:
        abort(404, f"{page.curie} has {page.pages} page(s) of entities; there is no page {raw}.")
    request.environ[REPLAYABLE] = True  # the same for every request of this version
    if media_type.key == "json":
        body = {
            "class": iri.value,
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "entities": [{"id": v.iri, "label": v.text} for v in page.entities],
        }
        return Response(json.dumps(body), mimetype=BY_KEY["json"].mimetype)
    return render_template("class.html", page=page)
