"""The reconciliation service at /reconcile: the W3C Entity Reconciliation Service API 0.2.

A spreadsheet tool such as OpenRefine matches a column of names against the
dataset's entities (``queries=``), fetches their facts into new columns
(``extend=``), and asks for entities, types and properties as the user types
(``/reconcile/suggest/…``). Candidates are found and scored by ``matching.py``;
this module reads the requests, refuses bad ones (400, or 413 for a batch over
RECONCILE_MAX_QUERIES, never a 500) and writes the JSON the specification's
schemas describe. Entities are identified by their IRIs. Every response carries
CORS headers (the app's ``cors``); errors come as ``{"error": …}`` JSON, except on
the HTML preview and view routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from . import __version__
from .description import EXTENSION as STATISTICS
from .echo import quote
from .matching import (
    BY_IRI,
    META,
    PROPERTIES,
    Candidate,
    Constraint,
    EntityValue,
    Matcher,
    Property,
    Query,
    QueryValue,
    is_iri,
)
from .media_types import BY_KEY
from .name_index import NameIndex, fold
from .namespaces import DCTERMS, GRAPH, LHT, PREFIXES, RDF, SOURCE
from .opening import get_store
from .pages import DESCRIPTIONS, LABELS, curie, href, label, text
from .search import EXTENSION as NAME_INDEX
from .search import MAX_QUERY
from .security import FRAMEABLE_POLICY
from .statistics import Statistics
from .store import DatasetStore

EXTENSION = "healthtech_lod.reconcile"
SERVICE_NAME = "Luxembourg HealthTech linked data"
#: Candidates per query when the query names no limit, and at most.
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
#: Suggestions per suggest request.
SUGGESTIONS = 10
#: The size of the preview card, in pixels.
PREVIEW_WIDTH = 400
PREVIEW_HEIGHT = 200
#: Longest one-line description, in characters.
LINE = 160
QUERY_FIELDS = frozenset({"query", "type", "limit", "properties", "type_strict"})
#: The data extension setting that restricts values to what one source states.
SOURCE_SETTING = "source"

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")


@dataclass
class Service:
    """What the service needs that depends only on the dataset version: made once
    per app by ``init_app``."""

    matcher: Matcher
    #: The classes that have entities (their own or their subclasses').
    classes: tuple[str, ...]
    #: The source documents, which the data extension's ``source`` setting names.
    sources: tuple[str, ...]
    _used: dict[str, frozenset[str]] | None = field(default=None, repr=False)

    def properties_of(self, type_iri: str) -> list[Property]:
        """The properties that some entity of the type (or of a subclass) has."""
        if self._used is None:  # once per app, on first use: it scans the data
            self._used = _properties_used(self.matcher)
        classes = self.matcher.subclasses(type_iri)
        used = set().union(*(self._used.get(c, frozenset()) for c in classes))
        return [p for p in PROPERTIES if p.iri in used]


USED_BY = "SELECT DISTINCT ?class ?property WHERE { ?entity ?property ?value ; a ?class }"


def _properties_used(matcher: Matcher) -> dict[str, frozenset[str]]:
    """For each class, which of PROPERTIES its entities have."""
    found: dict[str, set[str]] = {}
    for prop in PROPERTIES:
        for row in matcher.store.select(USED_BY, property=ox.NamedNode(prop.iri)):
            found.setdefault(row["class"].value, set()).add(prop.iri)
    return {iri: frozenset(props) for iri, props in found.items()}


def init_app(app: Flask, store: DatasetStore) -> None:
    """Prepare the service over the build's name index and statistics (call after
    ``search.init_app`` and ``description.init_app``)."""
    index: NameIndex = app.extensions[NAME_INDEX]
    statistics: Statistics = app.extensions[STATISTICS]
    typed = [c.iri for c in statistics.classes if not c.iri.startswith(META)]
    matcher = Matcher(store, index.path, app.config["BASE_URI"] + "id/", typed)
    above = {s for c in typed for s in matcher.superclasses.get(c, ())}
    # Our vocabulary's classes first, as people look for them.
    classes = tuple(
        sorted(
            (c for c in above | set(typed) if not c.startswith(META)),
            key=lambda c: (not c.startswith(str(LHT)), c),
        )
    )
    app.extensions[EXTENSION] = Service(matcher, classes, statistics.sources)


def get_service() -> Service:
    service: Service = current_app.extensions[EXTENSION]
    return service


@bp.before_request
def _json_errors() -> None:
    """The API's errors come as JSON (the preview's and the view's as negotiated)."""
    if request.endpoint not in ("reconcile.preview", "reconcile.view"):
        g.media_type = BY_KEY["json"]


