"""Content negotiation: q-values, defaults, overrides, 406 and Vary, across routes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from conftest import BROWSER, MakeApp, isomorphic, jsonld_graph
from flask.testing import FlaskClient
from rdflib import Graph
from werkzeug.datastructures import LanguageAccept, MIMEAccept

from healthtech_lod import negotiation
from healthtech_lod.media_types import MEDIA_TYPES

SELECT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        (BROWSER, "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/xml", "application/rdf+xml"),
        ("application/trig", "application/trig"),
        ("text/html", "text/html"),
        ("text/html;q=0.5, text/turtle", "text/turtle"),
        ("text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
        ("application/*", "application/ld+json"),
        ("text/*;q=0.9, text/html", "text/html"),
        ("application/n-quads", "application/n-quads"),
        # Parameters a route does not need do not stop a match.
        ("text/turtle;charset=utf-8", "text/turtle"),
        ("text/turtle; charset=UTF-8; q=0.9, text/html;q=0.1", "text/turtle"),
        (
            'application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted"',
            "application/ld+json",
        ),
        ("application/n-triples;charset=utf-8", "application/n-triples"),
        ("text/n3", "text/turtle"),
    ],
)
def test_documents_follow_accept(client: FlaskClient, accept: str | None, expected: str) -> None:
    response = client.get("/doc/voicemed", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.vary


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
        (BROWSER, "text/html"),  # a browser gets the query page with a table
        ("text/html;q=0.5, application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+json;charset=utf-8", "application/sparql-results+json"),
        ("text/csv; charset=utf-8; header=present", "text/csv"),
    ],
)
def test_select_results_follow_accept(
    client: FlaskClient, accept: str | None, expected: str
) -> None:
    response = client.get(
        "/sparql", query_string={"query": SELECT}, headers={"Accept": accept} if accept else {}
    )
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.vary


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("text/csv", "text/csv"),
    ],
)
def test_format_parameter_wins_over_accept(client: FlaskClient, fmt: str, expected: str) -> None:
    response = client.get(
        "/sparql", query_string={"query": SELECT, "format": fmt}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("ext", "expected"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("trig", "application/trig"),
        ("html", "text/html"),
    ],
)
def test_extension_wins_over_accept(client: FlaskClient, ext: str, expected: str) -> None:
    response = client.get(f"/doc/voicemed.{ext}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    "path",
    ["/doc/voicemed", "/sparql?query=ASK%7B%7D", "/sparql", "/def", "/shapes", "/dataset"],
)
def test_unacceptable_accept_is_406_naming_the_offers(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.mimetype == "text/plain"
    assert "image/png" in response.text
    assert "Offered:" in response.text
    assert "Accept" in response.vary


def test_406_lists_exactly_what_is_offered(client: FlaskClient) -> None:
    # Asked for RDF, a SELECT query can only offer results formats.
    headers = {"Accept": "text/turtle"}
    response = client.get("/sparql", query_string={"query": SELECT}, headers=headers)
    assert response.status_code == 406
    offers = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]
    assert all(offer in response.text for offer in offers)
    assert "text/turtle" not in response.text.split("Offered")[-1]


def test_406_before_running_lists_every_kind_of_answer(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": "x/y"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text and "text/turtle" in response.text


def test_unknown_format_parameter_is_406(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": SELECT, "format": "yaml"})
    assert response.status_code == 406
    assert "format=yaml" in response.text


def test_unknown_extension_is_404(client: FlaskClient) -> None:
    response = client.get("/doc/voicemed.yaml")
    assert response.status_code == 404
    assert ".ttl" in response.text


def test_media_type_table_has_unique_keys_and_extensions() -> None:
    keys = [m.key for m in MEDIA_TYPES]
    extensions = [m.extension for m in MEDIA_TYPES]
    assert len(set(keys)) == len(keys)
    assert len(set(extensions)) == len(extensions)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dataset",
        "/.well-known/void",
        "/doc/voicemed",
        "/def",
        "/shapes",
        "/sparql",
        "/rdf-graphs?default",
        "/id/voicemed",
        "/doc/nothing-here",
    ],
)
def test_every_negotiated_response_varies_on_accept(client: FlaskClient, path: str) -> None:
    assert "Accept" in client.get(path).vary


# --- what common clients send ---------------------------------------------------------

CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"


@pytest.mark.parametrize(
    ("query", "fmt", "expected"),
    [
        # SPARQLWrapper sends format= with its return format, as well as Accept.
        (SELECT, "json", "application/sparql-results+json"),
        (SELECT, "xml", "application/sparql-results+xml"),
        (SELECT, "csv", "text/csv"),
        (SELECT, "tsv", "text/tab-separated-values"),
        (CONSTRUCT, "turtle", "text/turtle"),
        (CONSTRUCT, "n3", "text/turtle"),
        (CONSTRUCT, "rdf", "application/rdf+xml"),
        (CONSTRUCT, "xml", "application/rdf+xml"),
        (CONSTRUCT, "json-ld", "application/ld+json"),
        (CONSTRUCT, "json", "application/ld+json"),
    ],
)
def test_sparqlwrapper_format_names(
    client: FlaskClient, query: str, fmt: str, expected: str
) -> None:
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200, response.text
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("profile", "check"),
    [
        ("compacted", lambda doc: isinstance(doc, dict) and "@context" in doc),
        ("expanded", lambda doc: isinstance(doc, list) and "@context" not in str(doc)),
        (
            "flattened",
            lambda doc: "@graph" in doc and all({"@id", "id"} & n.keys() for n in doc["@graph"]),
        ),
    ],
)
def test_json_ld_profiles(client: FlaskClient, profile: str, check: Callable[[Any], bool]) -> None:
    iri = f"http://www.w3.org/ns/json-ld#{profile}"
    accept = f'application/ld+json;profile="{iri}"'
    response = client.get("/doc/voicemed", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    if profile != "compacted":  # the default form goes unmarked
        assert response.mimetype_params["profile"] == iri
        assert response.get_etag()[0].endswith(profile)
    assert check(json.loads(response.data))
    turtle = client.get("/doc/voicemed.ttl").data
    expected = Graph().parse(data=turtle, format="turtle")
    assert isomorphic(jsonld_graph(client, response.data), expected)


def accept_language(entries: int, wanted: str, position: int) -> str:
    """An Accept-Language of ``entries`` private-use tags, ``wanted`` at ``position``."""
    tags = [f"x-tag{i};q=0.5" for i in range(entries)]
    tags[position] = wanted
    return ", ".join(tags)


@pytest.mark.parametrize(("position", "expected"), [(0, "fr"), (49, "fr")])
def test_an_accept_language_within_the_limits_is_read_whole(
    client: FlaskClient, position: int, expected: str
) -> None:
    header = accept_language(50, "fr", position)
    response = client.get("/", headers={"Accept": BROWSER, "Accept-Language": header})
    assert response.status_code == 200
    assert f'<html lang="{expected}">' in response.text
    assert "Accept-Language" in response.vary


def media_types(entries: int, wanted: str) -> str:
    """An Accept of ``entries`` media types nothing offers, then ``wanted``."""
    return ", ".join([*(f"application/x-type{i};q=0.5" for i in range(entries)), wanted])


@pytest.mark.parametrize(
    ("path", "headers", "named"),
    [
        # The red team's header: 500 languages, each matched for every string of the page.
        ("/", {"Accept-Language": accept_language(500, "fr", 0)}, "7878 characters"),
        ("/", {"Accept-Language": accept_language(60, "fr", 0)}, "60 entries"),
        ("/", {"Accept-Language": "fr;q=0.9, x-" + "y" * 5000}, "5012 characters"),
        ("/doc/voicemed", {"Accept": media_types(60, "text/turtle")}, "61 entries"),
        ("/sparql?query=ASK%7B%7D", {"Accept": media_types(60, "text/csv")}, "61 entries"),
        # One unknown media type of 100 KB: refused for its length, not echoed in a 406.
        ("/doc/voicemed", {"Accept": "application/x-" + "y" * 100_000}, "100014 characters"),
    ],
)
def test_an_accept_header_over_the_limits_is_431(
    client: FlaskClient, path: str, headers: dict[str, str], named: str
) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == 431
    assert len(response.data) < 2000
    assert named in response.text and "the limit is" in response.text
    assert response.mimetype == "text/plain", "the error's format is not read from it"


def test_the_refusal_is_plain_text_whatever_is_accepted(client: FlaskClient) -> None:
    """The cheapest answer: no page is rendered for a request built to be costly."""
    header = accept_language(500, "fr", 0)
    for accept in (BROWSER, "application/json", "text/turtle"):
        response = client.get("/", headers={"Accept": accept, "Accept-Language": header})
        assert response.status_code == 431
        assert response.mimetype == "text/plain"
        assert response.text.startswith("431 Request Header Fields Too Large\n")


def test_the_header_limits_are_settings(make_app: MakeApp) -> None:
    client = make_app(MAX_ACCEPT_ENTRIES=2, MAX_ACCEPT_LENGTH=30).test_client()
    assert client.get("/doc/voicemed", headers={"Accept": "a/b, text/turtle"}).status_code == 200
    assert (
        client.get("/doc/voicemed", headers={"Accept": "a/b, c/d, text/turtle"}).status_code == 431
    )
    long = "text/turtle;q=0.9, a/" + "b" * 10
    assert client.get("/doc/voicemed", headers={"Accept": long}).status_code == 431


def test_each_media_type_is_matched_once_per_request(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/sparql negotiates up to four times (the page, the results, the graphs, the
    406); each offered media type is matched against Accept's entries once."""
    matched: list[str] = []
    match = MIMEAccept._best_single_match

    def counting(self: MIMEAccept, value: str) -> Any:
        matched.append(value)
        return match(self, value)

    monkeypatch.setattr(MIMEAccept, "_best_single_match", counting)
    negotiation.parsed_accept.cache_clear()
    negotiation.best_for_accept.cache_clear()
    headers = {"Accept": media_types(40, "text/csv")}
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert matched and Counter(matched).most_common(1)[0][1] == 1, Counter(matched)


