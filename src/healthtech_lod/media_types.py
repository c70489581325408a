"""The media types the service writes: one table that every module reads.

Each entry says how a format is named (its media type, the other media types a
client may ask for to get it, its file extension and ``format=`` names), how it is
written (Oxigraph's RDF or SPARQL results format), how an error is written for a
client that chose it, and what DCAT-AP calls it. Negotiation (negotiation.py),
the query executor's format names (queries.py), the downloads (dumps.py), the
dataset description (description.py) and the static export's nginx.conf
(nginx.py) all read it. No web framework here: the build reads it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import pyoxigraph as ox


@dataclass(frozen=True)
class MediaType:
    """One representation the service can write.

    ``aliases`` are other media types a client may ask for to get this one (a JSON
    client gets SPARQL JSON from /sparql and JSON-LD from documents); ``names`` are
    the values ``format=`` and the file extension accept. ``errors`` says how an
    error is written for a client that chose this type: ``html``, ``json``,
    ``comment`` (an empty RDF document with ``#`` comments) or ``text``. The first
    of ``names`` is also the name the query executor knows the format by
    (``queries.RESULTS_FORMATS``, ``GRAPH_FORMATS``).
    """

    key: str
    mimetype: str
    extension: str
    label: str
    names: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    errors: str = "text"
    #: Its name in the EU's file-type authority table (DCAT-AP's dcterms:format).
    file_type: str | None = None

    @property
    def accepts(self) -> tuple[str, ...]:
        return (self.mimetype, *self.aliases)


_R = ox.RdfFormat
_Q = ox.QueryResultsFormat

MEDIA_TYPES: tuple[MediaType, ...] = (
    MediaType(
        "turtle",
        "text/turtle",
        "ttl",
        "Turtle",
        ("ttl", "turtle", "n3"),
        # Turtle is N3 too: SPARQLWrapper's N3 return format asks for these.
        ("text/n3", "text/rdf+n3"),
        rdf=_R.TURTLE,
        errors="comment",
        file_type="RDF_TURTLE",
    ),
    MediaType(
        "jsonld",
        "application/ld+json",
        "jsonld",
        "JSON-LD",
        ("jsonld", "json-ld", "json"),
        ("application/json", "application/x-json+ld"),
        rdf=_R.JSON_LD,
        errors="json",
        file_type="JSON_LD",
    ),
    MediaType(
        "ntriples",
        "application/n-triples",
        "nt",
        "N-Triples",
        ("nt", "ntriples", "n-triples"),
        rdf=_R.N_TRIPLES,
        errors="comment",
        file_type="RDF_N_TRIPLES",
    ),
    MediaType(
        "rdfxml",
        "application/rdf+xml",
        "rdf",
        "RDF/XML",
        ("rdf", "xml", "rdfxml", "rdf+xml", "owl"),
        ("application/xml",),
        rdf=_R.RDF_XML,
        file_type="RDF_XML",
    ),
    MediaType(
        "trig",
        "application/trig",
        "trig",
        "TriG",
        ("trig",),
        rdf=_R.TRIG,
        errors="comment",
        file_type="RDF_TRIG",
    ),
    MediaType(
        "nquads",
        "application/n-quads",
        "nq",
        "N-Quads",
        ("nq", "nquads", "n-quads"),
        rdf=_R.N_QUADS,
        errors="comment",
        file_type="RDF_N_QUADS",
    ),
    MediaType(
        "html",
        "text/html",
        "html",
        "HTML",
        ("html", "htm"),
        ("application/xhtml+xml",),
        errors="html",
    ),
    MediaType(
        "srj",
        "application/sparql-results+json",
        "srj",
        "SPARQL JSON",
        ("json", "srj"),
        ("application/json",),
        results=_Q.JSON,
        errors="json",
    ),
    MediaType(
        "srx",
        "application/sparql-results+xml",
        "srx",
        "SPARQL XML",
        ("xml", "srx"),
        ("application/xml",),
        results=_Q.XML,
    ),
    MediaType("csv", "text/csv", "csv", "CSV", ("csv",), results=_Q.CSV),
    MediaType("tsv", "text/tab-separated-values", "tsv", "TSV", ("tsv",), results=_Q.TSV),
    MediaType("json", "application/json", "json", "JSON", ("json",), errors="json"),
    MediaType("text", "text/plain", "txt", "plain text", ("txt", "text")),
)

BY_KEY: Mapping[str, MediaType] = MappingProxyType({m.key: m for m in MEDIA_TYPES})

#: What each kind of answer offers, default first.
RESULT_OFFERS = ("srj", "srx", "csv", "tsv")
GRAPH_OFFERS = ("turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads")
DOCUMENT_OFFERS = ("turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads", "html")
ERROR_OFFERS = ("text", "json", "html", "turtle", "ntriples", "trig", "nquads", "jsonld")


def offered(offers: Sequence[str]) -> str:
    """The offers as a readable list, for messages."""
    return ", ".join(f"{BY_KEY[k].mimetype} (.{BY_KEY[k].extension})" for k in offers)
