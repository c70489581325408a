"""The dataset's description: VoID and DCAT at /.well-known/void and /dataset, and the
SPARQL service description served by /sparql.

Both are rdflib graphs: the Turtle skeleton ``description.ttl`` (what never
changes) completed with terms computed from the store and the downloads. The
statistics (counts, class and property partitions) are computed once by
``init_app`` with SPARQL aggregates; only the URLs of this host are added per
request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from .chart import growth
from .downloads import get_manifest
from .dumps import Download
from .media_types import MEDIA_TYPES, MediaType
from .namespaces import DCAT, DCTERMS, FOAF, LHT, PREFIXES, RDF, SD, VOID, XSD
from .negotiation import languages
from .opening import get_store
from .pages import Format, Value, curie, href, link
from .rdf import from_rdflib
from .responses import Variants, serialize, written_once
from .schemaorg import dataset_jsonld
from .statistics import ClassPartition, Statistics, compute_statistics, statistics_from_json
from .store import DatasetStore

SKELETON = Path(__file__).with_name("description.ttl")
EXTENSION = "healthtech_lod.statistics"
# Not (yet) in namespaces.py.
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = Namespace("http://www.iana.org/assignments/media-types/")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
AVAILABILITY = Namespace("http://publications.europa.eu/resource/authority/planned-availability/")
#: The EU file type (DCAT-AP's vocabulary for dcterms:format) of each media type served.
FILE_TYPES = {m.mimetype: FILE_TYPE[m.file_type] for m in MEDIA_TYPES if m.file_type}

DESCRIPTION = Variants("description.dataset", ("turtle", "jsonld", "ntriples", "rdfxml", "html"))

bp = Blueprint("description", __name__)


@dataclass(frozen=True)
class DatasetPage:
    """The dataset's description for people."""

    title: str
    description: str | None
    license: str
    endpoint: str
    triples: int
    entities: int
    #: Each class with its counts and its page in /browse.
    classes: tuple[tuple[Value, ClassPartition, str | None], ...]
    properties: tuple[tuple[Value, int], ...]
    graphs: tuple[tuple[Value, int], ...]
    examples: tuple[Value, ...]
    sources: tuple[Value, ...]
    vocabularies: tuple[str, ...]
    downloads: tuple[Download, ...]
    formats: tuple[Format, ...]


def dataset_page(graph: Graph, formats: tuple[Format, ...]) -> DatasetPage:
    """The view model of the HTML description."""
    store, stats = get_store(), get_statistics()
    dataset = _iri("id/dataset")

    def named(iri: str) -> Value:
        return link(store, ox.NamedNode(iri))

    return DatasetPage(
        title=_text(graph, dataset, DCTERMS.title) or "",
        description=_text(graph, dataset, DCTERMS.description),
        license=current_app.config["LICENSE"],
        endpoint=str(_endpoint()),
        triples=stats.triples,
        entities=stats.entities,
        classes=tuple((named(c.iri), c, _browse(c.iri)) for c in stats.classes),
        properties=tuple((named(p.iri), p.count) for p in stats.properties),
        graphs=tuple(
            (Value(g.iri.rsplit("/", 1)[-1], href=href(g.iri), iri=g.iri), g.count)
            for g in stats.graphs
        ),
        examples=tuple(named(iri) for iri in stats.examples),
        sources=tuple(named(iri) for iri in stats.sources),
        vocabularies=stats.vocabularies,
        downloads=get_manifest().files,
        formats=formats,
    )


def _browse(iri: str) -> str | None:
    """The /browse page of a class that has a prefixed name."""
    name = curie(iri)
    return url_for("browse.members", name=name) if name != iri else None


def _text(graph: Graph, subject: URIRef, predicate: URIRef) -> str | None:
    """A literal value in the preferred language."""
    found = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    for lang in (*languages(), None):
        for literal in found:
            if literal.language == lang:
                return str(literal)
    return str(found[0]) if found else None


def init_app(app: Flask, store: DatasetStore) -> None:
    """Read the statistics of ``store``'s build (or compute them, for a store made
    in memory) into ``app.extensions``."""
    if store.folder is not None:
        text = (store.folder / "statistics.json").read_text(encoding="utf-8")
        app.extensions[EXTENSION] = statistics_from_json(text)
        return
    app.extensions[EXTENSION] = compute_statistics(
        store, app.config["BASE_URI"], app.config["EXAMPLE_RESOURCES"]
    )


def get_statistics() -> Statistics:
    statistics: Statistics = current_app.extensions[EXTENSION]
    return statistics


def skeleton() -> Graph:
    """The static part, parsed with relative IRIs against BASE_URI."""
    return Graph().parse(SKELETON, format="turtle", publicID=current_app.config["BASE_URI"])


def description_graph() -> Graph:
    """VoID and DCAT description of the dataset, its distributions and its service,
    and a few statements about the document itself."""
    graph = skeleton()
    _add_dataset(graph)
    _add_service(graph)
    graph += document_graph(url_for("description.dataset", _external=True), _iri("id/dataset"))
    return graph