def test_a_known_accept_value_is_not_matched_again(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clients send few distinct Accept values: the choice for one is kept."""
    headers = {"Accept": media_types(40, "text/csv")}
    assert (
        client.get("/sparql", query_string={"query": "ASK {}"}, headers=headers).status_code == 200
    )
    matched: list[str] = []
    match = MIMEAccept._best_single_match

    def counting(self: MIMEAccept, value: str) -> Any:
        matched.append(value)
        return match(self, value)

    monkeypatch.setattr(MIMEAccept, "_best_single_match", counting)
    response = client.get("/sparql", query_string={"query": "ASK {}"}, headers=headers)
    assert response.mimetype == "text/csv" and matched == []


def test_the_page_language_is_chosen_once_per_request(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[object] = []
    parse = negotiation.parse_accept_header

    def counting(*args: Any) -> Any:
        parsed.append(args)
        return parse(*args)

    monkeypatch.setattr(negotiation, "parse_accept_header", counting)
    # An Accept value is parsed once, then kept (so is the offer it picks): start afresh.
    negotiation.parsed_accept.cache_clear()
    negotiation.best_for_accept.cache_clear()
    page = client.get("/doc/voicemed", headers={"Accept": BROWSER, "Accept-Language": "fr"})
    assert '<html lang="fr">' in page.text and "Affirmations" in page.text
    assert Counter(kind for _, kind in parsed) == {MIMEAccept: 1, LanguageAccept: 1}
