"""The vocabulary's documents: the ontology at /def, the SHACL shapes at /shapes and
the JSON-LD context at /context.jsonld.

The ontology's terms are hash IRIs (``def#Term``), so /def is one document and
its HTML page anchors each term at its local name.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, url_for
from rdflib import URIRef

from . import jsonld
from .description import document_graph, get_statistics
from .namespaces import GRAPH
from .negotiation import BY_KEY
from .pages import ontology_page
from .rdf import from_rdflib
from .responses import Variants, cacheable, serialize
from .store import get_store

ONTOLOGY = Variants("vocabulary.ontology", ("turtle", "jsonld", "ntriples", "rdfxml", "html"))
SHAPES = Variants("vocabulary.shapes", ("turtle", "jsonld", "ntriples"))

bp = Blueprint("vocabulary", __name__)


@bp.get("/def")
@bp.get("/def.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology (graph/ontology); HTML lists every class and property.
    Aborts 404 for an extension not offered, 406 when nothing offered is acceptable."""
    media_type = ONTOLOGY.negotiate(ext)
    store = get_store()
    graph = ox.NamedNode(str(GRAPH["ontology"]))
    if media_type.key == "html":
        iri = ox.NamedNode(current_app.config["BASE_URI"] + "def")
        stats = get_statistics()
        uses = {c.iri: c.entities for c in stats.classes} | {
            p.iri: p.count for p in stats.properties
        }
        page = ontology_page(store, graph, iri, uses)
        body = render_template("ontology.html", page=page, formats=ONTOLOGY.formats())
    else:
        topic = URIRef(current_app.config["BASE_URI"] + "def")
        document = document_graph(url_for("vocabulary.ontology", _external=True), topic)
        body = serialize([*store.graph_quads(graph), *from_rdflib(document)], media_type)
    return ONTOLOGY.respond(Response(body, mimetype=media_type.mimetype), media_type)


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes, every file of shapes/ merged. Aborts 404 for an extension
    not offered, 406 when nothing offered is acceptable."""
    media_type = SHAPES.negotiate(ext)
    body = serialize(get_store().shapes, media_type)
    return SHAPES.respond(Response(body, mimetype=media_type.mimetype), media_type)


@bp.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD context that documents refer to."""
    body = jsonld.dumps(jsonld.context_document())
    return cacheable(Response(body, mimetype="application/ld+json"), BY_KEY["jsonld"])
