"""The SPARQL 1.1 Protocol (queries only) at /sparql and the read side of the Graph
Store Protocol at /rdf-graphs.

One handler serves GET, POST form and POST ``application/sparql-query``. Queries
run in the app's ``QueryExecutor``: worker processes that can be killed, so a
query past its time limit is stopped (503) while other requests go on. The
format is negotiated before the query runs, one for each kind of answer: SELECT
and ASK answer SPARQL JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE answer RDF.
Without a query, /sparql answers its service description, or a query form for
a browser.

CSV answers are SPARQL 1.1 CSV, each value as it is, even one a spreadsheet would
run as a formula (``=HYPERLINK(…)``). ``spreadsheet=true`` (the results page's CSV
link) asks for a CSV to open in a spreadsheet instead: such values get a leading
``'`` and the answer comes as the attachment ``results.csv`` (docs/http.md).

Limits, all in the configuration and the service description: the query's
length (413), the time (QUERY_TIMEOUT, or shorter with ``timeout=``; 503), the
rows and bytes of an answer (MAX_RESULT_ROWS, MAX_ANSWER_BYTES; a cut answer
says so in ``SPARQL-Results-Truncated``), the memory of a query worker
(QUERY_WORKER_MEMORY; 503), the queries running at once per process
(QUERY_WORKERS; beyond them 503 with ``Retry-After``), the queries per client
and minute (RATE_LIMIT; 429 with ``Retry-After``) and the queries one client has
running at once (MAX_QUERIES_PER_CLIENT; 429 with ``Retry-After``).

The query worker writes the answer in its final format (JSON-LD compacted
included) under the query's time limit; this process only sends those bytes, and
its cache keeps them.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import (
    BadRequest,
    NotAcceptable,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from .cache import digest, get_cache
from .description import serialize_graph, service_graph
from .echo import quote
from .executor import QueryExecutor
from .federation import federation_refusal, nesting_refusal
from .limits import check_rate, release_query_slot, take_query_slot
from .media_types import BY_KEY, GRAPH_OFFERS, RESULT_OFFERS, offered
from .namespaces import BASE
from .negotiation import best, jsonld_profile, negotiate
from .opening import get_store
from .operations import note_query, query_digest
from .pages import examples, results_table
from .queries import (
    ExecutorBusy,
    ExecutorClosedError,
    FormatUnavailableError,
    FormatUnwritableError,
    JsonLd,
    Kind,
    QueryMemoryError,
    QueryOutcome,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreSpec,
    WorkerError,
)
from .rdf import Statement
from .remote import RemoteExecutor, RemoteStore
from .responses import cacheable, described, entity_base, serialize
from .store import DatasetStore

ENDPOINT_IRI = BASE + "sparql"
"""The endpoint's public IRI: the base of a query's relative IRIs (RFC 3986 §5.1.3, the
query's retrieval URI), so ``<id/voicemed>`` names ``https://w3id.org/lu-healthtech/id/voicemed``."""

SERVICE_OFFERS = ("turtle", "jsonld", "ntriples", "rdfxml", "html")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
READ_ONLY = "This SPARQL service is read-only: updates are refused and nothing was changed."
EXECUTOR = "healthtech_lod.executor"
#: The executor's names of the SPARQL results formats, by media type key.
RESULT_NAMES = {key: BY_KEY[key].names[0] for key in RESULT_OFFERS}
#: Header of an answer cut at MAX_RESULT_ROWS (or of the HTML table's limit):
#: ``rows=N``; or at MAX_ANSWER_BYTES: ``bytes=N`` (N the limit).
TRUNCATED = "SPARQL-Results-Truncated"
#: Bytes of the answer a results page reads back at most: Oxigraph's JSON and N-Triples
#: parsers refuse a value over 16 MiB, which an answer this size cannot hold.
PAGE_MAX_BYTES = 16 * 1024 * 1024
#: Seconds a client is told to wait when every query worker is busy.
BUSY_RETRY_AFTER = 2
#: What a spreadsheet takes for the start of a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

bp = Blueprint("sparql", __name__)


@dataclass(frozen=True)
class QueryRequest:
    """A query, the protocol's dataset parameters and the time limit asked for."""

    text: str
    default_graphs: list[ox.NamedNode] | None
    named_graphs: list[ox.NamedNode] | None
    timeout: float


def init_app(app: Flask, store: DatasetStore) -> None:
    """Give the app its query executor (its worker processes start on first use, in
    each process that uses it)."""
    allowed = app.config["SERVICE_ALLOWED_ENDPOINTS"]
    if isinstance(store.store, RemoteStore):
        app.extensions[EXECUTOR] = RemoteExecutor(store.store, frozenset(allowed))
        return
    spec = StoreSpec(path=store.path) if store.path else StoreSpec(root=store.root)
    app.extensions[EXECUTOR] = QueryExecutor(
        spec,
        workers=app.config["QUERY_WORKERS"],
        queue_timeout=app.config["QUERY_QUEUE_TIMEOUT"],
        allowed_service_endpoints=allowed,
        max_nesting=app.config["MAX_QUERY_NESTING"],
        memory_limit=app.config["QUERY_WORKER_MEMORY"],
        recycle_rss=app.config["QUERY_WORKER_MAX_RSS"],
    )


def get_executor() -> QueryExecutor | RemoteExecutor:
    executor: QueryExecutor | RemoteExecutor = current_app.extensions[EXECUTOR]
    return executor


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str | tuple[str, int]:
    """Answer a query; without one, the service description or the query form.

    A client preferring HTML (a browser) gets the query page with the results as
    a table, or with the parser's message next to the query (status 400).
    """
    query = query_from_request()
    if query is None:
        return _service_description()
    override = request.values.get("format")
    if best((*RESULT_OFFERS, "html"), override) == BY_KEY["html"]:
        return _results_page(query)
    chosen = {"select": best(RESULT_OFFERS, override), "graph": best(GRAPH_OFFERS, override)}
    g.negotiated = True
    g.media_type = chosen["select"] or chosen["graph"]
    if g.media_type is None:
        negotiate((*RESULT_OFFERS, *GRAPH_OFFERS))  # aborts 406, naming the offers
    formats: dict[Kind, str] = {}
    if chosen["select"] is not None:
        formats["select"] = formats["ask"] = RESULT_NAMES[chosen["select"].key]
    jsonld = None
    if chosen["graph"] is not None:
        formats["graph"] = chosen["graph"].key  # the executor's name of the RDF format
        if chosen["graph"].key == "jsonld":
            context_url = url_for("vocabulary.context", _external=True)
            jsonld = JsonLd(entity_base(), context_url, jsonld_profile())
    max_rows, max_bytes = (
        current_app.config["MAX_RESULT_ROWS"],
        current_app.config["MAX_ANSWER_BYTES"],
    )
    spreadsheet = request.values.get("spreadsheet", "").lower() in ("true", "1")
    etag = digest((answer_key(query, formats, max_rows, max_bytes, jsonld), spreadsheet))
    if request.if_none_match.contains_weak(etag):
        note_query(chars=len(query.text), digest=query_digest(query.text), not_modified=True)
        return _answer(Response(status=304), etag)
    outcome = run(query, formats, max_rows, max_bytes, jsonld)
    media_type = chosen["graph"] if outcome.kind == "graph" else chosen["select"]
    assert media_type is not None
    g.media_type = media_type
    body = outcome.body
    if spreadsheet and media_type.key == "csv":
        body = spreadsheet_csv(body)
    response = Response(body, mimetype=media_type.mimetype)
    if spreadsheet and media_type.key == "csv":
        response.headers["Content-Disposition"] = 'attachment; filename="results.csv"'
    if outcome.cut_by == "bytes":
        response.headers[TRUNCATED] = f"bytes={max_bytes}"
    elif outcome.truncated:
        response.headers[TRUNCATED] = f"rows={outcome.count}"
    return _answer(response, etag)


def _answer(response: Response, etag: str) -> Response:
    """An answer that stays right until the dataset's version changes: a weak
    ETag (a conditional GET gets 304 without running the query) and caching."""
    response.set_etag(etag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    return response


def answer_key(
    query: QueryRequest,
    formats: Mapping[Kind, str],
    max_rows: int,
    max_bytes: int,
    jsonld: JsonLd | None = None,
) -> tuple[object, ...]:
    """What an answer depends on: the dataset version, the query and its dataset,
    the formats (JSON-LD's form, context and base included), the row and byte
    limits (the time limit only decides whether it comes)."""
    return (
        get_store().version.digest,
        query.text,
        tuple(_iris(query.default_graphs) or ()) if query.default_graphs is not None else None,
        tuple(_iris(query.named_graphs) or ()) if query.named_graphs is not None else None,
        tuple(sorted(formats.items())),
        jsonld,
        max_rows,
        max_bytes,
    )


def run(
    query: QueryRequest,
    formats: Mapping[Kind, str],
    max_rows: int,
    max_bytes: int,
    jsonld: JsonLd | None = None,
) -> QueryOutcome:
    """The query's answer, in its final format, from the cache, else from a query
    worker. Either counts against the client's rate limit (429); a client may have
    MAX_QUERIES_PER_CLIENT queries running at once (429 beyond). Aborts 400 when it
    does not parse (with the parser's message and position), is an update or calls a
    SERVICE not allowed; 406 when no format was negotiated for its kind of answer, or
    the answer cannot be written in it; 503 past its time or memory limit or when
    every query worker stays busy."""
    note_query(chars=len(query.text), digest=query_digest(query.text), timeout=query.timeout)
    started = time.perf_counter()
    cache, key = get_cache(), answer_key(query, formats, max_rows, max_bytes, jsonld)
    check_rate("sparql")
    cached = cache.get(key)
    if cached is not None:
        note_query(kind=cached.kind, rows=cached.count, truncated=cached.truncated, cached=True)
        note_query(ms=round((time.perf_counter() - started) * 1000, 2))
        return cached
    client = take_query_slot()
    try:
        outcome = get_executor().execute(
            query.text,
            result_format=dict(formats),
            use_default_graph_as_union=False,  # the store's default graph is the union
            default_graph=_iris(query.default_graphs),
            named_graphs=_iris(query.named_graphs),
            timeout=query.timeout,
            max_rows=max_rows,
            base_iri=ENDPOINT_IRI,
            max_bytes=max_bytes,
            jsonld=jsonld,
        )
        note_query(kind=outcome.kind, rows=outcome.count, truncated=outcome.truncated)
        if outcome.cut_by == "bytes":
            note_query(cut_by="bytes", bytes=len(outcome.body))
        cache.put(key, outcome)
        return outcome
    except QuerySyntaxError as err:
        where = f"{err.line}:{err.column}: " if err.line is not None else ""
        abort(400, f"The query does not parse: {where}{err.message}.")
    except QueryRefused as err:
        abort(400, str(err))
    except FormatUnavailableError as err:
        names = {"select": RESULT_OFFERS, "ask": RESULT_OFFERS, "graph": GRAPH_OFFERS}
        abort(406, f"This query gives {err.kind} results: {offered(names[err.kind])}.")
    except FormatUnwritableError as err:  # RDF/XML cannot write rdf:li as a predicate…
        others = [key for key in GRAPH_OFFERS if key != err.result_format]
        abort(
            406,
            f"This answer cannot be written as {BY_KEY[err.result_format].label} "
            f"({err.message}). Ask for another format: {offered(others)}.",
        )
    except (QueryTimeout, QueryMemoryError) as err:
        raise ServiceUnavailable(str(err)) from err
    except ExecutorBusy as err:
        message = f"{err} Every query worker is busy; retry in {BUSY_RETRY_AFTER} seconds."
        raise ServiceUnavailable(message, retry_after=BUSY_RETRY_AFTER) from err
    except (WorkerError, ExecutorClosedError) as err:
        current_app.logger.error("query workers unavailable: %s", err)
        message = "The query service is restarting its workers; retry in a moment."
        raise ServiceUnavailable(message, retry_after=BUSY_RETRY_AFTER) from err
    finally:
        release_query_slot(client)
        note_query(ms=round((time.perf_counter() - started) * 1000, 2))


def _iris(graphs: list[ox.NamedNode] | None) -> list[str] | None:
    return None if graphs is None else [graph.value for graph in graphs]


def spreadsheet_csv(body: bytes) -> bytes:
    """A SPARQL CSV answer to open in a spreadsheet: each value a spreadsheet would take
    for a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    and is not a number) gets a leading ``'``, which makes it text (OWASP's advice)."""
    rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    written = io.StringIO()
    writer = csv.writer(written, lineterminator="\r\n")
    for row in rows:
        writer.writerow("'" + value if _formula(value) else value for value in row)
    return written.getvalue().encode("utf-8")


def _formula(value: str) -> bool:
    return value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value)


def _results_page(query: QueryRequest) -> tuple[str, int]:
    """The query page holding the results as a table, or the query's error (400,
    406, or 503 past the time limit) next to the query."""
    negotiate((*RESULT_OFFERS, "html"))  # records the choice: Vary, error format
    table, error, status = None, None, 200
    limit = current_app.config["HTML_MAX_ROWS"]
    max_bytes = min(current_app.config["MAX_ANSWER_BYTES"], PAGE_MAX_BYTES)
    formats: dict[Kind, str] = {"select": "json", "ask": "json", "graph": "ntriples"}
    try:
        outcome = run(query, formats, limit, max_bytes)
        table = results_table(_parsed(outcome), limit, outcome.truncated)
    except (BadRequest, NotAcceptable, ServiceUnavailable) as err:
        busy = isinstance(err, ServiceUnavailable) and err.retry_after is not None
        if busy:  # the client should retry
            raise
        error, status = err.description, err.code or 400
    downloads = {
        "csv": url_for(
            "sparql.endpoint", query=query.text, format="csv", spreadsheet="true", _external=True
        ),
        "json": url_for("sparql.endpoint", query=query.text, format="json", _external=True),
    }
    page = render_template(
        "sparql.html",
        example=query.text,
        table=table,
        error=error,
        downloads=downloads,
        gallery=examples(get_store()),
    )
    return page, status


def _parsed(outcome: QueryOutcome) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
    """The worker's serialised answer read back, for the HTML table."""
    if outcome.kind == "graph":
        return list(ox.parse(outcome.body, format=ox.RdfFormat.N_TRIPLES))
    return ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON)


