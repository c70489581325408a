"""The sitemap: which pages a crawler should know, and the sitemaps protocol's XML.

The build lists the path of every entity page once per dataset version
(``pages.txt`` in the built folder, ``write_pages``); the service reads it at
start and writes the XML (``crawlers.py``). Nothing here knows of Flask.

The protocol (sitemaps.org, 0.9) allows 50 000 URLs in one sitemap: past that,
``/sitemap.xml`` is a sitemap index naming numbered sitemaps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pyoxigraph as ox

if TYPE_CHECKING:
    from .store import DatasetStore

PAGES_FILE = "pages.txt"
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: The protocol's limit of URLs in one sitemap.
MAX_URLS = 50_000
#: A slug as the routes take it (resources.SlugConverter; a test holds them equal).
SLUG = r"[A-Za-z0-9][A-Za-z0-9_~-]*"

SUBJECTS = """
SELECT DISTINCT ?s ?space WHERE { ?s ?p ?o FILTER (isIRI(?s) && STRSTARTS(STR(?s), ?space)) }
"""


def entity_paths(store: DatasetStore, base: str) -> list[str]:
    """The path of the page of every entity and source the store describes
    (``doc/{slug}``, ``doc/source/{slug}``), sorted; ``id/dataset`` is the dataset's
    description, listed apart."""
    space = base + "id/"
    pattern = re.compile(f"(?:source/)?{SLUG}")
    paths = set()
    for row in store.select(SUBJECTS, space=ox.Literal(space)):
        local = row["s"].value[len(space) :]
        if pattern.fullmatch(local) and local != "dataset":
            paths.add("doc/" + local)
    return sorted(paths)


def write_pages(paths: Sequence[str], target: Path) -> None:
    target.write_text("".join(f"{path}\n" for path in paths), encoding="utf-8")


def read_pages(source: Path) -> tuple[str, ...]:
    return tuple(source.read_text(encoding="utf-8").splitlines())


def sitemap_count(urls: int, max_urls: int) -> int:
    """How many sitemaps ``urls`` URLs take, ``max_urls`` to a sitemap."""
    return max(1, math.ceil(urls / max_urls))


def urlset(urls: Sequence[str], lastmod: str) -> bytes:
    """A sitemap: each URL (absolute) with its last modification date."""
    root = ElementTree.Element("urlset", xmlns=NAMESPACE)
    for url in urls:
        entry = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(entry, "loc").text = url
        ElementTree.SubElement(entry, "lastmod").text = lastmod
    return _document(root)


def sitemap_index(sitemaps: Sequence[str], lastmod: str) -> bytes:
    """A sitemap index naming each sitemap (absolute URLs)."""
    root = ElementTree.Element("sitemapindex", xmlns=NAMESPACE)
    for url in sitemaps:
        entry = ElementTree.SubElement(root, "sitemap")
        ElementTree.SubElement(entry, "loc").text = url
        ElementTree.SubElement(entry, "lastmod").text = lastmod
    return _document(root)


def _document(root: ElementTree.Element) -> bytes:
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