def document_graph(document: str, topic: URIRef) -> Graph:
    """What a document served here says about itself: its primary topic, its
    license, the dataset it belongs to and the date of the dataset's version.

    Where the document's URL is its topic's IRI (the vocabulary's hash IRIs, served
    from the canonical host), the topic speaks for itself (its own license and
    date) and only the dataset is added."""
    graph = Graph()
    subject = URIRef(document)
    graph.add((subject, VOID.inDataset, _iri("id/dataset")))
    if subject == topic:
        return graph
    graph.add((subject, RDF.type, FOAF.Document))
    graph.add((subject, FOAF.primaryTopic, topic))
    graph.add((subject, DCTERMS.license, URIRef(current_app.config["LICENSE"])))
    graph.add((subject, DCTERMS.modified, Literal(get_store().version.modified.date())))
    return graph


def service_graph() -> Graph:
    """The SPARQL 1.1 service description of /sparql."""
    graph = Graph()
    service = _iri("sparql")
    agents = (_iri("id/dataset#publisher"), _iri("id/dataset#contact"))
    for s, p, o in skeleton():
        if str(s).startswith(service) or s in agents:
            graph.add((s, p, o))
    _add_service(graph)
    return graph


def _iri(path: str) -> URIRef:
    return URIRef(current_app.config["BASE_URI"] + path)


def serialize_graph(graph: Graph, media_type: MediaType) -> bytes:
    """A description in an RDF format; Turtle by rdflib, which nests blank nodes
    (partitions, checksums) where people read them."""
    if media_type.key != "turtle":
        return serialize(from_rdflib(graph), media_type)
    extra = {"sd": SD, "spdx": SPDX, "dcatap": DCATAP, "vcard": VCARD, "filetype": FILE_TYPE}
    for prefix, namespace in {**PREFIXES, **{k: str(v) for k, v in extra.items()}}.items():
        graph.bind(prefix, namespace, replace=True)
    return graph.serialize(format="turtle", encoding="utf-8")


def _add_dataset(graph: Graph) -> None:
    stats = get_statistics()
    dataset = _iri("id/dataset")
    version = get_store().version
    add = graph.add
    add((dataset, DCTERMS.license, URIRef(current_app.config["LICENSE"])))
    add((dataset, DCTERMS.modified, Literal(version.modified.date())))
    add((dataset, DCAT.landingPage, URIRef(url_for("description.dataset", _external=True))))
    add((dataset, VOID.uriSpace, Literal(str(_iri("id/")))))
    add((dataset, VOID.sparqlEndpoint, _endpoint()))
    _add_temporal(graph, dataset, stats.years)
    for predicate, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
        (VOID.classes, len(stats.classes)),
        (VOID.properties, len(stats.properties)),
    ):
        add((dataset, predicate, Literal(value)))
    for iri in stats.vocabularies:
        add((dataset, VOID.vocabulary, URIRef(iri)))
    for iri in stats.examples:
        add((dataset, VOID.exampleResource, URIRef(iri)))
    for iri in stats.sources:
        add((dataset, DCTERMS.source, URIRef(iri)))
    for partition in stats.classes:
        node = _node(graph, dataset, VOID.classPartition)
        add((node, VOID["class"], URIRef(partition.iri)))
        add((node, VOID.entities, Literal(partition.entities)))
        add((node, VOID.triples, Literal(partition.triples)))
    for count in stats.properties:
        node = _node(graph, dataset, VOID.propertyPartition)
        add((node, VOID.property, URIRef(count.iri)))
        add((node, VOID.triples, Literal(count.count)))
    for download in get_manifest().files:
        if download.dump:
            _add_distribution(graph, dataset, download)
    _add_endpoint_distribution(graph, dataset)


def _add_temporal(graph: Graph, dataset: URIRef, years: tuple[int, int] | None) -> None:
    """The years the observations cover, from 1 January of the first to 31 December
    of the last."""
    if years is None:
        return
    period = _node(graph, dataset, DCTERMS.temporal)
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, Literal(date(years[0], 1, 1))))
    graph.add((period, DCAT.endDate, Literal(date(years[1], 12, 31))))


