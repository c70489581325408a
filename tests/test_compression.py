"""Compressed answers: gzip when asked, never twice, never for a range."""

from __future__ import annotations

import gzip

import pytest
from flask.testing import FlaskClient

GZIP = {"Accept-Encoding": "gzip"}
ROWS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 1000"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/sparql", {"query": ROWS}),
        ("/doc/voicemed.ttl", {}),
        ("/doc/voicemed.jsonld", {}),
        ("/browse", {"lang": "en"}),
    ],
)
def test_compressed_when_asked(client: FlaskClient, path: str, params: dict[str, str]) -> None:
    plain = client.get(path, query_string=params)
    packed = client.get(path, query_string=params, headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert "Accept-Encoding" in packed.vary and "Accept-Encoding" in plain.vary
    tag, weak = plain.get_etag()
    if tag and not weak:  # a strong tag names the bytes: the compressed ones get their own
        assert packed.get_etag() != (tag, weak)


def test_a_compressed_answer_is_revalidated(client: FlaskClient) -> None:
    packed = client.get("/doc/voicemed.ttl", headers=GZIP)
    tag = packed.headers["ETag"]
    again = client.get("/doc/voicemed.ttl", headers={**GZIP, "If-None-Match": tag})
    assert again.status_code == 304


def test_gzipped_downloads_are_not_compressed_twice(client: FlaskClient) -> None:
    with client.get("/download/healthtech-lod.ttl.gz", headers=GZIP) as response:
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        assert response.mimetype == "application/gzip"
        assert gzip.decompress(response.get_data()).startswith(b"@prefix")


def test_a_range_is_never_compressed(client: FlaskClient) -> None:
    with client.get(
        "/download/healthtech-lod.ttl", headers={**GZIP, "Range": "bytes=0-9"}
    ) as response:
        assert response.status_code == 206
        assert "Content-Encoding" not in response.headers
        assert len(response.get_data()) == 10
