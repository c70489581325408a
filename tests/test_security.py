"""Browser safety headers on every response."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from conftest import BROWSER
from flask.testing import FlaskClient


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
