"""Dereferencing: entity IRIs answer 303 See Other to their document, and each
document comes in every RDF format and HTML.

``/id/{slug}`` names a thing, ``/doc/{slug}`` the document about it. The
canonical IRIs stay under BASE_URI (https://w3id.org/lu-healthtech/ by default)
while every link this server writes stays on its own host.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response as WerkzeugResponse

from .cache import Written, get_documents
from .echo import quote
from .negotiation import DOCUMENT_OFFERS, MediaType, jsonld_profile, language
from .pages import embedded_data, entity_page
from .responses import Link, Variants, described, serialize
from .store import DatasetStore, get_store

bp = Blueprint("resources", __name__)


class SlugConverter(BaseConverter):
    """A slug: letters, digits, ``-``, ``_`` and ``~``, no dot (``.ttl`` is a format)."""

    regex = r"[A-Za-z0-9][A-Za-z0-9_~-]*"


@bp.get("/id/<slug:slug>")
def entity(slug: str) -> WerkzeugResponse:
    """303 to the document of ``id/{slug}``. Aborts 404 when nothing describes it."""
    if slug == "dataset":
        return _see_other(url_for("description.dataset", _external=True))
    _known(_iri("id/" + slug))
    return _see_other(url_for("resources.entity_document", slug=slug, _external=True))


@bp.get("/id/source/<slug:slug>")
def source(slug: str) -> WerkzeugResponse:
    """303 to the document of ``id/source/{slug}``. Aborts 404 when nothing describes it."""
    _known(_iri("id/source/" + slug))
    return _see_other(url_for("resources.source_document", slug=slug, _external=True))


@bp.get("/graph/<slug:slug>")
def graph(slug: str) -> WerkzeugResponse:
    """303 to the named graph ``graph/{slug}`` in the Graph Store Protocol. Aborts 404
    when there is no such graph."""
    iri = _iri("graph/" + slug)
    if not get_store().has_graph(iri):
        abort(404, f"There is no named graph <{quote(iri.value)}>.")
    return _see_other(url_for("sparql.graphs", graph=iri.value, _external=True))


@bp.get("/doc/<slug:slug>")
@bp.get("/doc/<slug:slug>.<ext>")
def entity_document(slug: str, ext: str | None = None) -> Response:
    """The document of ``id/{slug}``. Aborts 404 (unknown slug or extension), 406."""
    variants = Variants("resources.entity_document", DOCUMENT_OFFERS, (("slug", slug),))
    return _document(_iri("id/" + slug), variants, ext)


@bp.get("/doc/source/<slug:slug>")
@bp.get("/doc/source/<slug:slug>.<ext>")
def source_document(slug: str, ext: str | None = None) -> Response:
    """The document of ``id/source/{slug}``. Aborts 404 (unknown slug or extension), 406."""
    variants = Variants("resources.source_document", DOCUMENT_OFFERS, (("slug", slug),))
    return _document(_iri("id/source/" + slug), variants, ext)


def _document(iri: ox.NamedNode, variants: Variants, ext: str | None) -> Response:
    """Negotiate first, so that a 404 comes in the format asked for. The bytes are
    written once per process and dataset version for each variant, then sent from
    the document cache with the headers written with them."""
    media_type = variants.negotiate(ext)
    store = get_store()
    documents = get_documents()
    key = _document_key(store.version.digest, media_type)
    cached = documents.get(key)
    if cached is not None:
        response = Response(cached.body, headers=list(cached.headers))
    else:
        _known(iri)
        body = _write_document(store, iri, variants, media_type)
        links = [Link(iri.value, "cite-as")]
        if media_type.rdf:  # the other RDF variants are ``describedby`` in Variants.links
            links.insert(0, Link(variants.url(media_type), "describedby", media_type.mimetype))
        response = Response(body, mimetype=media_type.mimetype)
        variants.respond(response, media_type, links, conditional=False)
        documents.put(key, Written(body, tuple(response.headers.items())))
    response.make_conditional(request)  # in place: 304 to a matching conditional request
    return response


def _document_key(version: str, media_type: MediaType) -> tuple[str, ...]:
    """Everything of the request a document's bytes depend on: the format (and
    JSON-LD's form), the language of a page, the path and query (the links of a page
    name them) and the host its links name."""
    language_ = language() if media_type.key == "html" else ""
    form = ""
    if media_type.key == "jsonld":
        form = g.jsonld_form = jsonld_profile()  # cacheable() names it, hit or miss
    query = request.query_string.decode("latin-1")
    return (version, request.path, query, media_type.key, form, language_, request.host_url)


def _write_document(
    store: DatasetStore, iri: ox.NamedNode, variants: Variants, media_type: MediaType
) -> bytes:
    quads = store.describe(iri)
    if media_type.key == "html":
        page = entity_page(store, iri, quads)
        data = embedded_data(store, iri, quads)
        html = render_template("entity.html", page=page, formats=variants.formats(), data=data)
        return html.encode()
    document = iri.value.replace("/id/", "/doc/", 1)
    return serialize(described(quads, media_type, document, iri.value), media_type, iri.value)


def _iri(path: str) -> ox.NamedNode:
    return ox.NamedNode(current_app.config["BASE_URI"] + path)


def _known(iri: ox.NamedNode) -> None:
    """Aborts 404 when the dataset has no statement about ``iri``."""
    if not get_store().has_subject(iri):
        abort(404, f"Nothing is known about <{quote(iri.value)}>.")


def _see_other(location: str) -> WerkzeugResponse:
    response = redirect(location, 303)
    response.vary.add("Accept")
    return response
