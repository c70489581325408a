"""For crawlers: ``/robots.txt`` and the sitemap (``/sitemap.xml``, and past
SITEMAP_MAX_URLS URLs a sitemap index with ``/sitemap-{n}.xml``).

The pages are listed once per dataset version by the build (``sitemap.py``);
``init_app`` reads that list. Sitemaps hold absolute URLs on the host that serves
them, so each one is written at its first request from a host and kept (a few
hosts at most) for the life of the app: never written twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, abort, current_app, url_for

from . import sitemap
from .media_types import BY_KEY, MediaType
from .responses import cacheable
from .store import DatasetStore

EXTENSION = "healthtech_lod.sitemap"
XML = MediaType("sitemap", "application/xml", "xml", "XML", ("xml",))
#: Hosts whose sitemaps are kept; an app normally answers for one or two.
KEPT_HOSTS = 4

bp = Blueprint("crawlers", __name__)


@dataclass
class Sitemaps:
    """The paths to list (``/``, ``/dataset``, then every entity page), their date,
    and the XML already written, by host root and sitemap number (0: the index)."""

    paths: tuple[str, ...]
    lastmod: str
    max_urls: int
    written: OrderedDict[tuple[str, int], bytes] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return sitemap.sitemap_count(len(self.paths), self.max_urls)

    def xml(self, root: str, number: int) -> bytes:
        """Sitemap ``number`` (1-based), or with 0 what /sitemap.xml answers: the
        only sitemap, or the index when there are several."""
        with self.lock:
            if (root, number) in self.written:
                self.written.move_to_end((root, number))
                return self.written[(root, number)]
        body = self._write(root, number)
        with self.lock:
            self.written[(root, number)] = body
            hosts = list(dict.fromkeys(r for r, _ in self.written))
            for old in hosts[:-KEPT_HOSTS]:
                for key in [k for k in self.written if k[0] == old]:
                    del self.written[key]
        return body

    def _write(self, root: str, number: int) -> bytes:
        if number == 0 and self.count > 1:
            names = [f"{root}sitemap-{n}.xml" for n in range(1, self.count + 1)]
            return sitemap.sitemap_index(names, self.lastmod)
        first = (max(number, 1) - 1) * self.max_urls
        chunk = self.paths[first : first + self.max_urls]
        return sitemap.urlset([root + path for path in chunk], self.lastmod)


def init_app(app: Flask, store: DatasetStore) -> None:
    """Read the build's list of pages into ``app.extensions`` (or list them, for a
    store made in memory). Raises ValueError for a SITEMAP_MAX_URLS out of range."""
    max_urls = int(app.config["SITEMAP_MAX_URLS"])
    if not 1 <= max_urls <= sitemap.MAX_URLS:
        raise ValueError(f"SITEMAP_MAX_URLS must be from 1 to {sitemap.MAX_URLS}: {max_urls}")
    if store.folder is not None:
        pages = sitemap.read_pages(store.folder / sitemap.PAGES_FILE)
    else:
        pages = tuple(sitemap.entity_paths(store, app.config["BASE_URI"]))
    lastmod = store.version.modified.date().isoformat()
    app.extensions[EXTENSION] = Sitemaps(("", "dataset", *pages), lastmod, max_urls)


def get_sitemaps() -> Sitemaps:
    sitemaps: Sitemaps = current_app.extensions[EXTENSION]
    return sitemaps


@bp.get("/robots.txt")
def robots() -> Response:
    """Every crawler may read everything; the sitemap says where the pages are."""
    body = f"User-agent: *\nAllow: /\n\nSitemap: {url_for('crawlers.index', _external=True)}\n"
    return cacheable(Response(body, mimetype=BY_KEY["text"].mimetype), BY_KEY["text"])


@bp.get("/sitemap.xml")
def index() -> Response:
    """The sitemap, or the sitemap index when the pages take several."""
    return _xml(0)


@bp.get("/sitemap-<int:number>.xml")
def numbered(number: int) -> Response:
    """One sitemap of the index. Aborts 404 past the last one."""
    count = get_sitemaps().count
    if not 1 <= number <= count:
        abort(404, f"There are sitemaps 1 to {count}; /sitemap.xml lists them.")
    return _xml(number)


def _xml(number: int) -> Response:
    root = url_for("description.home", _external=True)
    body = get_sitemaps().xml(root, number)
    return cacheable(Response(body, mimetype=XML.mimetype), XML)
