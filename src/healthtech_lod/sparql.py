"""The SPARQL 1.1 Protocol (queries only) at /sparql and the read side of the Graph
Store Protocol at /rdf-graphs.

One handler serves GET, POST form and POST ``application/sparql-query``. The kind
of result decides the formats offered: SELECT and ASK answer SPARQL JSON, XML,
CSV or TSV; CONSTRUCT and DESCRIBE answer RDF. Without a query, /sparql answers
its service description, or a query form for a browser. Only a query that does
not parse is the client's fault (400); anything else that fails is a 500.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from .description import serialize_graph, service_graph
from .executor import federation_refusal
from .negotiation import BY_KEY, GRAPH_OFFERS, RESULT_OFFERS, best, negotiate
from .pages import examples, results_table
from .responses import cacheable, serialize
from .store import get_store

SERVICE_OFFERS = ("turtle", "jsonld", "ntriples", "rdfxml", "html")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
READ_ONLY = "This SPARQL service is read-only: updates are refused and nothing was changed."

# What precedes the first keyword of a request: comments, BASE and PREFIX declarations.
_PROLOGUE = r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*"
_UPDATE = re.compile(
    _PROLOGUE + r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE
)
bp = Blueprint("sparql", __name__)


@dataclass(frozen=True)
class QueryRequest:
    """A query and the protocol's dataset parameters."""

    text: str
    default_graphs: list[ox.NamedNode] | None
    named_graphs: list[ox.NamedNode] | None


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    """Answer a query; without one, the service description or the query form.

    A client preferring HTML (a browser) gets the query page with the results as
    a table, or with the parser's message next to the query (status 400).
    """
    query = query_from_request()
    if query is None:
        return _service_description()
    if best((*RESULT_OFFERS, "html"), request.values.get("format")) == BY_KEY["html"]:
        return _results_page(query)
    results = evaluate(query)
    if isinstance(results, ox.QueryTriples):
        media_type = negotiate(GRAPH_OFFERS)
        return Response(serialize(list(results), media_type), mimetype=media_type.mimetype)
    media_type = negotiate(RESULT_OFFERS)
    assert media_type.results is not None
    return Response(results.serialize(format=media_type.results), mimetype=media_type.mimetype)


def _results_page(query: QueryRequest) -> tuple[str, int]:
    """The query page holding the results as a table, or the query's error (400)."""
    negotiate((*RESULT_OFFERS, "html"))  # records the choice: Vary, error format
    table, error = None, None
    try:
        table = results_table(evaluate(query), current_app.config["HTML_MAX_ROWS"])
    except BadRequest as err:
        error = err.description
    downloads = {
        name: url_for("sparql.endpoint", query=query.text, format=name, _external=True)
        for name in ("csv", "json")
    }
    page = render_template(
        "sparql.html",
        example=query.text,
        table=table,
        error=error,
        downloads=downloads,
        gallery=examples(get_store()),
    )
    return page, 400 if error else 200


def query_from_request() -> QueryRequest | None:
    """The query of a GET, a POST form or a POST ``application/sparql-query``; None
    for a GET without one. Aborts 400 (an update, several or empty queries, a
    bad graph IRI, a query too long or using SERVICE), 415 (another body)."""
    params = request.values
    if "update" in params:
        abort(400, READ_ONLY)
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == "application/sparql-update":
            abort(400, READ_ONLY)
        if mimetype == "application/sparql-query":
            texts = [request.get_data(as_text=True)]
        elif mimetype in FORM_TYPES:
            texts = params.getlist("query")
        else:
            abort(415, "POST a form with query=… or an application/sparql-query body.")
    else:
        texts = params.getlist("query")
        if not texts:
            return None
    if len(texts) != 1:
        abort(400, "Give exactly one query.")
    return QueryRequest(
        _checked(texts[0]),
        _graphs(params, "default-graph-uri"),
        _graphs(params, "named-graph-uri"),
    )


def evaluate(query: QueryRequest) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run the query. Aborts 400 when it does not parse (with the parser's message
    and position) or is an update."""
    try:
        return get_store().query(query.text, query.default_graphs, query.named_graphs)
    except SyntaxError as err:
        if _UPDATE.match(query.text):
            abort(400, READ_ONLY)
        abort(400, f"The query does not parse: {err.msg}")


def _checked(text: str) -> str:
    """Aborts 400 for an empty or too long query, or one calling a SERVICE endpoint
    that is not in SERVICE_ALLOWED_ENDPOINTS."""
    if not text.strip():
        abort(400, "The query is empty.")
    limit = current_app.config["MAX_QUERY_LENGTH"]
    if len(text) > limit:
        abort(400, f"The query is {len(text)} characters long; the limit is {limit}.")
    refusal = federation_refusal(text, frozenset(current_app.config["SERVICE_ALLOWED_ENDPOINTS"]))
    if refusal is not None:
        abort(400, refusal)
    return text


def _graphs(params: MultiDict[str, str], name: str) -> list[ox.NamedNode] | None:
    """The IRIs given as ``name``, or None. Aborts 400 for an invalid IRI."""
    values = params.getlist(name)
    if not values:
        return None
    try:
        return [ox.NamedNode(value) for value in values]
    except ValueError as err:
        abort(400, f"{name} is not a valid IRI: {err}")


def _service_description() -> Response | str:
    media_type = negotiate(SERVICE_OFFERS)
    if media_type.key == "html":
        return render_template("sparql.html", example=EXAMPLE, gallery=examples(get_store()))
    body = serialize_graph(service_graph(), media_type)
    return cacheable(Response(body, mimetype=media_type.mimetype), media_type)


EXAMPLE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class (COUNT(?thing) AS ?things) ?label WHERE {
  ?thing a ?class .
  OPTIONAL { ?class rdfs:label ?label FILTER (lang(?label) = "en") }
}
GROUP BY ?class ?label
ORDER BY DESC(?things)
LIMIT 20"""


@bp.get("/rdf-graphs")
def graphs() -> Response:
    """One named graph (``?graph=IRI``) or the default graph (``?default``, the union
    of all graphs) in an RDF format. Aborts 400 without either parameter or with an
    invalid IRI, 404 for a graph that does not exist, 406."""
    media_type = negotiate(GRAPH_OFFERS)
    store = get_store()
    if "graph" in request.args:
        name = _graphs(request.args, "graph")
        assert name is not None
        if not store.has_graph(name[0]):
            abort(404, f"There is no named graph <{name[0].value}>.")
        statements: list[ox.Quad] | list[ox.Triple] = store.graph_quads(name[0])
    elif "default" in request.args:
        statements = store.union()
    else:
        abort(400, "Ask for ?graph=IRI (a named graph) or ?default (the union of all graphs).")
    return cacheable(
        Response(serialize(statements, media_type), mimetype=media_type.mimetype), media_type
    )
