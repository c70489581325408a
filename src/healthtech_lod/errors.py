"""One error handler and one error shape.

Views abort with a status and a message; this handler writes it in the form the
client negotiated: an HTML page for a browser, ``{"error": {"status", "title",
"detail"}}`` for a JSON client, an empty RDF document with ``#`` comments for a
Turtle, N-Triples, TriG or N-Quads client, plain text otherwise. A view that had
already chosen a format (``/doc/x.ttl``) gets its error in that format. Never a
traceback: an unexpected exception becomes a bare 500 (and is logged). A message
longer than ``echo.DETAIL_LENGTH`` characters is cut there: none repeats more than a
short prefix of what the client sent.
"""

from __future__ import annotations

import json

from flask import Flask, Response, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from .echo import DETAIL_LENGTH, quote
from .media_types import BY_KEY, ERROR_OFFERS, MediaType
from .negotiation import best
from .remote import RemoteError

# Headers of an error response worth keeping (Allow on a 405, for instance).
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def handle(error: HTTPException) -> Response:
    """Write ``error`` in the negotiated error shape."""
    status = error.code or 500
    title = error.name
    detail = quote(error.description or title, DETAIL_LENGTH)
    media_type = _media_type()
    if media_type.errors == "html":
        # A view's own detail is in English; Werkzeug's standard one the page translates.
        standard = error.description in (None, type(error).description)
        body = render_template(
            "error.html", status=status, title=title, detail=detail, standard=standard
        )
    elif media_type.errors == "json":
        if media_type.key not in ("json", "jsonld"):
            media_type = BY_KEY["json"]  # not SPARQL results
        body = json.dumps({"error": {"status": status, "title": title, "detail": detail}})
    elif media_type.errors == "comment":
        body = "".join(f"# {line}\n" for line in (f"{status} {title}", *detail.splitlines()))
    else:
        media_type = BY_KEY["text"]
        body = f"{status} {title}\n{detail}\n"
    response = Response(body, status=status, mimetype=media_type.mimetype)
    for name, value in error.get_headers():
        if name in KEPT_HEADERS:
            response.headers[name] = value
    response.vary.add("Accept")
    return response


def _media_type() -> MediaType:
    """The format a view already negotiated, else the best of the error offers
    for ``Accept`` (plain text when none is acceptable)."""
    chosen: MediaType | None = g.get("media_type")
    return chosen or best(ERROR_OFFERS, request.args.get("format")) or BY_KEY["text"]


def backend_unavailable(error: RemoteError) -> Response:
    """A SPARQL backend that fails: 503, logged, the client told to retry."""
    current_app.logger.error("SPARQL backend: %s", error)
    return handle(ServiceUnavailable("The data store is not answering; retry in a moment."))


def init_app(app: Flask) -> None:
    """Answer every HTTP error (and every unexpected exception, as a 500) with ``handle``;
    a SPARQL backend that fails is a 503."""
    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(RemoteError, backend_unavailable)