def _add_distribution(graph: Graph, dataset: URIRef, download: Download) -> None:
    """A dump of the data; its checksum is the one SHA256SUMS lists."""
    url = URIRef(url_for("downloads.file", name=download.name, _external=True))
    distribution = _iri("download/" + download.name)
    checksum = BNode()
    add = graph.add
    add((dataset, DCAT.distribution, distribution))
    add((dataset, VOID.dataDump, url))
    add((distribution, RDF.type, DCAT.Distribution))
    add((distribution, DCTERMS.title, Literal(download.title, lang="en")))
    add((distribution, DCTERMS.description, Literal(download.description, lang="en")))
    add((distribution, DCAT.downloadURL, url))
    add((distribution, DCAT.accessURL, URIRef(url_for("downloads.index", _external=True))))
    add((distribution, DCAT.mediaType, IANA[download.mimetype]))
    add((distribution, DCTERMS.format, FILE_TYPES[download.mimetype]))
    if download.gzip:
        add((distribution, DCAT.compressFormat, IANA["application/gzip"]))
    add((distribution, DCAT.byteSize, Literal(download.size, datatype=XSD.nonNegativeInteger)))
    add((distribution, DCTERMS.license, URIRef(current_app.config["LICENSE"])))
    add((distribution, DCTERMS.modified, Literal(get_store().version.modified.date())))
    add((distribution, DCATAP.availability, AVAILABILITY.AVAILABLE))
    add((distribution, SPDX.checksum, checksum))
    add((checksum, RDF.type, SPDX.Checksum))
    add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    add((checksum, SPDX.checksumValue, Literal(download.sha256, datatype=XSD.hexBinary)))


def _add_endpoint_distribution(graph: Graph, dataset: URIRef) -> None:
    """The SPARQL endpoint as a distribution (the rest is in the skeleton)."""
    distribution = _iri("id/dataset#sparql-endpoint")
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, DCAT.accessURL, _endpoint()))
    graph.add((distribution, DCTERMS.license, URIRef(current_app.config["LICENSE"])))
    graph.add((distribution, DCATAP.availability, AVAILABILITY.AVAILABLE))


def _add_service(graph: Graph) -> None:
    stats = get_statistics()
    service = _iri("sparql")
    dataset = _iri("sparql#dataset")
    graph.add((service, SD.endpoint, _endpoint()))
    graph.add((service, DCAT.endpointURL, _endpoint()))
    # The service description is what the endpoint's URL answers without a query.
    graph.add((service, DCAT.endpointDescription, _endpoint()))
    graph.add((service, DCTERMS.license, URIRef(current_app.config["LICENSE"])))
    graph.add((_iri("sparql#default-graph"), VOID.triples, Literal(stats.triples)))
    config = current_app.config
    for term, value in (
        (LHT.queryTimeLimit, Literal(round(float(config["QUERY_TIMEOUT"]) * 1000))),
        (LHT.maxQueryLength, Literal(int(config["MAX_QUERY_LENGTH"]))),
        (LHT.maxRequestSize, Literal(int(config["MAX_CONTENT_LENGTH"]))),
        (LHT.maxResultRows, Literal(int(config["MAX_RESULT_ROWS"]))),
        (LHT.maxAnswerBytes, Literal(int(config["MAX_ANSWER_BYTES"]))),
        (LHT.maxQueryNesting, Literal(int(config["MAX_QUERY_NESTING"]))),
        (LHT.maxConcurrentQueries, Literal(int(config["QUERY_WORKERS"]))),
        (LHT.maxQueriesPerClient, Literal(int(config["MAX_QUERIES_PER_CLIENT"]))),
        (LHT.queriesPerMinute, Literal(int(config["RATE_LIMIT"]))),
    ):
        graph.add((service, term, value))
    for count in stats.graphs:
        named, description = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(count.iri)))
        graph.add((named, SD.graph, description))
        graph.add((description, RDF.type, SD.Graph))
        graph.add((description, VOID.triples, Literal(count.count)))


def _endpoint() -> URIRef:
    return URIRef(url_for("sparql.endpoint", _external=True))


def _node(graph: Graph, subject: Node, predicate: URIRef) -> BNode:
    node = BNode()
    graph.add((subject, predicate, node))
    return node


@bp.get("/")
def home() -> Response:
    """The landing page: the dataset's description with the sector's growth chart
    for people. Aborts 406 when nothing offered is acceptable."""
    return _description(None, home=True)


@bp.get("/dataset")
@bp.get("/dataset.<ext>")
def dataset(ext: str | None = None) -> Response:
    """The dataset's VoID/DCAT description. Aborts 404 for an extension not
    offered, 406 when nothing offered is acceptable."""
    return _description(ext)


@bp.get("/.well-known/void")
def void() -> Response:
    """The same description at VoID's well-known address. Aborts 406."""
    return _description(None)


def _description(ext: str | None, home: bool = False) -> Response:
    """Written once per process and dataset version for each variant, then sent from
    the document cache."""
    media_type = DESCRIPTION.negotiate(ext)

    def write() -> Response:
        graph = description_graph()
        if media_type.key == "html":
            page = dataset_page(graph, DESCRIPTION.formats())
            chart = growth(get_store()) if home else ()
            schema = dataset_jsonld(graph, get_statistics().years, languages())
            body: str | bytes = render_template(
                "dataset.html", page=page, chart=chart, home=home, schema=schema
            )
        else:
            body = serialize_graph(graph, media_type)
        response = Response(body, mimetype=media_type.mimetype)
        return DESCRIPTION.respond(response, media_type, conditional=False)

    return written_once(media_type, write)
