"""End to end: `healthtech-lod serve` under gunicorn on a loopback port, real clients."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import FIXTURES, isomorphic
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS
from server import serving
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

from healthtech_lod.namespaces import ID, LHT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real server over the fixture repository; always stopped."""
    with serving(FIXTURES, tmp_path_factory.mktemp("e2e")) as base:
        yield base


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request without following redirects: status, headers, body."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def test_sparqlwrapper_select(server: str, fixture_union: Graph) -> None:
    for method in ("GET", POST):
        client = SPARQLWrapper(f"{server}/sparql")
        client.setMethod(method)
        client.setReturnFormat(JSON)
        client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
        results = client.queryAndConvert()
        assert results["results"]["bindings"][0]["n"]["value"] == str(len(fixture_union))


def test_sparqlwrapper_construct(server: str) -> None:
    client = SPARQLWrapper(f"{server}/sparql")
    client.setReturnFormat(TURTLE)
    voicemed = f"<{ID['voicemed']}>"
    client.setQuery(f"CONSTRUCT {{ {voicemed} ?p ?o }} WHERE {{ {voicemed} ?p ?o }}")
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert (ID["voicemed"], RDF.type, LHT.Company) in graph


def test_dereferencing_is_303_then_turtle(server: str) -> None:
    status, headers, _ = fetch(f"{server}/id/voicemed", "text/turtle")
    assert status == 303
    assert headers["Location"] == f"{server}/doc/voicemed"
    status, headers, body = fetch(headers["Location"], "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    assert (ID["voicemed"], RDFS.label, Literal("VoiceMed", lang="en")) in graph


def test_errors_are_never_500(server: str) -> None:
    assert fetch(f"{server}/sparql?query=SELECT%20*%20WHERE%20%7B", "text/csv")[0] == 400
    assert fetch(f"{server}/sparql?query=CLEAR%20ALL")[0] == 400
    assert fetch(f"{server}/doc/nothing", "text/turtle")[0] == 404
    assert fetch(f"{server}/doc/voicemed", "image/png")[0] == 406


def test_downloads(server: str, fixture_union: Graph) -> None:
    status, headers, body = fetch(f"{server}/download/healthtech-lod.ttl")
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    assert isomorphic(Graph().parse(data=body, format="turtle"), fixture_union)
    _, _, sums = fetch(f"{server}/download/SHA256SUMS")
    expected = dict(reversed(line.split("  ")) for line in sums.decode().splitlines())
    assert expected["healthtech-lod.ttl"] == hashlib.sha256(body).hexdigest()
