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
    redirect,
    render_template,
    url_for,
)
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response as WerkzeugResponse

from .echo import quote
from .media_types import DOCUMENT_OFFERS, MediaType
from .opening import get_store
from .pages import embedded_data, entity_page
from .responses import Link, Variants, described, serialize, written_once
from .store import DatasetStore

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
    """Negotiate first, so that a 404 comes in the format asked for. Written once per
    process and dataset version for each variant, then sent from the document cache."""
    media_type = variants.negotiate(ext)

    def write() -> Response:
        _known(iri)
        body = _write_document(get_store(), iri, variants, media_type)
        links = [Link(iri.value, "cite-as")]
        if media_type.rdf:  # the other RDF variants are ``describedby`` in Variants.links
            links.insert(0, Link(variants.url(media_type), "describedby", media_type.mimetype))
        response = Response(body, mimetype=media_type.mimetype)
        return variants.respond(response, media_type, links, conditional=False)

    return written_once(media_type, write)


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
