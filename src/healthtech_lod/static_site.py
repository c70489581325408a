"""What a static export holds and where: the families of documents negotiated alike,
the routes that need the live service, the names of its special files, and
``StaticSite``, the record of what an export wrote (export.py writes the files,
nginx.py the configuration serving them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .description import DESCRIPTION
from .media_types import BY_KEY, DOCUMENT_OFFERS, MediaType
from .quality import QUALITY
from .resources import SlugConverter
from .vocabulary import ONTOLOGY, SHAPES

CONFIG_FILE = "nginx.conf"


NEGOTIATED = "negotiated"


#: The routes that need the live service: proxied to the upstream, else 503.
LIVE_ROUTES = ("/sparql", "/search", "/rdf-graphs", "/health", "/reconcile")


LIVE_PREFIXES = ("/graph/", "/reconcile/")


BROWSER = BY_KEY["html"].mimetype


SLUG = SlugConverter.regex


#: What stands for the slug in the header templates of entity and source documents.
SLUG_VARIABLE = "$lod_slug"


#: Files whose type does not follow from their name.
SUMS = "SHA256SUMS"


class ExportError(Exception):
    """The export cannot be written, or would not answer like the live service."""


@dataclass(frozen=True)
class Family:
    """Documents negotiated alike: the offers (default first), the URL of their
    ``.ext`` variants and the nginx variable prefix of their header maps."""

    name: str
    offers: tuple[str, ...]
    #: URL path without extension; ``$lod_slug`` for entity and source documents.
    path: str
    #: Whether the document describes an entity (templated by its slug).
    templated: bool = False

    @property
    def media_types(self) -> list[MediaType]:
        return [BY_KEY[key] for key in self.offers]


FAMILIES = (
    Family("doc", DOCUMENT_OFFERS, "/doc/" + SLUG_VARIABLE, templated=True),
    Family("source", DOCUMENT_OFFERS, "/doc/source/" + SLUG_VARIABLE, templated=True),
    Family("dataset", DESCRIPTION.offers, "/dataset"),
    Family("def", ONTOLOGY.offers, "/def"),
    Family("shapes", SHAPES.offers, "/shapes"),
    Family("quality", QUALITY.offers, "/quality"),
)


BY_FAMILY = {f.name: f for f in FAMILIES}


BROWSE_OFFERS = ("html", "json")


@dataclass
class StaticSite:
    """What an export wrote, enough to write its nginx configuration again (for
    another listen address, root or upstream)."""

    folder: Path
    base_url: str
    languages: tuple[str, ...]
    cache_max_age: int
    license: str
    #: Extension to the Content-Type the live service sends with it.
    types: dict[str, str] = field(default_factory=dict)
    #: (family, extension) to the live Link and Content-Location headers, templated.
    links: dict[tuple[str, str], str] = field(default_factory=dict)
    locations: dict[tuple[str, str], str] = field(default_factory=dict)
    downloads: tuple[str, ...] = ()
    download_types: dict[str, str] = field(default_factory=dict)
    documents: int = 0
    files: int = 0
