"""Turn RDF statements into HTTP responses: serialisation, caching headers, links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Response, abort, current_app, request, url_for

from . import jsonld, rdf
from .negotiation import BY_KEY, MediaType, language, negotiate
from .pages import Format
from .rdf import Statement, triples
from .store import get_store


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
        document = jsonld.compact(triples(statements), entity_base(), context_url, first)
        return jsonld.dumps(document)
    return rdf.serialize(statements, media_type.rdf)


def rdf_response(
    statements: Sequence[Statement],
    media_type: MediaType,
    links: Sequence[Link] = (),
    first: str | None = None,
) -> Response:
    """A cacheable response holding the statements in ``media_type``."""
    body = serialize(statements, media_type, first)
    return cacheable(Response(body, mimetype=media_type.mimetype), media_type, links)


def cacheable(response: Response, variant: MediaType, links: Sequence[Link] = ()) -> Response:
    """Add ETag (dataset version and variant), Last-Modified, Cache-Control, the
    license and ``links``; answer 304 to a matching conditional request."""
    version = get_store().version
    tag = f"{version.digest}-{variant.key}"
    if variant.key == "html":
        tag += f"-{language()}"
    response.set_etag(tag)
    response.last_modified = version.modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    license_link = Link(current_app.config["LICENSE"], "license")
    response.headers["Link"] = ", ".join(str(link) for link in (*links, license_link))
    return response.make_conditional(request)


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
            abort(404, f"No .{ext} variant here; this document comes as {listed}.")
        return negotiate(self.offers, ext)

    def url(self, media_type: MediaType) -> str:
        return url_for(self.endpoint, ext=media_type.extension, _external=True, **dict(self.values))

    def links(self, current: MediaType) -> list[Link]:
        """``alternate`` links to the other variants."""
        return [
            Link(self.url(m), "alternate", m.mimetype) for m in self.media_types() if m != current
        ]

    def formats(self) -> tuple[Format, ...]:
        return tuple(Format(m.label, self.url(m), m.mimetype) for m in self.media_types())

    def media_types(self) -> list[MediaType]:
        return [BY_KEY[key] for key in self.offers]

    def respond(
        self, response: Response, current: MediaType, links: Sequence[Link] = ()
    ) -> Response:
        """Finish a variant's response: Content-Location, links and caching."""
        response.headers["Content-Location"] = self.url(current)
        return cacheable(response, current, [*self.links(current), *links])
