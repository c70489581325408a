"""The data-quality page: the SHACL validation report of the data being served.

pySHACL checks the union of the store's named graphs (the ontology included, so
``sh:targetClass`` reaches subclasses) against the shapes served at /shapes, as
``validate`` does for the files. The report is computed on the first request and
kept in ``app.extensions``: the store never changes while serving, so neither
does the report.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template
from flask.blueprints import BlueprintSetupState
from rdflib import URIRef
from rdflib.namespace import RDF, SH
from werkzeug.exceptions import ServiceUnavailable

from .description import get_statistics
from .opening import get_store
from .pages import Value, link
from .rdf import from_rdflib, to_rdflib, triples
from .responses import Variants, serialize
from .store import DatasetStore
from .validation import Violation, shacl_results

EXTENSION = "healthtech_lod.quality"
SEVERITIES = ("Violation", "Warning", "Info")

QUALITY = Variants("quality.page", ("turtle", "jsonld", "ntriples", "html"))

bp = Blueprint("quality", __name__)


@dataclass(frozen=True)
class QualityReport:
    """The outcome of one SHACL run over the served data."""

    conforms: bool
    triples: int
    node_shapes: int
    property_shapes: int
    report: tuple[ox.Triple, ...]
    violations: tuple[Violation, ...]
    iri_focus: frozenset[str]


@dataclass
class _Cache:
    """The app's report, computed once under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    report: QualityReport | None = None


@dataclass(frozen=True)
class ResultRow:
    """One SHACL result for the page: its entity as a link (or a blank node's text)."""

    severity: str
    entity: Value
    path: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class QualityPage:
    """The report for people."""

    conforms: bool
    triples: int
    node_shapes: int
    property_shapes: int
    focus_nodes: int
    severities: tuple[tuple[str, int], ...]
    rows: tuple[ResultRow, ...]


@bp.record_once
def _init(state: BlueprintSetupState) -> None:
    state.app.extensions[EXTENSION] = _Cache()


@bp.get("/quality")
@bp.get("/quality.<ext>")
def page(ext: str | None = None) -> Response:
    """The SHACL validation report of the served data; HTML lists every result.
    Aborts 404 for an extension not offered, 406 when nothing offered is acceptable."""
    media_type = QUALITY.negotiate(ext)
    triples, limit = get_statistics().triples, current_app.config["QUALITY_MAX_TRIPLES"]
    if triples > limit:
        raise ServiceUnavailable(
            f"The data holds {triples} triples, more than the {limit} this service checks "
            "against its shapes on request (QUALITY_MAX_TRIPLES). The repository's files "
            "are checked when they are built: healthtech-lod validate, or healthtech-lod "
            "build."
        )
    report = get_report()
    if media_type.key == "html":
        body: str | bytes = render_template(
            "quality.html", page=quality_page(get_store(), report), formats=QUALITY.formats()
        )
    else:
        body = serialize(report.report, media_type)
    return QUALITY.respond(Response(body, mimetype=media_type.mimetype), media_type)


def get_report() -> QualityReport:
    """The current app's report, computed on first use."""
    cache: _Cache = current_app.extensions[EXTENSION]
    with cache.lock:
        if cache.report is None:
            cache.report = compute(get_store())
        return cache.report


def compute(store: DatasetStore) -> QualityReport:
    """Validate the store's data (every named graph) against its shapes."""
    data = to_rdflib(triples(store.store))
    shapes = to_rdflib(store.shapes)
    conforms, report_graph, violations = shacl_results(data, shapes)
    property_shapes = set(shapes.objects(None, SH.property)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return QualityReport(
        conforms=conforms,
        triples=len(data),
        node_shapes=len(set(shapes.subjects(RDF.type, SH.NodeShape))),
        property_shapes=len(property_shapes),
        report=tuple(from_rdflib(report_graph)),
        violations=tuple(violations),
        iri_focus=frozenset(
            str(f) for f in report_graph.objects(None, SH.focusNode) if isinstance(f, URIRef)
        ),
    )


def quality_page(store: DatasetStore, report: QualityReport) -> QualityPage:
    """The report's counts and its results, most severe first, entities linked."""
    order = {s: i for i, s in enumerate(SEVERITIES)}
    violations = sorted(
        report.violations,
        key=lambda v: (order.get(v.severity, len(order)), v.focus, v.path or "", v.message),
    )
    counts = Counter(v.severity for v in violations)
    rows = tuple(
        ResultRow(
            v.severity,
            link(store, ox.NamedNode(v.focus))
            if v.focus in report.iri_focus
            else Value(f"_:{v.focus}"),
            v.path,
            v.value,
            v.message,
        )
        for v in violations
    )
    return QualityPage(
        conforms=report.conforms,
        triples=report.triples,
        node_shapes=report.node_shapes,
        property_shapes=report.property_shapes,
        focus_nodes=len({v.focus for v in violations}),
        severities=tuple((s, counts[s]) for s in (*SEVERITIES, *sorted(counts.keys() - order))),
        rows=rows,
    )
