"""Browser safety headers on every response; what an error repeats of a request."""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from conftest import BROWSER
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


@pytest.mark.parametrize(
    "path", ["/", "/doc/voicemed", "/sparql?query=ASK%7B%7D", "/nowhere", "/static/style.css"]
)
def test_every_response_has_the_safety_headers(client: FlaskClient, path: str) -> None:
    with client.get(path, headers={"Accept": BROWSER}) as response:
        headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


class _Inline(HTMLParser):
    """Collects script elements' types, style elements and on*/style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str | None, str | None]] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append((dict(attrs).get("type"), dict(attrs).get("src")))
        if tag == "style":
            self.inline.append("<style>")
        self.inline += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self.inline += [f"{tag} style" for name, _ in attrs if name == "style"]


@pytest.mark.parametrize("path", ["/", "/doc/voicemed", "/sparql", "/def", "/browse", "/quality"])
def test_pages_hold_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    parser = _Inline()
    parser.feed(client.get(path, headers={"Accept": BROWSER}).text)
    for kind, src in parser.scripts:  # JSON-LD data blocks, or this host's own files
        assert kind == "application/ld+json" or (src or "").startswith("/static/"), (kind, src)
    assert parser.inline == []


# --- errors quote a short prefix of what the client sent ----------------------------------

LONG = "y" * 50_000
ENTITY = "https://w3id.org/lu-healthtech/id/"
JSON = {"Accept": "application/json"}


def reconcile(queries: object) -> Callable[[FlaskClient], TestResponse]:
    return lambda client: client.post("/reconcile", data={"queries": json.dumps(queries)})


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        # One media range of 4 000 characters: a header within the limits, matching nothing.
        (lambda c: c.get("/doc/voicemed", headers={"Accept": "application/x-" + LONG[:4000]}), 406),
        (lambda c: c.post("/sparql", data={"query": "ASK {}", "format": LONG}, headers=JSON), 406),
        (lambda c: c.get("/doc/voicemed", query_string={"format": LONG}, headers=JSON), 406),
        (lambda c: c.get(f"/doc/voicemed.{LONG}"), 404),
        (reconcile({LONG: 1}), 400),
        (reconcile({"q": {"query": "LIH", LONG: 1}}), 400),
        (reconcile({"q": {"query": "LIH", "type": LONG}}), 400),
        (reconcile({"q": {"query": "LIH", "properties": [{"pid": LONG, "v": 1}]}}), 400),
        (lambda c: c.get("/reconcile/view", query_string={"id": ENTITY + LONG}), 404),
        (lambda c: c.get("/reconcile/view", query_string={"id": "http://x.example/" + LONG}), 404),
        (lambda c: c.get("/rdf-graphs", query_string={"graph": "http://x.example/" + LONG}), 404),
        (lambda c: c.get(f"/doc/{LONG}"), 404),
        (lambda c: c.get(f"/browse/{LONG}", headers=JSON), 404),
        (lambda c: c.get("/browse/lht:Company", query_string={"page": LONG}, headers=JSON), 400),
        # A refusal that quotes the query (SERVICE <…>): the message itself is cut.
        (
            lambda c: c.post(
                "/sparql",
                data={"query": f"ASK {{ SERVICE <http://x.example/{LONG[:15000]}> {{ }} }}"},
                headers=JSON,
            ),
            400,
        ),
    ],
    ids=[
        "accept",
        "format-form",
        "format-query",
        "extension",
        "reconcile-key",
        "reconcile-field",
        "reconcile-type",
        "reconcile-property",
        "reconcile-entity",
        "reconcile-foreign",
        "graph",
        "document",
        "browse-class",
        "browse-page",
        "sparql-service",
    ],
)
def test_an_error_quotes_a_short_prefix_of_the_input(
    client: FlaskClient, request_: Callable[[FlaskClient], TestResponse], status: int
) -> None:
    response = request_(client)
    assert response.status_code == status
    assert len(response.data) < 2000, "the input is echoed whole"
    text = json.dumps(response.json) if response.is_json else response.text
    assert "y" * 100 + "…" in text or "y" * 100 + "\\u2026" in text, "it names what it refuses"
