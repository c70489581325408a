"""The nginx configuration of a static export: every URL routed to its file, the
negotiation of formats and languages as the live service does it, and the headers
the live service sends (from what the export recorded in its ``StaticSite``).

The configuration is laid out, as nginx syntax, in ``templates/nginx.conf.j2``; this
module computes what the template names: the types, the entries of the negotiation
maps (from negotiation's table of media types), the Link and Content-Location of each
variant, the locations of each family of documents. It renders with jinja2 alone (no
Flask). ``nginx_config(site, listen)`` renders it; export.py writes it as ``nginx.conf``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from werkzeug.datastructures import MIMEAccept

from .app import CORS_EXPOSED, CORS_METHODS
from .media_types import BY_KEY, ERROR_OFFERS, MediaType, offered
from .security import HEADERS as SECURITY_HEADERS
from .static_site import (
    BROWSE_OFFERS,
    BY_FAMILY,
    CONFIG_FILE,
    FAMILIES,
    LIVE_PREFIXES,
    LIVE_ROUTES,
    NEGOTIATED,
    SLUG,
    SLUG_VARIABLE,
    SUMS,
    ExportError,
    Family,
    StaticSite,
)

TEMPLATE = "nginx.conf.j2"


HTML = BY_KEY["html"].mimetype


def nginx_config(
    site: StaticSite, listen: str, root: Path | None = None, sparql_upstream: str | None = None
) -> str:
    """The nginx configuration serving ``site`` on ``listen`` (from ``root``, default
    the export's folder; /sparql and the other live routes proxied to
    ``sparql_upstream``, else 503)."""
    if not re.fullmatch(r"[\w.:\[\]-]+", listen):
        raise ExportError(f"not an nginx listen address: {listen!r}")
    values = _values(site, listen, root or site.folder, sparql_upstream)
    return _environment().get_template(TEMPLATE).render(values)


def _quote(value: str) -> str:
    """An nginx string in double quotes (a backslash stays as it is, but before a
    quote: none of the values written here ends with one). The template's ``quote``."""
    return '"' + value.replace('"', '\\"') + '"'


def _essence(content_type: str) -> str:
    """A Content-Type without its parameters."""
    return content_type.split(";")[0].strip()


