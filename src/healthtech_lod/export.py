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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from . import crawlers
from .app import create_app
from .build import make_beside, put_in_place
from .downloads import get_manifest
from .media_types import BY_KEY, ERROR_OFFERS
from .nginx import nginx_config
from .opening import get_store
from .static_site import (
    BROWSER,
    BY_FAMILY,
    CONFIG_FILE,
    NEGOTIATED,
    SLUG,
    SLUG_VARIABLE,
    SUMS,
    ExportError,
    Family,
    StaticSite,
)

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
#: What nginx's listen takes here: PORT, or HOST:PORT with an IPv6 host in brackets.
_LISTEN = re.compile(r"(?:(?:[A-Za-z0-9.-]+|\*|\[[0-9A-Fa-f:.]+\]):)?[0-9]{1,5}")

Announce = Callable[[str], None]


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
        conf = nginx_config(site, address, sparql_upstream=upstream)
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
        listing = self.get("/browse", BY_KEY["json"].mimetype)
        self.save("browse.json", listing, group)
        self.groups.append(group)
        for entry in listing.get_json():
            name = entry["name"]
            if "." in name or "/" in name:
                raise ExportError(f"the class {name} cannot be a file name of the export")
            url = f"/browse/{quote(name, safe=':')}"
            pages = self.get(url, BY_KEY["json"].mimetype).get_json()["pages"]
            for number in range(1, pages + 1):
                page_url = f"{url}?page={number}" if number > 1 else url
                stem = f"browse/{name}" + (f".page-{number}" if number > 1 else "")
                group = []
                self.pages(page_url, stem, group)
                self.save(f"{stem}.json", self.get(page_url, BY_KEY["json"].mimetype), group)
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
