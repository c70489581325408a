"""For crawlers: /robots.txt and the sitemap (protocol 0.9), an index past
SITEMAP_MAX_URLS URLs, listed once per dataset version."""

from __future__ import annotations

import math
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from conftest import MakeApp, entity_pages, union
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF

from healthtech_lod import sitemap
from healthtech_lod.dataset import REPO_ROOT, load_rdflib
from healthtech_lod.description import get_statistics
from healthtech_lod.namespaces import ID
from healthtech_lod.opening import get_store
from healthtech_lod.resources import SlugConverter
from healthtech_lod.store import DatasetStore

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse(client: FlaskClient, path: str) -> ElementTree.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/xml"
    return ElementTree.fromstring(response.data)


def locs(root: ElementTree.Element, entry: str) -> list[str]:
    """The ``loc`` of each entry, checking its shape: absolute, with a lastmod."""
    assert root.tag == f"{NS}{'urlset' if entry == 'url' else 'sitemapindex'}"
    found = []
    for element in root:
        assert element.tag == f"{NS}{entry}"
        assert [child.tag for child in element] == [f"{NS}loc", f"{NS}lastmod"]
        loc = element.findtext(f"{NS}loc") or ""
        parts = urlsplit(loc)
        assert (parts.scheme, parts.netloc) == ("http", "localhost"), loc
        found.append(loc)
    return found


def lastmods(root: ElementTree.Element) -> set[str | None]:
    return {element.findtext(f"{NS}lastmod") for element in root}


def test_robots_allows_all_and_names_the_sitemap(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.text.splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def test_sitemap_lists_every_entity_page_home_and_dataset(
    real_app: Flask, real_client: FlaskClient
) -> None:
    data = union(load_rdflib(REPO_ROOT))
    expected = {"http://localhost" + path for _, path in entity_pages(data)}
    root = parse(real_client, "/sitemap.xml")
    listed = locs(root, "url")
    assert len(listed) == len(set(listed)) == len(expected) + 2
    assert set(listed) == expected | {"http://localhost/", "http://localhost/dataset"}
    # VoID counts the typed IRIs under id/; those under id/dataset (the publisher) are
    # described by /dataset, which the sitemap lists.
    described_by_dataset = {
        s for s in data.subjects(RDF.type, None) if str(s).startswith(str(ID) + "dataset#")
    }
    with real_app.app_context():
        entities = get_statistics().entities
        assert len(listed) == entities - len(described_by_dataset) + 2, "as VoID counts"
        assert lastmods(root) == {get_store().version.modified.date().isoformat()}
    for loc in listed[:3] + listed[-3:]:
        assert real_client.get(loc.removeprefix("http://localhost")).status_code == 200


def test_sitemap_index_past_the_limit(make_app: MakeApp, client: FlaskClient) -> None:
    whole = locs(parse(client, "/sitemap.xml"), "url")
    small = make_app(SITEMAP_MAX_URLS=3).test_client()
    index = parse(small, "/sitemap.xml")
    names = locs(index, "sitemap")
    assert names == [
        f"http://localhost/sitemap-{n}.xml" for n in range(1, math.ceil(len(whole) / 3) + 1)
    ]
    parts = [locs(parse(small, name.removeprefix("http://localhost")), "url") for name in names]
    assert all(1 <= len(part) <= 3 for part in parts)
    assert [loc for part in parts for loc in part] == whole
    assert small.get(f"/sitemap-{len(names) + 1}.xml").status_code == 404
    assert small.get("/sitemap-0.xml").status_code == 404


@pytest.mark.parametrize("value", [0, 50_001])
def test_sitemap_size_out_of_the_protocol_is_refused(make_app: MakeApp, value: int) -> None:
    with pytest.raises(ValueError, match="SITEMAP_MAX_URLS"):
        make_app(SITEMAP_MAX_URLS=value)


def test_sitemap_is_listed_by_the_build_not_per_request(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(SITEMAP_MAX_URLS=4)
    with app.app_context():
        folder = get_store().folder
    assert folder is not None and (folder / sitemap.PAGES_FILE).exists()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("queried per request")

    monkeypatch.setattr(DatasetStore, "select", refuse)
    client = app.test_client()
    first = client.get("/sitemap-1.xml").data
    assert client.get("/sitemap-1.xml").data == first
    written = app.extensions["healthtech_lod.sitemap"].written
    assert list(written) == [("http://localhost/", 1)], "written once, then kept"


def test_sitemap_follows_the_host(make_app: MakeApp) -> None:
    client = make_app(ALLOWED_HOSTS=["lod.example.org"]).test_client()
    response = client.get("/sitemap.xml", base_url="https://lod.example.org/")
    loc = ElementTree.fromstring(response.data).findtext(f"{NS}url/{NS}loc")
    assert loc == "https://lod.example.org/"


def test_slug_pattern_is_the_routes() -> None:
    assert sitemap.SLUG == SlugConverter.regex
