"""Bulk downloads: prepared once per version, served as files with HTTP's caching and ranges."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, MakeApp, isomorphic, jsonld_graphs, parse_graphs, union
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph

from healthtech_lod import downloads, dumps
from healthtech_lod.dataset import REPO_ROOT, dataset_files, load_rdflib
from healthtech_lod.namespaces import GRAPH

NAMES = [
    "healthtech-lod.ttl",
    "healthtech-lod.ttl.gz",
    "healthtech-lod.trig.gz",
    "healthtech-lod.nq.gz",
    "healthtech-lod.jsonld",
    "ontology.ttl",
    "shapes.ttl",
    "SHA256SUMS",
]


def fetch(client: FlaskClient, name: str) -> bytes:
    with client.get(f"/download/{name}") as response:
        assert response.status_code == 200
        return response.get_data()


def fixture_graphs() -> dict[str, Graph]:
    """The fixture repository's named graphs, read straight from its files."""
    graphs: dict[str, Graph] = {}
    for f in dataset_files(FIXTURES):
        graphs.setdefault(f.graph, Graph()).parse(f.path, format="turtle")
    return graphs


def same_graphs(served: dict[str, Graph], expected: dict[str, Graph]) -> bool:
    return served.keys() == expected.keys() and all(
        isomorphic(served[name], expected[name]) for name in expected
    )


def test_list_for_people(client: FlaskClient, app: Flask) -> None:
    response = client.get("/download/")
    assert response.mimetype == "text/html"
    manifest = app.extensions[downloads.EXTENSION]
    assert [f.name for f in manifest.files] == NAMES
    for download in manifest.files:
        assert f'href="/download/{download.name}"' in response.text
        assert download.sha256 in response.text
        assert f"{download.size} bytes" in response.text


def test_turtle_dump_is_the_union_of_the_graphs(client: FlaskClient, fixture_union: Graph) -> None:
    dump = Graph().parse(data=fetch(client, "healthtech-lod.ttl"), format="turtle")
    assert isomorphic(dump, fixture_union)
    gzipped = gzip.decompress(fetch(client, "healthtech-lod.ttl.gz"))
    assert gzipped == fetch(client, "healthtech-lod.ttl")


@pytest.mark.parametrize(
    ("name", "rdf_format"),
    [("healthtech-lod.trig.gz", ox.RdfFormat.TRIG), ("healthtech-lod.nq.gz", ox.RdfFormat.N_QUADS)],
)
def test_quad_dumps_keep_the_named_graphs(
    client: FlaskClient, name: str, rdf_format: ox.RdfFormat
) -> None:
    served = parse_graphs(gzip.decompress(fetch(client, name)), rdf_format)
    assert same_graphs(served, fixture_graphs())


def test_jsonld_dump_keeps_the_named_graphs(client: FlaskClient) -> None:
    document = json.loads(fetch(client, "healthtech-lod.jsonld"))
    assert isinstance(document["@context"], dict), "the context is inline: the file stands alone"
    assert same_graphs(jsonld_graphs(document), fixture_graphs())


def test_ontology_and_shapes(client: FlaskClient) -> None:
    ontology = Graph().parse(data=fetch(client, "ontology.ttl"), format="turtle")
    assert isomorphic(ontology, fixture_graphs()[str(GRAPH["ontology"])])
    shapes = Graph().parse(data=fetch(client, "shapes.ttl"), format="turtle")
    assert isomorphic(shapes, Graph().parse("tests/fixtures/shapes/fixture-shapes.ttl"))


def test_checksums_in_sha256sum_format(client: FlaskClient) -> None:
    lines = fetch(client, "SHA256SUMS").decode().splitlines()
    assert len(lines) == len(NAMES) - 1
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256(fetch(client, name)).hexdigest() == digest


@pytest.mark.parametrize("name", NAMES)
def test_file_headers(client: FlaskClient, name: str) -> None:
    with client.get(f"/download/{name}") as response:
        data = response.get_data()
    assert int(response.headers["Content-Length"]) == len(data)
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert response.cache_control.max_age == 3600
    assert 'rel="license"' in response.headers["Link"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if name.endswith(".gz"):
        assert response.mimetype == "application/gzip"


def test_conditional_head_and_range(client: FlaskClient) -> None:
    path = "/download/healthtech-lod.ttl"
    full = fetch(client, "healthtech-lod.ttl")
    with client.get(path) as first:
        etag = first.headers["ETag"]
    with client.get(path, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    with client.head(path) as head:
        assert head.status_code == 200 and head.get_data() == b""
        assert int(head.headers["Content-Length"]) == len(full)
    with client.get(path, headers={"Range": "bytes=10-19"}) as part:
        assert part.status_code == 206
        assert part.get_data() == full[10:20]
        assert part.headers["Content-Range"] == f"bytes 10-19/{len(full)}"


def test_several_ranges_get_the_whole_file(client: FlaskClient) -> None:
    full = fetch(client, "healthtech-lod.ttl")
    with client.get(
        "/download/healthtech-lod.ttl", headers={"Range": "bytes=0-9,20-29"}
    ) as response:
        assert response.status_code == 200
        assert response.get_data() == full
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.get_etag()[0]


def test_unknown_file_is_404(client: FlaskClient) -> None:
    assert client.get("/download/secrets.txt").status_code == 404
    assert client.get("/download/../pyproject.toml").status_code == 404


def test_prepared_once_per_version(
    app: Flask, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = app.extensions["healthtech_lod"]
    manifest = app.extensions[downloads.EXTENSION]
    assert store.version.digest in manifest.folder.parent.name, "in the version's build"

    def refuse(*args: object) -> None:
        raise AssertionError("serialised again")

    monkeypatch.setattr(dumps, "write_folder", refuse)
    again = make_app().extensions[downloads.EXTENSION]
    assert again == manifest


def test_no_serialisation_per_request(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("serialised per request")

    monkeypatch.setattr(ox, "serialize", refuse)
    assert len(fetch(client, "healthtech-lod.ttl")) > 0


def test_real_turtle_dump_is_the_union(real_client: FlaskClient, findings: Graph) -> None:
    """The files' statements, and what the build found where they disagree."""
    dump = Graph().parse(data=fetch(real_client, "healthtech-lod.ttl"), format="turtle")
    assert isomorphic(dump, union(load_rdflib(REPO_ROOT)) + findings)
