"""Browser safety headers on every response; what an error repeats of a request; the hosts
the service answers for and where its links point."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from conftest import BROWSER, MakeApp
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


# --- the hosts the service answers for, and where its links point ------------------------

TURTLE = {"Accept": "text/turtle"}
JSONLD = {"Accept": "application/ld+json"}


def urls(response: TestResponse) -> list[str]:
    """Every URL a response names: its Location, Content-Location and Link headers, and a
    page's hrefs and loaded resources, or a JSON-LD document's @context."""
    found = [response.headers.get(name, "") for name in ("Location", "Content-Location")]
    found += re.findall(r"<([^>]*)>", response.headers.get("Link", ""))
    if response.mimetype == "text/html":  # a page, or the body of a redirect
        found += re.findall(r'(?:href|src|action)="([^"]*)"', response.text)
    elif response.mimetype == "application/ld+json" and response.status_code == 200:
        context = response.json["@context"]
        found += [
            c for c in (context if isinstance(context, list) else [context]) if isinstance(c, str)
        ]
    return [url for url in found if url]


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.evil.example"],
)
@pytest.mark.parametrize(
    ("path", "headers"),
    [("/id/voicemed", TURTLE), ("/doc/voicemed", {"Accept": BROWSER}),
     ("/doc/voicemed", JSONLD), ("/dataset", TURTLE), ("/sitemap.xml", {})],
)  # fmt: skip
def test_a_request_for_another_host_is_400_and_links_never_name_it(
    client: FlaskClient, host: str, path: str, headers: dict[str, str]
) -> None:
    response = client.get(path, headers={**headers, "Host": host})
    assert response.status_code == 400
    assert "does not answer for the host" in response.text
    assert "public" not in response.headers.get("Cache-Control", "")
    assert not [url for url in urls(response) if "evil" in url]
    # Load balancers and probes address a replica by its own address.
    assert client.get("/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    ["", " ", "a b", "localhost:99999", "localhost:0", "localhost:", "local_host", "exa<mple",
     "localhost:80:80", "[::1", "localhost/evil", "localhost@evil.example", "-localhost"],
)  # fmt: skip
@pytest.mark.parametrize("headers", [TURTLE, {"Accept": BROWSER}, {"Accept": "application/json"}])
def test_a_malformed_host_is_400_never_a_500(
    client: FlaskClient, host: str, headers: dict[str, str]
) -> None:
    response = client.get("/id/voicemed", headers={**headers, "Host": host})
    assert response.status_code == 400
    assert "is not a host name" in response.text
    assert not [url for url in urls(response) if url.startswith("http:///")]


def test_allowed_hosts_are_a_setting(make_app: MakeApp) -> None:
    client = make_app(ALLOWED_HOSTS=["lod.example.org", ".example.net", "::1"]).test_client()
    for host in ("lod.example.org:8443", "LOD.example.org", "data.example.net", "[::1]:8080"):
        response = client.get("/id/voicemed", headers={"Host": host})
        assert response.status_code == 303
        assert response.headers["Location"] == f"http://{host.lower()}/doc/voicemed"
    for host in ("localhost", "example.net", "lod.example.org.evil.example"):
        assert client.get("/id/voicemed", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:8080", "[::1]:8080"])
def test_with_a_public_url_links_never_depend_on_the_host(make_app: MakeApp, host: str) -> None:
    public = "https://lod.example.lu"
    client = make_app(PUBLIC_URL=public, TRUSTED_PROXIES=1).test_client()
    forwarded = {"Host": host, "X-Forwarded-Proto": "http", "X-Forwarded-Host": host}
    answers = [
        client.get("/id/voicemed", headers={**TURTLE, **forwarded}),
        client.get("/doc/voicemed", headers={"Accept": BROWSER, **forwarded}),
        client.get("/doc/voicemed", headers={**JSONLD, **forwarded}),
        client.get("/dataset", headers={**TURTLE, **forwarded}),
    ]
    hosts = {urlsplit(url).netloc for answer in answers for url in urls(answer)}
    assert "lod.example.lu" in hosts and not hosts & {host, "localhost"}, hosts
    assert answers[0].headers["Location"] == f"{public}/doc/voicemed"
    assert f"{public}/context.jsonld" in urls(answers[2])
    assert "X-Forwarded-Host" not in answers[1].vary, "links do not depend on it"
    refused = client.get("/id/voicemed", headers={"Host": "evil.example"})
    assert refused.status_code == 400


def test_a_forwarded_host_is_checked_and_followed(make_app: MakeApp) -> None:
    client = make_app(TRUSTED_PROXIES=1).test_client()
    forwarded = {"X-Forwarded-Host": "localhost:8443", "X-Forwarded-Proto": "https"}
    response = client.get("/id/voicemed", headers={**TURTLE, **forwarded})
    assert response.status_code == 303
    assert response.headers["Location"] == "https://localhost:8443/doc/voicemed"
    document = client.get("/doc/voicemed", headers={**TURTLE, **forwarded})
    assert document.headers["Content-Location"] == "https://localhost:8443/doc/voicemed.ttl"
    # The links follow these headers: a cache in front must keep their answers apart.
    assert {"X-Forwarded-Host", "X-Forwarded-Proto"} <= set(document.vary)
    forged = client.get("/id/voicemed", headers={**TURTLE, "X-Forwarded-Host": "evil.example"})
    assert forged.status_code == 400
    assert "evil" not in forged.headers.get("Location", "")
