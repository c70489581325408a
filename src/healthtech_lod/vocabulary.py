"""The vocabulary's documents: the ontology at /def and each of its versions at
/def/{version}, the SHACL shapes at /shapes and the JSON-LD context at /context.jsonld.

The ontology's terms are hash IRIs (``def#Term``), so /def is one document and
its HTML page anchors each term at its local name.

Versions: the ontology says its version (``owl:versionInfo``, ``0.1.0``) and the
IRI of that version (``owl:versionIRI``, ``…/def/0.1.0``). ``/def/{version}``
serves the current version from graph/ontology, and an earlier one from its
snapshot, ``ontology/versions/{version}.ttl`` in the repository: the file as it
stood when that version was current, copied there before the version changed
and never edited since (docs/uris.md). A version never published is a 404.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from rdflib import URIRef
from werkzeug.routing import BaseConverter

from . import jsonld
from .cache import REPLAYABLE
from .dataset import check_syntax
from .description import document_graph, get_statistics
from .echo import quote
from .media_types import BY_KEY, MediaType
from .namespaces import GRAPH, OWL
from .opening import get_store
from .pages import ontology_page
from .rdf import from_rdflib
from .responses import Link, Variants, cacheable, serialize, written_once
from .store import DatasetStore

OFFERS = ("turtle", "jsonld", "ntriples", "rdfxml", "html")
ONTOLOGY = Variants("vocabulary.ontology", OFFERS)
SHAPES = Variants("vocabulary.shapes", ("turtle", "jsonld", "ntriples"))
#: Where the snapshots of earlier versions are, under the repository root.
VERSIONS = Path("ontology") / "versions"
VERSION_INFO = ox.NamedNode(str(OWL.versionInfo))


class VersionConverter(BaseConverter):
    """A version number, ``major.minor.patch``; in ``0.1.0.ttl`` the last dot is the
    format's."""

    regex = r"[0-9]+\.[0-9]+\.[0-9]+"


bp = Blueprint("vocabulary", __name__)
# Before the routes below are added to the app, which needs the converter.


@bp.record_once
def _add_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("version", VersionConverter)


@bp.get("/def")
@bp.get("/def.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology (graph/ontology); HTML lists every class and property.
    Aborts 404 for an extension not offered, 406 when nothing offered is acceptable."""
    media_type = ONTOLOGY.negotiate(ext)
    store = get_store()
    graph = ox.NamedNode(str(GRAPH["ontology"]))
    return _ontology_document(store, graph, ONTOLOGY, media_type, _ontology_iri())


@bp.get("/def/<version:version>")
@bp.get("/def/<version:version>.<ext>")
def ontology_version(version: str, ext: str | None = None) -> Response:
    """One version of the ontology, at its ``owl:versionIRI``. Aborts 404 for a
    version that was never published or an extension not offered, 406 when nothing
    offered is acceptable."""
    variants = Variants("vocabulary.ontology_version", OFFERS, (("version", version),))
    media_type = variants.negotiate(ext)
    store = get_store()
    if version == current_version(store):
        source, graph = store, ox.NamedNode(str(GRAPH["ontology"]))
    else:
        source, graph = _snapshot_store(store, version)
    latest = Link(url_for("vocabulary.ontology", _external=True), "latest-version")
    return _ontology_document(source, graph, variants, media_type, _version_iri(version), [latest])


def current_version(store: DatasetStore) -> str | None:
    """The ontology's ``owl:versionInfo`` in graph/ontology."""
    graph = ox.NamedNode(str(GRAPH["ontology"]))
    for quad in store.store.quads_for_pattern(_ontology_iri(), VERSION_INFO, None, graph):
        if isinstance(quad.object, ox.Literal):
            return quad.object.value
    return None


def _ontology_document(
    store: DatasetStore,
    graph: ox.NamedNode,
    variants: Variants,
    media_type: MediaType,
    iri: ox.NamedNode,
    links: Sequence[Link] = (),
) -> Response:
    """``graph`` of ``store`` in ``media_type``; the HTML page shows ``iri``. Written
    once per process and dataset version for each variant, then sent from the cache."""

    def write() -> Response:
        if media_type.key == "html":
            stats = get_statistics()
            uses = {c.iri: c.entities for c in stats.classes} | {
                p.iri: p.count for p in stats.properties
            }
            page = dataclasses.replace(
                ontology_page(store, graph, _ontology_iri(), uses), iri=iri.value
            )
            body: str | bytes = render_template(
                "ontology.html", page=page, formats=variants.formats()
            )
        else:
            document = url_for(variants.endpoint, _external=True, **dict(variants.values))
            about = document_graph(document, URIRef(iri.value))
            body = serialize([*store.graph_quads(graph), *from_rdflib(about)], media_type)
        response = Response(body, mimetype=media_type.mimetype)
        return variants.respond(response, media_type, links, conditional=False)

    return written_once(media_type, write)


def _snapshot_store(store: DatasetStore, version: str) -> tuple[DatasetStore, ox.NamedNode]:
    """An in-memory store holding the snapshot of ``version`` in a graph named by its
    version IRI, with the labels of reused terms for its page. Aborts 404 when the
    repository has no snapshot of that version."""
    path = store.root / VERSIONS / f"{version}.ttl"
    if not path.is_file():
        abort(404, f"There is no version {quote(version)} of the vocabulary.")
    graph = _version_iri(version)
    memory = ox.Store()
    memory.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in _snapshot(path))
    labels = ox.NamedNode(str(GRAPH["reused-terms"]))
    memory.extend(store.store.quads_for_pattern(None, None, None, labels))
    return DatasetStore(memory, store.root, store.version, ()), graph


@lru_cache(maxsize=8)
def _snapshot(path: Path) -> tuple[ox.Triple, ...]:
    """The triples of a snapshot file; snapshots never change, so parsed once."""
    check_syntax(path)
    return tuple(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))


def _ontology_iri() -> ox.NamedNode:
    return ox.NamedNode(current_app.config["BASE_URI"] + "def")


def _version_iri(version: str) -> ox.NamedNode:
    return ox.NamedNode(current_app.config["BASE_URI"] + "def/" + version)


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes, every file of shapes/ merged. Aborts 404 for an extension
    not offered, 406 when nothing offered is acceptable."""
    media_type = SHAPES.negotiate(ext)

    def write() -> Response:
        body = serialize(get_store().shapes, media_type)
        response = Response(body, mimetype=media_type.mimetype)
        return SHAPES.respond(response, media_type, conditional=False)

    return written_once(media_type, write)


@bp.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD context that documents refer to (its bytes made once per process;
    its final form replayed, replay.py)."""
    body = jsonld.published_context()
    request.environ[REPLAYABLE] = True
    return cacheable(Response(body, mimetype=BY_KEY["jsonld"].mimetype), BY_KEY["jsonld"])