def query_from_request() -> QueryRequest | None:
    """The query of a GET, a POST form or a POST ``application/sparql-query``; None
    for a GET without one. Aborts 400 (an update, several or empty queries, a
    bad graph IRI or timeout, a query using SERVICE), 413 (a query too long),
    415 (another body)."""
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
    default_graphs = _graphs(params, "default-graph-uri")
    named_graphs = _graphs(params, "named-graph-uri")
    if default_graphs is not None or named_graphs is not None:
        # The protocol's parameters are the whole dataset: what they leave out is empty.
        default_graphs, named_graphs = default_graphs or [], named_graphs or []
    return QueryRequest(
        _checked(texts[0]), default_graphs, named_graphs, _timeout(params.get("timeout"))
    )


def _checked(text: str) -> str:
    """Aborts 400 for an empty query, one calling a SERVICE endpoint that is not
    in SERVICE_ALLOWED_ENDPOINTS or one nesting brackets deeper than
    MAX_QUERY_NESTING; 413 for one over MAX_QUERY_LENGTH."""
    if not text.strip():
        abort(400, "The query is empty.")
    limit = current_app.config["MAX_QUERY_LENGTH"]
    if len(text) > limit:
        raise RequestEntityTooLarge(
            f"The query is {len(text)} characters long; the limit is {limit}."
        )
    refusal = federation_refusal(
        text, frozenset(current_app.config["SERVICE_ALLOWED_ENDPOINTS"])
    ) or nesting_refusal(text, current_app.config["MAX_QUERY_NESTING"])
    if refusal is not None:
        abort(400, refusal)
    return text


def _timeout(asked: str | None) -> float:
    """QUERY_TIMEOUT, or the shorter limit a client asks for with ``timeout=``
    (seconds); a longer one is cut to QUERY_TIMEOUT, a shorter one than
    MIN_QUERY_TIMEOUT raised to it (a limit nothing can meet would only kill and
    respawn a query worker). Aborts 400 for a value that is not a positive number."""
    limit = float(current_app.config["QUERY_TIMEOUT"])
    floor = min(float(current_app.config["MIN_QUERY_TIMEOUT"]), limit)
    if asked is None or not asked.strip():
        return limit
    try:
        seconds = float(asked)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        abort(400, f"timeout must be a positive number of seconds, not {asked[:40]!r}.")
    return min(max(seconds, floor), limit)


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
            abort(404, f"There is no named graph <{quote(name[0].value)}>.")
        quads = store.graph_quads(name[0])
        statements: list[Statement] = described(quads, media_type, name[0].value, None)
    elif "default" in request.args:
        statements = list(store.union())
    else:
        abort(400, "Ask for ?graph=IRI (a named graph) or ?default (the union of all graphs).")
    return cacheable(
        Response(serialize(statements, media_type), mimetype=media_type.mimetype), media_type
    )
