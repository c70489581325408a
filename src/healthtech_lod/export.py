"""Static export: every document the service can answer without running a query,
written as files, with an nginx configuration that serves them like the live service.

The files come from the application itself, driven by Flask's test client with
explicit ``Accept`` and ``Accept-Language`` headers and the public base URL the
export is for, so each file holds the bytes the live service sends: entity and
source documents in every format, the dataset's description, the vocabulary, the
shapes, the quality report, the pages (in every language of LANGUAGES), the
browse pages, the downloads and the error pages. Nothing is serialised here.

The layout keeps the URL of each file where a URL names one format:
``doc/voicemed.ttl`` is ``/doc/voicemed.ttl``. The other files are named after the
URL they answer with a suffix no URL can have (slugs have no dot):

- ``{path}.{lang}.html``: the page in another language than the first of LANGUAGES;
- ``{path}.negotiated[.{lang}].html``: the page at the negotiated URL (``/doc/voicemed``
  for a browser), which differs from the ``.html`` one only in its language links;
- ``index[.{lang}].html`` (``/``), ``download/index[.{lang}].html`` (``/download/``),
  ``browse[.{lang}].html`` and ``browse.json`` (``/browse``),
  ``browse/{class}[.page-N][.{lang}].{html,json}`` (``/browse/{class}[?page=N]``),
  ``_errors/404.*`` (the 404 answer in each error format).

``robots.txt``, ``sitemap.xml`` and any ``sitemap-{n}.xml`` are written for the
public base URL, at their own names.

``nginx.conf`` routes every URL to its file explicitly (anything else is 404), so
these files are never served at their own names. Header values that name URLs
(``Link``, ``Content-Location``) are taken from the live responses and checked, for
every entity, to be what the configuration writes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MIMEAccept
from werkzeug.test import TestResponse

from . import crawlers
from .app import CORS_EXPOSED, CORS_METHODS, create_app
from .build import make_beside, put_in_place
from .description import DESCRIPTION
from .downloads import get_manifest
from .negotiation import BY_KEY, DOCUMENT_OFFERS, ERROR_OFFERS, MediaType, offered
from .quality import QUALITY
from .resources import SlugConverter
from .security import HEADERS as SECURITY_HEADERS
from .store import get_store
from .vocabulary import ONTOLOGY, SHAPES

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
CONFIG_FILE = "nginx.conf"
NEGOTIATED = "negotiated"
#: The routes that need the live service: proxied to the upstream, else 503.
LIVE_ROUTES = ("/sparql", "/search", "/rdf-graphs", "/health", "/reconcile")
LIVE_PREFIXES = ("/graph/", "/reconcile/")
BROWSER = "text/html"
SLUG = SlugConverter.regex
#: What stands for the slug in the header templates of entity and source documents.
SLUG_VARIABLE = "$lod_slug"
#: What nginx's listen takes here: PORT, or HOST:PORT with an IPv6 host in brackets.
_LISTEN = re.compile(r"(?:(?:[A-Za-z0-9.-]+|\*|\[[0-9A-Fa-f:.]+\]):)?[0-9]{1,5}")
#: Files whose type does not follow from their name.
SUMS = "SHA256SUMS"

Announce = Callable[[str], None]


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

    def nginx_conf(
        self, listen: str, root: Path | None = None, sparql_upstream: str | None = None
    ) -> str:
        """The nginx configuration serving this export."""
        return _NginxConfig(self, listen, root or self.folder, sparql_upstream).render()


def export_static(
    folder: Path,
    config: Mapping[str, Any] | None = None,
    base_url: str = DEFAULT_BASE_URL,
    sparql_upstream: str | None = None,
    listen: str | None = None,
    announce: Announce | None = None,
) -> StaticSite:
    """Write the static export of the service configured by ``config`` (as for
    ``create_app``) into ``folder`` (new, or empty), for serving at ``base_url``;
    ``nginx.conf`` listens on ``listen`` (default: the base URL's port, else 8080)
    and proxies the live routes to ``sparql_upstream`` (none: they answer 503).

    Raises ExportError for a folder that is not empty or cannot be written, a base
    URL with a path, a listen address that is not one, or a response the
    configuration could not reproduce; DatasetSyntaxError if a file does not parse.

    The export is written into a temporary folder beside ``folder`` and moved into
    place once complete, ``nginx.conf`` included: an export that fails leaves nothing.
    """
    base = normalise_base_url(base_url)
    upstream = normalise_upstream(sparql_upstream) if sparql_upstream else None
    address = normalise_listen(listen) if listen else default_listen(base)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ExportError(f"{folder} exists and is not an empty folder")
    say = announce or (lambda step: None)
    work = make_beside(folder, ExportError)
    try:
        say("Loading the dataset")
        # The export's links name its base URL, which the service must then answer for.
        app = create_app({**(config or {}), "ACCESS_LOG": False, "PUBLIC_URL": base})
        site = StaticSite(
            folder=work,
            base_url=base,
            languages=tuple(app.config["LANGUAGES"]),
            cache_max_age=int(app.config["CACHE_MAX_AGE"]),
            license=app.config["LICENSE"],
        )
        _Writer(app, site).write_all(say)
        site.folder = folder.resolve()
        conf = site.nginx_conf(address, sparql_upstream=upstream)
        (work / CONFIG_FILE).write_text(conf, encoding="utf-8")
        work.chmod(0o755)
        put_in_place(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return site


def normalise_base_url(url: str) -> str:
    """``scheme://host[:port]`` without a trailing slash. Raises ExportError for
    anything else (a path prefix would need other nginx locations)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"the base URL must be http(s)://host[:port], not {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "$" in url:
        raise ExportError(f"the base URL must have no path, query or fragment: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def normalise_upstream(url: str) -> str:
    """The upstream as nginx's ``proxy_pass`` takes it: ``http://host:port``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"the SPARQL upstream must be http(s)://host[:port], not {url!r}")
    if parts.path not in ("", "/") or parts.query or "$" in url or ";" in url:
        raise ExportError(f"the SPARQL upstream must have no path: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def normalise_listen(listen: str) -> str:
    """nginx's listen address: ``PORT`` or ``HOST:PORT`` (an IPv6 host in brackets).
    Raises ExportError for anything else (it would break nginx.conf)."""
    value = listen.strip()
    if not _LISTEN.fullmatch(value) or not 0 < int(value.rsplit(":", 1)[-1]) < 65536:
        raise ExportError(f"listen on PORT or HOST:PORT, e.g. 127.0.0.1:8080, not {listen!r}")
    return value


def default_listen(base: str) -> str:
    """The port of the base URL when it names one, else 8080."""
    port = urlsplit(base).port
    return str(port) if port else "8080"


# --- writing the files ---------------------------------------------------------


class _Writer:
    """Requests every exported URL from the app and writes its body."""

    def __init__(self, app: Flask, site: StaticSite) -> None:
        self.app = app
        self.site = site
        self.client: FlaskClient = app.test_client()
        self.default_language = site.languages[0]
        #: The files answering one URL (by Accept or Accept-Language): their ETags,
        #: nginx's modification time and size, must differ.
        self.groups: list[list[Path]] = []

    def get(self, url: str, accept: str | None = None, language: str | None = None) -> TestResponse:
        """GET ``url`` on the public base. Raises ExportError unless it answers 200."""
        headers = {}
        if accept:
            headers["Accept"] = accept
        if language:
            headers["Accept-Language"] = language
        response = self.client.get(url, base_url=self.site.base_url, headers=headers)
        response.get_data()
        response.close()
        if response.status_code != 200:
            raise ExportError(f"GET {url} (Accept: {accept}) answered {response.status_code}")
        return response

    def save(self, name: str, response: TestResponse, group: list[Path] | None = None) -> None:
        """Write ``response``'s body as ``name``, recording its Content-Type."""
        target = self.site.folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(response.get_data())
        self._record_type(name, response.headers["Content-Type"])
        self.site.files += 1
        if group is not None:
            group.append(target)

    def _record_type(self, name: str, content_type: str) -> None:
        extension = Path(name).suffix.removeprefix(".")
        if not extension:
            raise ExportError(f"{name} has no extension to give it a Content-Type")
        known = self.site.types.setdefault(extension, content_type)
        if known != content_type:
            raise ExportError(f"{name} is served as {content_type}, other .{extension} as {known}")

    def pages(self, url: str, stem: str, group: list[Path], accept: str = BROWSER) -> TestResponse:
        """The page at ``url`` in every language: ``stem.html``, ``stem.{lang}.html``.
        Returns the page in the first language."""
        first = None
        for lang in self.site.languages:
            suffix = "" if lang == self.default_language else f".{lang}"
            response = self.get(url, accept, lang)
            self.save(f"{stem}{suffix}.html", response, group)
            first = first or response
        assert first is not None
        return first

    def write_all(self, say: Announce) -> None:
        say("Writing the vocabulary, the shapes, the description and the quality report")
        self.save("context.jsonld", self.get("/context.jsonld"))
        self.static_files()
        dataset = self.family(BY_FAMILY["dataset"], None)
        home = [p for p in dataset if not p.name.endswith(".html")]
        self.pages("/", "index", home)
        self.groups.append(home)
        void = [p for p in dataset if not p.name.endswith(".html")]
        self.pages("/.well-known/void", f".well-known/void.{NEGOTIATED}", void)
        self.groups.append(void)
        for name in ("def", "shapes", "quality"):
            self.family(BY_FAMILY[name], None)
        say("Writing the downloads, the browse pages and the error pages")
        self.downloads()
        self.browse()
        self.errors()
        with self.app.app_context():
            entities, sources = entity_slugs(self.app.config["BASE_URI"])
        say(f"Writing {len(entities)} entity and {len(sources)} source documents")
        for slug in entities:
            self.family(BY_FAMILY["doc"], slug)
        for slug in sources:
            self.family(BY_FAMILY["source"], slug)
        self.site.documents = len(entities) + len(sources)
        self.crawlers()
        self.stamp()

    def crawlers(self) -> None:
        """/robots.txt, /sitemap.xml and, past its limit, the numbered sitemaps."""
        self.save("robots.txt", self.get("/robots.txt"))
        self.save("sitemap.xml", self.get("/sitemap.xml"))
        count = self.app.extensions[crawlers.EXTENSION].count
        for number in range(1, count + 1) if count > 1 else ():
            self.save(f"sitemap-{number}.xml", self.get(f"/sitemap-{number}.xml"))

    def family(self, family: Family, slug: str | None) -> list[Path]:
        """Every ``.ext`` variant of one document (its page in every language), and
        its page at the negotiated URL; records and checks the header templates.
        Returns the files answering the negotiated URL."""
        path = family.path.replace(SLUG_VARIABLE, slug) if slug else family.path
        stem = path.lstrip("/")
        negotiated: list[Path] = []
        for media_type in family.media_types:
            ext = media_type.extension
            if media_type.key == "html":
                variants: list[Path] = []
                response = self.pages(f"{path}.{ext}", stem, variants)
                self.groups.append(variants)
            else:
                response = self.get(f"{path}.{ext}")
                self.save(f"{stem}.{ext}", response, negotiated)
            self._template(family, ext, slug, response)
        if "html" in family.offers:
            self.pages(path, f"{stem}.{NEGOTIATED}", negotiated)
        self.groups.append(negotiated)
        return negotiated

    def _template(self, family: Family, ext: str, slug: str | None, response: TestResponse) -> None:
        """Record the Link and Content-Location of a variant as nginx writes them
        (``$lod_slug`` for the slug), checking that every document's follow it."""
        for table, name in ((self.site.links, "Link"), (self.site.locations, "Content-Location")):
            value = response.headers.get(name, "")
            template = value
            if slug:
                template = value.replace(f"/{slug}.", f"/{SLUG_VARIABLE}.").replace(
                    f"/{slug}>", f"/{SLUG_VARIABLE}>"
                )
            known = table.setdefault((family.name, ext), template)
            expected = known.replace(SLUG_VARIABLE, slug) if slug else known
            if value != expected:
                raise ExportError(
                    f"the {name} header of {family.path} ({slug}) does not follow the "
                    f"others: {value!r}, not {expected!r}"
                )

    def static_files(self) -> None:
        static = Path(self.app.static_folder or "")
        for path in sorted(p for p in static.rglob("*") if p.is_file()):
            relative = path.relative_to(static).as_posix()
            self.save(f"static/{relative}", self.get(f"/static/{relative}"))

    def downloads(self) -> None:
        """The prepared files, copied as they are served; the page listing them."""
        with self.app.app_context():
            manifest = get_manifest()
            files = [(d.name, manifest.folder / d.name) for d in manifest.files]
        target = self.site.folder / "download"
        target.mkdir(parents=True, exist_ok=True)
        for name, source in files:
            shutil.copyfile(source, target / name)
            with self.client.head(f"/download/{name}", base_url=self.site.base_url) as head:
                status, content_type = head.status_code, head.headers["Content-Type"]
            if status != 200:
                raise ExportError(f"HEAD /download/{name} answered {status}")
            if name == SUMS:
                self.site.download_types[name] = content_type
            else:
                self._record_type(name, content_type)
            self.site.files += 1
        self.site.downloads = tuple(name for name, _ in files)
        page: list[Path] = []
        self.pages("/download/", "download/index", page)
        self.groups.append(page)

    def browse(self) -> None:
        """/browse and the pages of every class, as HTML and JSON."""
        group: list[Path] = []
        self.pages("/browse", "browse", group)
        listing = self.get("/browse", "application/json")
        self.save("browse.json", listing, group)
        self.groups.append(group)
        for entry in listing.get_json():
            name = entry["name"]
            if "." in name or "/" in name:
                raise ExportError(f"the class {name} cannot be a file name of the export")
            url = f"/browse/{quote(name, safe=':')}"
            pages = self.get(url, "application/json").get_json()["pages"]
            for number in range(1, pages + 1):
                page_url = f"{url}?page={number}" if number > 1 else url
                stem = f"browse/{name}" + (f".page-{number}" if number > 1 else "")
                group = []
                self.pages(page_url, stem, group)
                self.save(f"{stem}.json", self.get(page_url, "application/json"), group)
                self.groups.append(group)

    def errors(self) -> None:
        """The 404 answer in each error format, for a URL that names nothing."""
        group: list[Path] = []
        for key in ERROR_OFFERS:
            media_type = BY_KEY[key]
            for lang in self.site.languages if key == "html" else self.site.languages[:1]:
                headers = {"Accept": media_type.mimetype, "Accept-Language": lang}
                response = self.client.get("/404", base_url=self.site.base_url, headers=headers)
                if response.status_code != 404:
                    raise ExportError(f"GET /404 answered {response.status_code}")
                suffix = "" if lang == self.default_language else f".{lang}"
                self.save(f"_errors/404{suffix}.{media_type.extension}", response, group)
        self.groups.append(group)

    def stamp(self) -> None:
        """Every file's modification time becomes the dataset's Last-Modified, so that
        nginx sends the live Last-Modified and an ETag (time and size) that stays the
        same across exports of one version. Files answering one URL that have the
        same size get a second more each, so that their ETags differ."""
        with self.app.app_context():
            modified = get_store().version.modified.timestamp()
        for path in self.site.folder.rglob("*"):
            if path.is_file():
                os.utime(path, (modified, modified))
        for group in self.groups:
            seen: set[tuple[int, int]] = set()
            for path in group:
                status = path.stat()
                tag = (int(status.st_mtime), status.st_size)
                while tag in seen:
                    tag = (tag[0] + 1, tag[1])
                if tag[0] != int(status.st_mtime):
                    os.utime(path, (tag[0], tag[0]))
                seen.add(tag)


def entity_slugs(base: str) -> tuple[list[str], list[str]]:
    """The slugs of ``{base}id/{slug}`` and ``{base}id/source/{slug}`` that the
    store describes (what ``/id/`` answers 303 for), sorted."""
    space = base + "id/"
    rows = get_store().select(
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        f"FILTER (isIRI(?s) && STRSTARTS(STR(?s), {ox.Literal(space)})) }}"
    )
    pattern = re.compile(SLUG)
    entities, sources = [], []
    for row in rows:
        rest = row["s"].value[len(space) :]
        if pattern.fullmatch(rest):
            entities.append(rest)
        elif rest.startswith("source/") and pattern.fullmatch(rest.removeprefix("source/")):
            sources.append(rest.removeprefix("source/"))
    return sorted(entities), sorted(sources)


# --- the nginx configuration -------------------------------------------------------


def _quote(value: str) -> str:
    """An nginx string in double quotes (a backslash stays as it is, but before a
    quote: none of the values written here ends with one)."""
    return '"' + value.replace('"', '\\"') + '"'


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


def _not_acceptable(offers: Sequence[str]) -> str:
    """nginx's ``return 406`` of a negotiated location, worded as the live one."""
    message = (
        "406 Not Acceptable\\nNothing offered here matches $lod_asked. "
        f"Offered: {offered(offers)}.\\n"
    )
    return f'if ($lod_ext = "") {{\n    return 406 "{message}";\n}}'


class _NginxConfig:
    """Writes nginx.conf for a StaticSite."""

    def __init__(self, site: StaticSite, listen: str, root: Path, upstream: str | None) -> None:
        if not re.fullmatch(r"[\w.:\[\]-]+", listen):
            raise ExportError(f"not an nginx listen address: {listen!r}")
        self.site = site
        self.listen = listen
        self.root = root
        self.upstream = upstream
        self.default_language = site.languages[0]
        self.lines: list[str] = []

    def add(self, text: str, indent: int = 1) -> None:
        for line in text.splitlines():
            self.lines.append(("    " * indent + line) if line else "")

    def render(self) -> str:
        live = (
            f"proxied to {self.upstream}"
            if self.upstream
            else "no upstream is configured, so they answer 503"
        )
        self.lines = []
        self.add(
            f"""\
# nginx configuration for the static export of healthtech-lod served at
# {self.site.base_url}/, written by `healthtech-lod export-static`.
#
# Every file under the root holds what the live service answers; this configuration
# serves them the way it does: /id/ answers 303 See Other to /doc/; documents come as
# Turtle, JSON-LD, N-Triples, RDF/XML, TriG or HTML by Accept (or ?format=, or an
# extension); pages in the language of ?lang= or Accept-Language; with Vary, Link,
# Content-Location, Cache-Control, ETag, Last-Modified, gzip, CORS and the live
# service's security headers. Unlike the live service, Accept's q-values are not
# weighed: the first offered type listed wins.
#
# Run it with its pid, logs and temporary files in RUN/ (a folder that must exist):
#   nginx -p RUN/ -c {self.root / CONFIG_FILE}
# Only the SPARQL endpoint (with search, the graph store and /health) needs the live
# service: {live}.

worker_processes auto;
pid nginx.pid;
error_log error.log warn;

events {{
    worker_connections 1024;
}}

http {{""",
            0,
        )
        self.add(
            "access_log access.log;\n"
            "client_body_temp_path client_body_temp;\n"
            "proxy_temp_path proxy_temp;\n"
            "fastcgi_temp_path fastcgi_temp;\n"
            "uwsgi_temp_path uwsgi_temp;\n"
            "scgi_temp_path scgi_temp;\n"
            "sendfile on;\n"
            "server_tokens off;\n"
            "etag on;"
        )
        self._types()
        self._language_maps()
        self._negotiation_maps()
        self._header_maps()
        self._server()
        self.add("}", 0)
        return "\n".join(self.lines) + "\n"

    # http level

    def _types(self) -> None:
        site = self.site
        observed = [*site.types.values(), *site.download_types.values()]
        bare = {ext: t.split(";")[0].strip() for ext, t in site.types.items()}
        self.add("\n# The Content-Types the live service sends, by extension.\ntypes {")
        for ext, media in sorted(bare.items()):
            self.add(f"{media} {ext};", 2)
        self.add("}\ndefault_type application/octet-stream;")
        # text/html is always in charset_types and gzip_types.
        charset = sorted(
            {t.split(";")[0].strip() for t in observed if "charset=utf-8" in t.lower()}
            - {"text/html"}
        )
        self.add(f"charset utf-8;\ncharset_types {' '.join(charset)};")
        compressible = sorted(
            {t.split(";")[0].strip() for t in observed} - {"application/gzip", "text/html"}
        )
        self.add(
            "\n# Text is compressed on the fly (the .gz downloads are already).\n"
            "gzip on;\ngzip_vary on;\ngzip_proxied any;\ngzip_comp_level 5;\n"
            f"gzip_min_length 256;\ngzip_types {' '.join(compressible)};"
        )

    def _language_maps(self) -> None:
        languages = self.site.languages
        default = self.default_language
        end = r"(?:[-;,\s]|$)"
        every = "|".join(_escape(lang) for lang in languages)
        skip = rf"(?:(?!\s*(?:{every}){end})[^,]*,)*"
        self.add(
            "\n# The page's language: ?lang= if it is offered, else the first offered one"
            " of Accept-Language.\n"
            'map $arg_lang $lod_lang_arg {\n    default "";'
        )
        for lang in languages:
            self.add(f"{lang} {lang};", 2)
        self.add(f"}}\nmap $http_accept_language $lod_lang_accept {{\n    default {default};")
        for lang in languages:
            regex = rf"~*^{skip}\s*{_escape(lang)}{end}"
            self.add(f"{_quote(regex)} {lang};", 2)
        self.add(
            '}\nmap $lod_lang_arg $lod_lang {\n    "" $lod_lang_accept;\n'
            "    default $lod_lang_arg;\n}\n"
            "# Pages whose language was negotiated vary by Accept-Language too.\n"
            'map "$lod_ext:$lod_lang_arg" $lod_vary {\n'
            '    "html:" "Accept, Accept-Language";\n    default Accept;\n}\n'
            'map $lod_lang_arg $lod_vary_language {\n    "" Accept-Language;\n    default "";\n}'
        )
        self.add(
            "\n# The file answering: $lod_stem.{ext} for data, $lod_html[.{lang}].{html,json}"
            " for pages.\n"
            'map "$lod_ext:$lod_lang" $lod_file {'
        )
        for lang in languages:
            suffix = "" if lang == default else f".{lang}"
            self.add(f'"html:{lang}" "$lod_html{suffix}.html";', 2)
        self.add('"~^json:" "$lod_html.json";\n"~^(?<lod_e>[a-z]+):" "$lod_stem.$lod_e";', 2)
        self.add("}")
        self.add(
            "# /browse/{class}?page=N\n"
            'map $arg_page $lod_page {\n    "" "";\n    1 "";\n'
            '    "~^(?<lod_n>[1-9][0-9]{0,8})$" ".page-$lod_n";\n    default ".none";\n}'
        )

    def _negotiation_maps(self) -> None:
        self.add(
            "\n# What a 406 names: format= if given, else Accept.\n"
            'map $arg_format $lod_asked {\n    "" "Accept: $http_accept";\n'
            '    default "format=$arg_format";\n}'
        )
        offer_sets = dict.fromkeys([*(f.offers for f in FAMILIES), BROWSE_OFFERS])
        for offers in offer_sets:
            name = _offers_name(offers)
            self.add(
                f"\n# Offers {', '.join(offers)}: by Accept, unless ?format= names one.\n"
                f'map $http_accept $lod_accept_{name} {{\n    default "";\n'
                f'    "" {BY_KEY[offers[0]].extension};'
            )
            for regex, ext in _accept_regexes(offers):
                self.add(f"{_quote(regex)} {ext};", 2)
            self.add(f'}}\nmap $arg_format $lod_ext_{name} {{\n    default "";')
            self.add(f'"" $lod_accept_{name};', 2)
            for regex, ext in _format_regexes(offers):
                self.add(f"{_quote(regex)} {ext};", 2)
            self.add("}")
        text = BY_KEY["text"].extension
        self.add(
            "\n# The format of a 404: the one the location negotiated, as errors.handle does,"
            "\n# else the best of negotiation.ERROR_OFFERS for Accept, else plain text.\n"
            f"map $http_accept $lod_error_accept {{\n    default {text};"
        )
        for regex, ext in _accept_regexes(ERROR_OFFERS):
            self.add(f"{_quote(regex)} {ext};", 2)
        self.add('}\nmap $lod_ext $lod_error_ext {\n    "" $lod_error_accept;')
        shapes = {BY_KEY[k].extension: k for k in ERROR_OFFERS}
        for media_type in BY_KEY.values():
            ext = media_type.extension
            if ext in shapes or media_type.errors == "text":
                self.add(f"{ext} {ext if ext in shapes else text};", 2)
        self.add("    default $lod_error_accept;\n}", 0)
        self.add('map "$lod_error_ext:$lod_lang" $lod_error_file {')
        for lang in self.site.languages:
            suffix = "" if lang == self.default_language else f".{lang}"
            self.add(f'"html:{lang}" "/_errors/404{suffix}.html";', 2)
        self.add(
            '    "~^(?<lod_ee>[a-z]+):" "/_errors/404.$lod_ee";\n}\n'
            'map "$lod_error_ext:$lod_lang_arg" $lod_error_vary {\n'
            '    "html:" "Accept, Accept-Language";\n    default Accept;\n}',
            1,
        )

    def _header_maps(self) -> None:
        self.add("\n# Link and Content-Location of each variant, as the live service sends them.")
        for family in FAMILIES:
            for header, table in (("link", self.site.links), ("location", self.site.locations)):
                self.add(f'map $lod_ext $lod_{header}_{family.name} {{\n    default "";')
                for media_type in family.media_types:
                    ext = media_type.extension
                    self.add(f"{ext} {_quote(table.get((family.name, ext), ''))};", 2)
                self.add("}")
        self.add(
            "map $http_access_control_request_headers $lod_preflight_headers {\n"
            '    "" "Accept, Content-Type";\n    default $http_access_control_request_headers;\n}'
        )

    # the server

    def _common(self, indent: int = 2) -> None:
        """CORS and the security headers, on every response."""
        self.add("add_header Access-Control-Allow-Origin * always;", indent)
        self.add(f"add_header Access-Control-Expose-Headers {_quote(CORS_EXPOSED)} always;", indent)
        for name, value in SECURITY_HEADERS.items():
            self.add(f"add_header {name} {_quote(value)} always;", indent)

    def _cache(self, indent: int = 3, value: str | None = None) -> None:
        value = value or f"public, max-age={self.site.cache_max_age}"
        self.add(f"add_header Cache-Control {_quote(value)};", indent)

    def _server(self) -> None:
        self.add(f"\nserver {{\n    listen {self.listen};\n    server_name _;")
        self.add(f"root {_quote(str(self.root))};\nerror_page 404 @not_found;", 2)
        self.add("\n# Answers written before a location is chosen: the CORS preflight.", 2)
        self._common()
        self.add(
            f"add_header Access-Control-Allow-Methods {_quote(CORS_METHODS)} always;\n"
            "add_header Access-Control-Allow-Headers $lod_preflight_headers always;\n"
            "add_header Access-Control-Max-Age 86400 always;\n"
            "if ($request_method = OPTIONS) {\n    return 204;\n}\n"
            "\n# Nothing is served but what a location below names.\n"
            "location / {\n    return 404;\n}\nlocation @not_found {",
            2,
        )
        self._common(3)
        self.add("add_header Vary $lod_error_vary always;\ntry_files $lod_error_file =404;", 3)
        self.add("}", 2)
        self._identifiers()
        for family in FAMILIES:
            self._family(family)
        self._home()
        self._files()
        self._browse()
        self._live()
        self.add("}")

    def _identifiers(self) -> None:
        base = self.site.base_url
        self.add(
            "\n# Things: 303 See Other to their document, 404 for what nothing describes.\n"
            "location = /id/dataset {",
            2,
        )
        self._common(3)
        self.add(f"add_header Vary Accept always;\nreturn 303 {base}/dataset;", 3)
        self.add("}", 2)
        for prefix in ("source/", ""):
            self.add(f"location ~ {_quote(f'^/id/{prefix}(?<lod_slug>{SLUG})$')} {{", 2)
            self._common(3)
            self.add(
                "add_header Vary Accept always;\n"
                f"if (!-f $document_root/doc/{prefix}$lod_slug.ttl) {{\n    return 404;\n}}\n"
                f"return 303 {base}/doc/{prefix}$lod_slug;",
                3,
            )
            self.add("}", 2)

    def _negotiated(
        self, match: str, family: Family, ext: str | None, stem: str, html: str
    ) -> None:
        """A location serving a family's variants: negotiated (``ext`` None) or the one
        an extension names (a regex capture)."""
        self.add(f"location {match} {{", 2)
        self._common(3)
        self._cache()
        self.add(
            f"add_header Vary $lod_vary always;\n"
            f"add_header Content-Location $lod_location_{family.name};\n"
            f"add_header Link $lod_link_{family.name};\n"
            f"set $lod_ext {ext or '$lod_ext_' + _offers_name(family.offers)};\n"
            f"set $lod_stem {stem};\nset $lod_html {html};\ndefault_type text/plain;",
            3,
        )
        if ext is None:
            self.add(_not_acceptable(family.offers), 3)
        self.add("try_files $lod_file =404;", 3)
        self.add("}", 2)

    def _family(self, family: Family) -> None:
        extensions = "|".join(m.extension for m in family.media_types)
        path = family.path
        if family.templated:
            prefix = _escape(path.replace(SLUG_VARIABLE, ""))
            exact = "~ " + _quote(f"^{prefix}(?<lod_slug>{SLUG})$")
            by_extension = "~ " + _quote(rf"^{prefix}(?<lod_slug>{SLUG})\.(?<lod_x>{extensions})$")
        else:
            exact = f"= {path}"
            by_extension = "~ " + _quote(rf"^{_escape(path)}\.(?<lod_x>{extensions})$")
        self.add(f"\n# {path}, {path}.{{{extensions.replace('|', ',')}}}", 2)
        self._negotiated(exact, family, None, path, f"{path}.{NEGOTIATED}")
        self._negotiated(by_extension, family, "$lod_x", path, path)

    def _home(self) -> None:
        dataset = BY_FAMILY["dataset"]
        self.add("\n# The home page, and the description at VoID's well-known address.", 2)
        self._negotiated("= /", dataset, None, "/dataset", "/index")
        self._negotiated(
            "= /.well-known/void", dataset, None, "/dataset", f"/.well-known/void.{NEGOTIATED}"
        )

    def _files(self) -> None:
        site = self.site
        license_link = _quote(f'<{site.license}>; rel="license"')
        self.add("\n# The JSON-LD context, robots.txt, sitemaps, style sheet, downloads.", 2)
        self.add("location = /context.jsonld {", 2)
        self._common(3)
        self._cache()
        self.add(f"add_header Link {license_link};", 3)
        self.add("}\nlocation = /robots.txt {", 2)
        self._common(3)
        self._cache()
        self.add(f"add_header Link {license_link};", 3)
        self.add("}\nlocation ~ " + _quote(r"^/sitemap(?:-[0-9]+)?\.xml$") + " {", 2)
        self._common(3)
        self._cache()
        self.add(f"add_header Link {license_link};", 3)
        self.add("}\nlocation ^~ /static/ {", 2)
        self._common(3)
        self._cache(value="no-cache")
        self.add("}\nlocation = /download/ {", 2)
        self._common(3)
        self.add(
            "add_header Vary $lod_vary_language always;\n"
            "set $lod_ext html;\nset $lod_html /download/index;\ntry_files $lod_file =404;",
            3,
        )
        self.add("}", 2)
        names = "|".join(_escape(n) for n in site.downloads if n != SUMS)
        sums = site.download_types.get(SUMS, "text/plain").split(";")[0].strip()
        for match, extra in (
            ("~ " + _quote(f"^/download/(?:{names})$"), ""),
            (f"= /download/{SUMS}", f"types {{ }}\ndefault_type {sums};"),
        ):
            self.add(f"location {match} {{", 2)
            self._common(3)
            self._cache()
            self.add(f"add_header Link {license_link};", 3)
            if extra:
                self.add(extra, 3)
            self.add("}", 2)

    def _browse(self) -> None:
        name = _offers_name(BROWSE_OFFERS)
        self.add("\n# Browse: the classes, and the entities of each a page at a time.", 2)
        for match, stem in (
            ("= /browse", "/browse"),
            ("~ " + _quote(r"^/browse/(?<lod_class>[^/.]+)$"), "/browse/$lod_class$lod_page"),
        ):
            self.add(f"location {match} {{", 2)
            self._common(3)
            self.add(
                "add_header Vary $lod_vary always;\n"
                f"set $lod_ext $lod_ext_{name};\nset $lod_html {stem};\ndefault_type text/plain;",
                3,
            )
            self.add(_not_acceptable(BROWSE_OFFERS), 3)
            self.add("try_files $lod_file =404;", 3)
            self.add("}", 2)

    def _live(self) -> None:
        self.add(
            "\n# The only routes that need the live service (its SPARQL engine and name index).",
            2,
        )
        matches = [f"= {route}" for route in LIVE_ROUTES]
        matches += [f"^~ {prefix}" for prefix in LIVE_PREFIXES]
        for match in matches:
            self.add(f"location {match} {{", 2)
            self._common(3)
            if self.upstream:
                # The upstream writes these headers too: keep one copy, ours.
                for header in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers"):
                    self.add(f"proxy_hide_header {header};", 3)
                for header in SECURITY_HEADERS:
                    self.add(f"proxy_hide_header {header};", 3)
                self.add(
                    f"proxy_pass {self.upstream};\n"
                    "proxy_http_version 1.1;\n"
                    "proxy_set_header Host $http_host;\n"
                    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                    "proxy_set_header X-Forwarded-Proto $scheme;\n"
                    "proxy_set_header X-Forwarded-Host $http_host;\n"
                    "proxy_read_timeout 120s;",
                    3,
                )
            else:
                message = (
                    "503 Service Unavailable\\nThis server holds a static export of the "
                    "dataset: $uri needs the live service (healthtech-lod serve), and none "
                    "is configured here. The whole dataset is at /download/.\\n"
                )
                self.add(f'default_type text/plain;\nreturn 503 "{message}";', 3)
            self.add("}", 2)