@cache
def _environment() -> Environment:
    """The template's environment: a configuration file, so nothing is escaped; an
    undefined name is an error; a line holding only a tag writes nothing."""
    environment = Environment(
        loader=PackageLoader("healthtech_lod", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["quote"] = _quote
    return environment


def _escape(text: str) -> str:
    """``text`` as a literal in a regular expression, readable: ``-`` unescaped."""
    return re.escape(text).replace("\\-", "-")


def _accept_regexes(
    offers: Sequence[str], end: str = r"\s*(?:[;,]|$)"
) -> Iterator[tuple[str, str]]:
    """``(regex, extension)`` for a ``map $http_accept``: the offer whose media type
    (or alias) is listed first in ``Accept``, then the wildcards as Werkzeug matches them.

    Each media type belongs to the first offer that accepts it, as in
    ``negotiation.best``. q-values are not weighed: the first offered type listed
    wins (clients list the type they prefer first).
    """
    owner: dict[str, MediaType] = {}
    for key in offers:
        for accepted in BY_KEY[key].accepts:
            owner.setdefault(accepted, BY_KEY[key])
    every = "|".join(_escape(t) for t in owner)
    skip = rf"(?:(?!\s*(?:{every}){end})[^,]*,)*"
    for key in offers:
        media_type = BY_KEY[key]
        mine = "|".join(_escape(t) for t, m in owner.items() if m == media_type)
        yield rf"~*^{skip}\s*(?:{mine}){end}", media_type.extension
    for wildcard in ("*/*", "text/*", "application/*"):
        match = MIMEAccept([(wildcard, 1)]).best_match(list(owner))
        if match:
            pattern = wildcard.replace("*", "[*]")
            yield rf"~*(?:^|,)\s*{pattern}{end}", owner[match].extension


def _format_regexes(offers: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(regex, extension)`` for a ``map $arg_format``: the names and media types
    that ``format=`` takes (a ``/`` may come as ``%2F``)."""
    seen: set[str] = set()
    for key in offers:
        media_type = BY_KEY[key]
        words = [
            w for w in dict.fromkeys((*media_type.names, *media_type.accepts)) if w not in seen
        ]
        seen.update(words)
        if words:
            alternatives = "|".join(_escape(w).replace("/", "(?:/|%2[Ff])") for w in words)
            yield rf"~*^\s*(?:{alternatives})\s*$", media_type.extension


def _offers_name(offers: Sequence[str]) -> str:
    """A short name for a set of offers (nginx variable names must stay short): the
    first family offering them, or ``browse``."""
    return next((f.name for f in FAMILIES if f.offers == tuple(offers)), "browse")


@dataclass(frozen=True)
class Language:
    """A language of the pages: its ``Accept-Language`` regex and the suffix of its
    files (none for the first)."""

    name: str
    regex: str
    suffix: str


@dataclass(frozen=True)
class Negotiation:
    """The maps choosing an extension among ``offers``: ``$lod_accept_{name}`` by
    ``Accept`` (``default`` without one), ``$lod_ext_{name}`` by ``format=`` first."""

    name: str
    offers: tuple[str, ...]
    default: str
    accept: list[tuple[str, str]]
    format: list[tuple[str, str]]


@dataclass(frozen=True)
class HeaderMaps:
    """The Link and Content-Location of each variant of a family, by extension."""

    name: str
    links: list[tuple[str, str]]
    locations: list[tuple[str, str]]


@dataclass(frozen=True)
class Variants:
    """A location serving a family's variants: negotiated (``ext`` the family's
    ``$lod_ext_…``, and ``offered`` the offers a 406 names) or the one an extension
    names (``$lod_x``, a capture of ``match``)."""

    match: str
    family: str
    ext: str
    stem: str
    html: str
    offered: str | None = None


@dataclass(frozen=True)
class FamilyLocations:
    """A family's path, its extensions and its two locations."""

    path: str
    extensions: list[str]
    locations: tuple[Variants, ...]


def _negotiated(match: str, family: Family, stem: str, html: str) -> Variants:
    ext = "$lod_ext_" + _offers_name(family.offers)
    return Variants(match, family.name, ext, stem, html, offered(family.offers))


def _family(family: Family) -> FamilyLocations:
    extensions = [m.extension for m in family.media_types]
    choice = "|".join(extensions)
    path = family.path
    if family.templated:
        prefix = _escape(path.replace(SLUG_VARIABLE, ""))
        exact = "~ " + _quote(f"^{prefix}(?<lod_slug>{SLUG})$")
        by_extension = "~ " + _quote(rf"^{prefix}(?<lod_slug>{SLUG})\.(?<lod_x>{choice})$")
    else:
        exact = f"= {path}"
        by_extension = "~ " + _quote(rf"^{_escape(path)}\.(?<lod_x>{choice})$")
    return FamilyLocations(
        path,
        extensions,
        (
            _negotiated(exact, family, path, f"{path}.{NEGOTIATED}"),
            Variants(by_extension, family.name, "$lod_x", path, path),
        ),
    )


def _languages(languages: Sequence[str]) -> list[Language]:
    end = r"(?:[-;,\s]|$)"
    every = "|".join(_escape(lang) for lang in languages)
    skip = rf"(?:(?!\s*(?:{every}){end})[^,]*,)*"
    return [
        Language(lang, rf"~*^{skip}\s*{_escape(lang)}{end}", "" if i == 0 else f".{lang}")
        for i, lang in enumerate(languages)
    ]


def _negotiations() -> list[Negotiation]:
    offer_sets = dict.fromkeys([*(f.offers for f in FAMILIES), BROWSE_OFFERS])
    return [
        Negotiation(
            _offers_name(offers),
            offers,
            BY_KEY[offers[0]].extension,
            list(_accept_regexes(offers)),
            list(_format_regexes(offers)),
        )
        for offers in offer_sets
    ]


def _error_extensions(text: str) -> list[tuple[str, str]]:
    """The format of a 404 after a location negotiated ``$lod_ext``: the same when an
    error can be written in it, plain text for those whose errors are text."""
    shapes = {BY_KEY[k].extension for k in ERROR_OFFERS}
    return [
        (m.extension, m.extension if m.extension in shapes else text)
        for m in BY_KEY.values()
        if m.extension in shapes or m.errors == "text"
    ]


def _header_maps(site: StaticSite, family: Family) -> HeaderMaps:
    return HeaderMaps(
        family.name,
        [(m.extension, site.links.get((family.name, m.extension), "")) for m in family.media_types],
        [
            (m.extension, site.locations.get((family.name, m.extension), ""))
            for m in family.media_types
        ],
    )


def _values(site: StaticSite, listen: str, root: Path, upstream: str | None) -> dict[str, Any]:
    """What the template names."""
    observed = [*site.types.values(), *site.download_types.values()]
    text = BY_KEY["text"].extension
    dataset = BY_FAMILY["dataset"]
    return {
        "base_url": site.base_url,
        "config_path": str(root / CONFIG_FILE),
        "upstream": upstream,
        "listen": listen,
        "root": str(root),
        "types": sorted((ext, _essence(t)) for ext, t in site.types.items()),
        # text/html is always in charset_types and gzip_types.
        "charset_types": sorted(
            {_essence(t) for t in observed if "charset=utf-8" in t.lower()}
            - {BY_KEY["html"].mimetype}
        ),
        "gzip_types": sorted(
            {_essence(t) for t in observed} - {"application/gzip", BY_KEY["html"].mimetype}
        ),
        "languages": _languages(site.languages),
        "negotiations": _negotiations(),
        "text": text,
        "error_accept": list(_accept_regexes(ERROR_OFFERS)),
        "error_extensions": _error_extensions(text),
        "header_maps": [_header_maps(site, family) for family in FAMILIES],
        "cors_exposed": CORS_EXPOSED,
        "cors_methods": CORS_METHODS,
        "security_headers": list(SECURITY_HEADERS.items()),
        "cache_control": f"public, max-age={site.cache_max_age}",
        "identifiers": [
            (prefix, "~ " + _quote(f"^/id/{prefix}(?<lod_slug>{SLUG})$"))
            for prefix in ("source/", "")
        ],
        "families": [_family(family) for family in FAMILIES],
        "home": [
            _negotiated("= /", dataset, "/dataset", "/index"),
            _negotiated(
                "= /.well-known/void", dataset, "/dataset", f"/.well-known/void.{NEGOTIATED}"
            ),
        ],
        "license_link": f'<{site.license}>; rel="license"',
        # A regex with a backslash: Jinja's string literals would read it as an escape.
        "sitemaps": r"^/sitemap(?:-[0-9]+)?\.xml$",
        "downloads": "^/download/(?:{})$".format(
            "|".join(_escape(n) for n in site.downloads if n != SUMS)
        ),
        "sums": SUMS,
        "sums_type": _essence(site.download_types.get(SUMS, BY_KEY["text"].mimetype)),
        "browse": {"name": _offers_name(BROWSE_OFFERS), "offered": offered(BROWSE_OFFERS)},
        "live": [f"= {route}" for route in LIVE_ROUTES]
        + [f"^~ {prefix}" for prefix in LIVE_PREFIXES],
    }
