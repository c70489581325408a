"""Turn RDF statements into HTTP responses: serialisation, caching headers, links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Response, abort, current_app, g, request, url_for

from . import jsonld, rdf
from .cache import REPLAYABLE, Written, get_documents
from .echo import quote
from .media_types import BY_KEY, MediaType
from .namespaces import DCTERMS, FOAF, VOID, XSD
from .negotiation import jsonld_profile, language, negotiate
from .opening import get_store
from .pages import Format
from .rdf import Statement, triples


@dataclass(frozen=True)
class Link:
    """One entry of a ``Link`` header."""

    url: str
    rel: str
    type: str | None = None

    def __str__(self) -> str:
        media = f'; type="{self.type}"' if self.type else ""
        return f'<{self.url}>; rel="{self.rel}"{media}'


def serialize(
    statements: Sequence[Statement], media_type: MediaType, first: str | None = None
) -> bytes:
    """Write statements in an RDF media type; triple formats get their union.

    JSON-LD is compacted with the published context, ``first`` (an IRI) naming the
    node to put first.
    """
    if media_type.rdf is None:
        raise ValueError(f"{media_type.mimetype} is not an RDF format")
    if media_type.rdf == ox.RdfFormat.JSON_LD:
        context_url = url_for("vocabulary.context", _external=True)
        form = g.jsonld_form = jsonld_profile()  # cacheable() names it in the response
        document = jsonld.document(triples(statements), entity_base(), context_url, first, form)
        return jsonld.dumps(document)
    return rdf.serialize(statements, media_type.rdf)


def described(
    statements: Sequence[Statement], media_type: MediaType, document: str, topic: str | None
) -> list[Statement]:
    """A document's statements as written in ``media_type``, after a few triples in
    which the document describes itself: its primary topic, licence, dataset and
    modification date.

    A dataset format (TriG, N-Quads) holds every statement in the default graph
    as well as in the named graph of its source: clients that read the default
    graph (Comunica, rdf-dereference) see the document's content, and each
    statement's source stays recoverable from the named graphs. A named graph
    (``topic`` None) describes itself: its name is the document."""
    node = ox.NamedNode(document)
    modified = get_store().version.modified.isoformat()
    about: list[Statement] = [
        *([ox.Triple(node, _FOAF_PRIMARY_TOPIC, ox.NamedNode(topic))] if topic else []),
        ox.Triple(node, _DCTERMS_LICENSE, ox.NamedNode(current_app.config["LICENSE"])),
        ox.Triple(
            node, _VOID_IN_DATASET, ox.NamedNode(current_app.config["BASE_URI"] + "id/dataset")
        ),
        ox.Triple(node, _DCTERMS_MODIFIED, ox.Literal(modified, datatype=_XSD_DATE_TIME)),
    ]
    if media_type.rdf is not None and media_type.rdf.supports_datasets:
        about = [ox.Quad(t.subject, t.predicate, t.object) for t in (*about, *triples(statements))]
    return [*about, *statements]


_FOAF_PRIMARY_TOPIC = ox.NamedNode(str(FOAF.primaryTopic))
_DCTERMS_LICENSE = ox.NamedNode(str(DCTERMS.license))
_DCTERMS_MODIFIED = ox.NamedNode(str(DCTERMS.modified))
_VOID_IN_DATASET = ox.NamedNode(str(VOID.inDataset))
_XSD_DATE_TIME = ox.NamedNode(str(XSD.dateTime))


def rdf_response(
    statements: Sequence[Statement],
    media_type: MediaType,
    links: Sequence[Link] = (),
    first: str | None = None,
) -> Response:
    """A cacheable response holding the statements in ``media_type``."""
    body = serialize(statements, media_type, first)
    return cacheable(Response(body, mimetype=media_type.mimetype), media_type, links)


def cacheable(
    response: Response, variant: MediaType, links: Sequence[Link] = (), conditional: bool = True
) -> Response:
    """Add ETag (dataset version and variant), Last-Modified, Cache-Control, the
    license and ``links``; answer 304 to a matching conditional request."""
    version = get_store().version
    tag = f"{version.digest}-{variant.key}"
    if variant.key == "html":
        tag += f"-{language()}"
    if (
        g.get("jsonld_form", "compacted") != "compacted"
        and response.mimetype == BY_KEY["jsonld"].mimetype
    ):
        # The default form goes unmarked, as the static export serves it.
        tag += f"-{g.jsonld_form}"
        response.content_type = (
            f'{response.mimetype}; profile="{jsonld.PROFILE_IRI}{g.jsonld_form}"'
        )
    response.set_etag(tag)
    response.last_modified = version.modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    license_link = Link(current_app.config["LICENSE"], "license")
    response.headers["Link"] = ", ".join(str(link) for link in (*links, license_link))
    if conditional:
        response.make_conditional(request)  # in place
    return response


def entity_base() -> str:
    """The namespace of entity IRIs, ``{BASE_URI}id/``."""
    return current_app.config["BASE_URI"] + "id/"


@dataclass(frozen=True)
class Variants:
    """A document served at ``endpoint`` (negotiated) and at ``endpoint`` with
    ``ext=`` (one format each): its negotiation, links and Content-Location."""

    endpoint: str
    offers: tuple[str, ...]
    values: tuple[tuple[str, str], ...] = ()

    def negotiate(self, ext: str | None) -> MediaType:
        """The variant asked for. Aborts 404 for an extension that is not offered,
        406 when nothing offered is acceptable."""
        extensions = [BY_KEY[key].extension for key in self.offers]
        if ext is not None and ext not in extensions:
            listed = ", ".join(f".{e}" for e in extensions)
            abort(404, f"No .{quote(ext)} variant here; this document comes as {listed}.")
        return negotiate(self.offers, ext)

    def url(self, media_type: MediaType) -> str:
        return url_for(self.endpoint, ext=media_type.extension, _external=True, **dict(self.values))

    def links(self, current: MediaType) -> list[Link]:
        """``alternate`` links to the other variants; an RDF variant is also what
        describes the resource (``describedby``), in one link of two relation types.

        One link per variant, not two, because PyLD (3.3) cannot read a ``Link``
        header holding several links whose ``rel`` is exactly ``alternate``: its
        parser groups them into a list that its document loader reads as one link
        (docs/http.md)."""
        return [
            Link(self.url(m), "alternate describedby" if m.rdf else "alternate", m.mimetype)
            for m in self.media_types()
            if m != current
        ]

    def formats(self) -> tuple[Format, ...]:
        return tuple(Format(m.label, self.url(m), m.mimetype) for m in self.media_types())

    def media_types(self) -> list[MediaType]:
        return [BY_KEY[key] for key in self.offers]

    def respond(
        self,
        response: Response,
        current: MediaType,
        links: Sequence[Link] = (),
        conditional: bool = True,
    ) -> Response:
        """Finish a variant's response: Content-Location, links and caching (and 304
        to a matching conditional request, unless ``conditional`` is false)."""
        response.headers["Content-Location"] = self.url(current)
        return cacheable(response, current, [*self.links(current), *links], conditional)


def written_once(media_type: MediaType, write: Callable[[], Response]) -> Response:
    """The response ``write`` makes (unconditionally: ``conditional=False``), made once
    per process and dataset version for each variant of the request, then sent from
    the document cache with its headers; 304 to a matching conditional request."""
    documents = get_documents()
    key = variant_key(media_type)
    written = documents.get(key)
    if written is None:
        made = write()
        written = Written(made.get_data(), tuple(made.headers.items()))
        documents.put(key, written)
    response = Response(written.body, headers=list(written.headers))
    response.make_conditional(request)  # in place
    request.environ[REPLAYABLE] = True  # its final form may be replayed (replay.py)
    return response


def variant_key(media_type: MediaType) -> tuple[str, ...]:
    """Everything of the request a document's bytes and headers depend on, with the
    dataset version: the format (and JSON-LD's form), the language of a page, the path
    and query (a page's links name them) and the host its links name."""
    language_ = language() if media_type.key == "html" else ""
    form = ""
    if media_type.key == "jsonld":
        form = g.jsonld_form = jsonld_profile()  # cacheable() names it, hit or miss
    query = request.query_string.decode("latin-1")
    version = get_store().version.digest
    return (version, request.path, query, media_type.key, form, language_, request.host_url)