# --- the endpoint ---------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
def service() -> Response:
    """The manifest (GET without parameters), a batch of reconciliation queries
    (``queries=``) or a data extension query (``extend=``), by GET or POST. Aborts
    400 for bad JSON or a wrong shape, 413 for a batch over RECONCILE_MAX_QUERIES."""
    queries, extend = request.values.get("queries"), request.values.get("extend")
    if queries is not None and extend is not None:
        abort(400, "Send either queries= or extend=, not both.")
    if queries is not None:
        return _json(reconcile(_parse(queries, "queries")))
    if extend is not None:
        return _json(extension(_parse(extend, "extend")))
    if request.method == "POST":
        abort(400, "Send queries= (reconciliation queries) or extend= (data extension).")
    return _json(manifest())


def manifest() -> dict[str, Any]:
    """The service manifest: what the service offers and where."""
    base = current_app.config["BASE_URI"]
    root = url_for("reconcile.service", _external=True)
    store = get_store()
    return {
        "versions": ["0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": base + "id/",
        "schemaSpace": str(LHT),
        "documentation": url_for("description.home", _external=True),
        "serviceVersion": __version__,
        "batchSize": current_app.config["RECONCILE_MAX_QUERIES"],
        "defaultTypes": [
            {"id": c, "name": label(store, ox.NamedNode(c))}
            for c in get_service().classes
            if c.startswith(str(LHT))
        ],
        "view": {"url": url_for("reconcile.view", _external=True) + "?id={{id}}"},
        "preview": {
            "url": url_for("reconcile.preview", _external=True) + "?id={{id}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            kind: {"service_url": root, "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": root, "service_path": "/properties"},
            "property_settings": [
                {
                    "name": SOURCE_SETTING,
                    "label": "Source",
                    "type": "select",
                    "default": "",
                    "help_text": "Only the values that this source document states.",
                    "choices": [
                        {"value": "", "name": "any source"},
                        *(
                            {"value": s, "name": label(store, ox.NamedNode(s))}
                            for s in get_service().sources
                        ),
                    ],
                }
            ],
        },
    }


# --- reconciliation queries ------------------------------------------------------------


def reconcile(batch: Any) -> dict[str, Any]:
    """The result batch of a query batch (parsed JSON)."""
    if not isinstance(batch, dict) or not batch:
        abort(400, 'queries= must be a JSON object of queries, e.g. {"q0": {"query": "LIH"}}.')
    _within_cap(len(batch), "queries")
    queries = {key: _query(key, value) for key, value in batch.items()}
    results = get_service().matcher.reconcile(queries)
    return {key: {"result": [_candidate(c) for c in found]} for key, found in results.items()}


def _query(key: str, given: Any) -> Query:
    """One query of a batch, checked. Aborts 400 naming the query and the fault."""
    where = f"Query {quote(key)!r}"
    if not isinstance(given, dict):
        abort(400, f"{where} is not a JSON object.")
    unknown = sorted(set(given) - QUERY_FIELDS)
    if unknown:
        abort(400, f"{where} has unknown fields: {quote(', '.join(unknown))}.")
    text = given.get("query", "")
    if not isinstance(text, str):
        abort(400, f"{where}: query must be a string.")
    if len(text) > MAX_QUERY:
        abort(400, f"{where}: the query is {len(text)} characters; the limit is {MAX_QUERY}.")
    types = given.get("type", [])
    if isinstance(types, str):
        types = [types]
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        abort(400, f"{where}: type must be a type identifier or a list of them.")
    limit = given.get("limit", DEFAULT_LIMIT)
    whole = isinstance(limit, int) or (isinstance(limit, float) and limit.is_integer())
    if isinstance(limit, bool) or not whole:
        abort(400, f"{where}: limit must be a whole number.")
    if limit < 1:
        abort(400, f"{where}: limit must be at least 1.")
    strict = given.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        abort(400, f"{where}: type_strict must be any, should or all.")
    constraints = _constraints(where, given.get("properties", []))
    if not text.strip() and not constraints:
        abort(400, f"{where} needs a non-empty query or properties.")
    return Query(
        text=text,
        types=tuple(_type(where, t) for t in types),
        limit=min(int(limit), MAX_LIMIT),
        constraints=constraints,
    )


def _type(where: str, given: str) -> str:
    iri = _expand(given)
    if iri not in get_service().matcher.superclasses:
        abort(400, f"{where}: unknown type {quote(given)!r}; /reconcile/suggest/type lists them.")
    return iri


def _constraints(where: str, given: Any) -> tuple[Constraint, ...]:
    if not isinstance(given, list):
        abort(400, f"{where}: properties must be a list of {{'pid': …, 'v': …}}.")
    found = []
    for item in given:
        if not isinstance(item, dict) or not isinstance(item.get("pid"), str) or "v" not in item:
            abort(400, f"{where}: each property must be an object with pid (a string) and v.")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        found.append(Constraint(_property(item["pid"]), tuple(_value(where, v) for v in values)))
    return tuple(found)


def _value(where: str, given: Any) -> QueryValue:
    if isinstance(given, str | int | float | bool):
        return given
    if isinstance(given, dict) and isinstance(given.get("id"), str):
        name = given.get("name")
        return EntityValue(_expand(given["id"]), name if isinstance(name, str) else None)
    abort(400, f"{where}: a property value is a string, number, boolean or {{'id': …}}.")


def _candidate(found: Candidate) -> dict[str, Any]:
    store = get_store()
    node = ox.NamedNode(found.iri)
    body: dict[str, Any] = {"id": found.iri, "name": label(store, node)}
    description = _line(store, node)
    if description:
        body["description"] = description
    body["type"] = [
        {"id": t, "name": label(store, ox.NamedNode(t))}
        for t in get_service().matcher.types(found.iri)
    ]
    body["score"] = found.score
    body["match"] = found.match
    body["features"] = [{"id": name, "value": value} for name, value in found.features]
    return body


# --- data extension -----------------------------------------------------------------------


def extension(query: Any) -> dict[str, Any]:
    """The values of some properties for some entities: ``{"ids": [...], "properties":
    [{"id": ..., "settings": {"source": ...}}]}``."""
    if not isinstance(query, dict) or set(query) - {"ids", "properties"}:
        abort(400, 'extend= must be a JSON object {"ids": [...], "properties": [{"id": ...}]}.')
    ids, wanted = query.get("ids"), query.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        abort(400, "extend=: ids must be a list of entity identifiers.")
    if not isinstance(wanted, list) or not all(
        isinstance(p, dict) and isinstance(p.get("id"), str) for p in wanted
    ):
        abort(400, 'extend=: properties must be a list of {"id": …}.')
    _within_cap(len(ids), "ids")
    columns = [(p["id"], _property(p["id"]), _source(p.get("settings"))) for p in wanted]
    store = get_store()
    rows = {
        iri: {
            column: _values(store, iri, prop, graph) if is_iri(iri) else []
            for column, prop, graph in columns
        }
        for iri in ids
    }
    meta = [{"id": column, "name": prop.name} for column, prop, _ in columns]
    return {"meta": meta, "rows": rows}


def _source(settings: Any) -> str | None:
    """The named graph of the source a column's settings name; None for any source."""
    if settings is None:
        return None
    if not isinstance(settings, dict):
        abort(400, "extend=: settings must be a JSON object.")
    chosen = settings.get(SOURCE_SETTING, "")
    if chosen in ("", None):
        return None
    if not isinstance(chosen, str) or _expand(chosen) not in get_service().sources:
        abort(400, f"extend=: unknown source {quote(chosen)!r}; the manifest lists them.")
    return str(GRAPH) + _expand(chosen).removeprefix(str(SOURCE))


def _values(store: DatasetStore, iri: str, prop: Property, graph: str | None) -> list[dict]:
    """One cell: the values as the specification writes them."""
    cell: list[dict[str, Any]] = []
    for value in get_service().matcher.values(iri, prop, graph):
        if value is None:
            continue
        if prop.kind == "year":
            cell.append({"int": value})
        elif prop.iri == str(RDF.type):
            # Classes are outside the identifier space: given by name.
            cell.append({"str": label(store, ox.NamedNode(str(value)))})
        elif prop.kind in ("entity", "place", "concept"):
            cell.append({"id": value, "name": label(store, ox.NamedNode(str(value)))})
        else:
            cell.append({"str": str(value)})
    return cell


@bp.get("/properties")
def properties() -> Response:
    """Data extension property proposals: the properties that entities of ``type``
    have. Aborts 400 without a known type or with a bad limit."""
    given = request.args.get("type")
    if not given:
        abort(400, "Give the type whose properties to propose: ?type=IRI.")
    iri = _type("The proposal", given)
    found = get_service().properties_of(iri)
    body: dict[str, Any] = {"type": given}
    if "limit" in request.args:
        limit = _count("limit", minimum=1)
        found = found[:limit]
        body["limit"] = limit
    body["properties"] = [_property_json(p) for p in found]
    return _json(body)


# --- suggest ---------------------------------------------------------------------------------


@bp.get("/suggest/entity")
def suggest_entity() -> Response:
    """Entities whose names contain the words of ``prefix``, names starting with it
    first; ``cursor`` skips that many. Aborts 400 without a prefix."""
    prefix, cursor = _prefix(), _count("cursor", minimum=0)
    service, store = get_service(), get_store()
    space = service.matcher.space
    index: NameIndex = current_app.extensions[NAME_INDEX]
    found: dict[str, None] = {}
    if prefix.strip().startswith(space) and store.has_subject(ox.NamedNode(prefix.strip())):
        found[prefix.strip()] = None
    _, hits = index.find(prefix, limit=(cursor + SUGGESTIONS) * 4)
    found.update((iri, None) for iri, _ in hits if iri.startswith(space))
    result = []
    for iri in list(found)[cursor : cursor + SUGGESTIONS]:
        node = ox.NamedNode(iri)
        item: dict[str, Any] = {"id": iri, "name": label(store, node)}
        description = _line(store, node)
        if description:
            item["description"] = description
        item["notable"] = [
            {"id": t, "name": label(store, ox.NamedNode(t))} for t in service.matcher.types(iri)
        ]
        result.append(item)
    return _json({"result": result})


@bp.get("/suggest/type")
def suggest_type() -> Response:
    """The classes that have entities, whose name or identifier a word of which starts
    with ``prefix``. Aborts 400 without a prefix."""
    wanted, cursor = fold(_prefix()), _count("cursor", minimum=0)
    service, store = get_service(), get_store()
    found = [c for c in service.classes if _starts(wanted, [c, curie(c), *_names(store, c)])]
    result = []
    for iri in found[cursor : cursor + SUGGESTIONS]:
        item: dict[str, Any] = {"id": iri, "name": label(store, ox.NamedNode(iri))}
        description = _line(store, ox.NamedNode(iri))
        if description:
            item["description"] = description
        broader = sorted(service.matcher.superclasses.get(iri, frozenset()) - {iri})
        item["broader"] = [{"id": b, "name": label(store, ox.NamedNode(b))} for b in broader]
        result.append(item)
    return _json({"result": result})


@bp.get("/suggest/property")
def suggest_property() -> Response:
    """The properties a query may constrain or an extension fetch, whose name or
    identifier starts with ``prefix``. Aborts 400 without a prefix."""
    wanted, cursor = fold(_prefix()), _count("cursor", minimum=0)
    found = [p for p in PROPERTIES if _starts(wanted, [p.iri, curie(p.iri), p.name])]
    return _json({"result": [_property_json(p) for p in found[cursor : cursor + SUGGESTIONS]]})


# --- preview and view ----------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """The preview of one entity: its name, kinds, a line about it and its sources."""

    label: str
    href: str | None
    kinds: tuple[str, ...]
    line: str | None
    sources: tuple[tuple[str, str | None], ...]


@bp.get("/preview")
def preview() -> Response:
    """A small HTML card about entity ``id``, for a frame in another site (OpenRefine).
    Aborts 400 without an id, 404 for an unknown one."""
    node = _entity()
    store = get_store()
    sources = sorted(
        {
            q.object.value
            for q in store.store.quads_for_pattern(node, ox.NamedNode(str(DCTERMS.source)), None)
            if isinstance(q.object, ox.NamedNode)
        }
    )
    card = Card(
        label=label(store, node),
        href=href(node.value),
        kinds=tuple(label(store, ox.NamedNode(t)) for t in get_service().matcher.types(node.value)),
        line=_line(store, node),
        sources=tuple((label(store, ox.NamedNode(s)), href(s)) for s in sources),
    )
    response = Response(
        render_template("preview.html", card=card), mimetype=BY_KEY["html"].mimetype
    )
    response.headers["Content-Security-Policy"] = FRAMEABLE_POLICY
    return response


@bp.get("/view")
def view() -> WerkzeugResponse:
    """303 to the page of entity ``id`` on this host (the manifest's view template).
    Aborts 400 without an id, 404 for an unknown one."""
    target = href(_entity().value)
    if target is None:  # an entity IRI of BASE_URI that is not http(s)
        abort(404, "This entity has no page to show.")
    return redirect(target, 303)


# --- helpers -----------------------------------------------------------------------------------


def _parse(raw: str, name: str) -> Any:
    """The JSON of parameter ``name``. Aborts 400 when it is not JSON."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as err:
        abort(400, f"{name}= is not valid JSON: {err}.")


def _within_cap(count: int, what: str) -> None:
    cap = current_app.config["RECONCILE_MAX_QUERIES"]
    if count > cap:
        abort(413, f"The batch has {count} {what}; at most {cap} are accepted in one request.")


def _property(given: str) -> Property:
    found = BY_IRI.get(_expand(given))
    if found is None:
        abort(400, f"Unknown property {quote(given)!r}; /reconcile/suggest/property lists them.")
    return found


def _property_json(prop: Property) -> dict[str, str]:
    return {"id": prop.iri, "name": prop.name, "description": prop.description}


def _expand(given: str) -> str:
    """A prefixed name (``lht:Company``) as an IRI; anything else as it is."""
    prefix, colon, local = given.strip().partition(":")
    if colon and not local.startswith("//") and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return given.strip()


def _entity() -> ox.NamedNode:
    """The entity named by ``id``. Aborts 400 without one, 404 if nothing describes it."""
    given = request.args.get("id", "").strip()
    if not given:
        abort(400, "Give the entity: ?id=IRI.")
    space = get_service().matcher.space
    if not given.startswith(space) or not is_iri(given):
        abort(404, f"<{quote(given)}> is not an entity of this dataset (they start with {space}).")
    node = ox.NamedNode(given)
    if not get_store().has_subject(node):
        abort(404, f"Nothing is known about <{quote(given)}>.")
    return node


def _prefix() -> str:
    given = request.args.get("prefix")
    if given is None:
        abort(400, "Give the text typed so far: ?prefix=….")
    if len(given) > MAX_QUERY:
        abort(400, f"The prefix is {len(given)} characters long; the limit is {MAX_QUERY}.")
    return given


def _count(name: str, minimum: int) -> int:
    given = request.args.get(name, str(minimum))
    if not re.fullmatch(r"[0-9]{1,9}", given) or int(given) < minimum:
        abort(400, f"{name} must be a whole number of at least {minimum}.")
    return int(given)


def _starts(wanted: str, names: Iterable[str]) -> bool:
    """Whether a word of one of ``names`` (folded) starts with ``wanted``."""
    if not wanted.strip():
        return True
    return any(
        f.startswith(wanted) or f" {wanted}" in f or f":{wanted}" in f or f"#{wanted}" in f
        for f in (fold(n) for n in names)
    )


def _names(store: DatasetStore, iri: str) -> list[str]:
    return [
        q.object.value
        for predicate in LABELS
        for q in store.store.quads_for_pattern(ox.NamedNode(iri), predicate, None)
        if isinstance(q.object, ox.Literal)
    ]


def _line(store: DatasetStore, node: ox.NamedNode) -> str | None:
    """The first sentence of its description, cut to LINE characters."""
    found = text(store, node, DESCRIPTIONS)
    if not found:
        return None
    first = re.split(r"(?<=[.!?])\s", found.strip(), maxsplit=1)[0]
    if len(first) <= LINE:
        return first
    return first[: LINE - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _json(body: Mapping[str, Any]) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), mimetype=BY_KEY["json"].mimetype)
