"""The pages' own words: every message of every template has its French and its
German, and a page in French or German says its words in that language."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import BROWSER, check_html
from flask import Flask
from flask.testing import FlaskClient

from healthtech_lod.downloads import get_manifest
from healthtech_lod.i18n import CATALOGUES, FRENCH, GERMAN

TEMPLATES = Path(__file__).parents[1] / "src" / "healthtech_lod" / "templates"


def messages(app: Flask) -> set[str]:
    """Every message the templates mark with _() or ngettext(), singular and plural,
    and the download titles they translate with _(d.title)."""
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        for _line, _function, message in app.jinja_env.extract_translations(source):
            if isinstance(message, str):
                found.add(message)
            elif message is not None:
                found.update(filter(None, message))
    with app.app_context():
        found.update(d.title for d in get_manifest().files)
    return found


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_every_template_message_has_its_translation(app: Flask, lang: str) -> None:
    found = messages(app)
    assert len(found) > 50
    assert sorted(found - CATALOGUES[lang].keys()) == []


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_the_catalogue_holds_no_message_the_templates_dropped(app: Flask, lang: str) -> None:
    assert sorted(CATALOGUES[lang].keys() - messages(app)) == []


@pytest.mark.parametrize("catalogue", [FRENCH, GERMAN], ids=["fr", "de"])
def test_translations_keep_the_placeholders(catalogue: dict[str, str]) -> None:
    for message, translated in catalogue.items():
        assert sorted(re.findall(r"%\(\w+\)[sd]", message)) == sorted(
            re.findall(r"%\(\w+\)[sd]", translated)
        ), message


def test_french_page_speaks_french(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept": BROWSER, "Accept-Language": "fr-LU, fr;q=0.9"})
    assert '<html lang="fr">' in response.text
    assert "Rechercher par nom" in response.text and "Parcourir" in response.text
    assert "Search by name" not in response.text


def test_german_page_speaks_german(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept": BROWSER, "Accept-Language": "de-LU, de;q=0.9"})
    assert '<html lang="de">' in response.text
    assert "Nach Namen suchen" in response.text and "Durchblättern" in response.text
    assert '<strong lang="de">Deutsch</strong>' in response.text
    assert "Search by name" not in response.text


def test_plural_rules_follow_the_language(client: FlaskClient) -> None:
    english = client.get("/search?q=nothing-matches-this", headers={"Accept": BROWSER})
    assert "0 entities match" in english.text
    french = client.get("/search?q=nothing-matches-this&lang=fr", headers={"Accept": BROWSER})
    assert "0 entité correspond" in french.text
    german = client.get("/search?q=nothing-matches-this&lang=de", headers={"Accept": BROWSER})
    assert "0 Entitäten passen zu „nothing-matches-this“" in german.text
    one = client.get("/search?q=voicemed&lang=de", headers={"Accept": BROWSER})
    assert "1 Entität passt zu „voicemed“" in one.text


def test_a_standard_error_is_explained_in_the_page_language(client: FlaskClient) -> None:
    standard = client.get("/no-such-page", headers={"Accept": BROWSER, "Accept-Language": "fr"})
    assert standard.status_code == 404
    assert "<h1>404 Introuvable</h1>" in standard.text
    assert "Il n'y a rien à cette adresse sur le serveur." in html.unescape(standard.text)
    english = client.get("/no-such-page", headers={"Accept": BROWSER})
    assert "<h1>404 Not Found</h1>" in english.text


def test_a_views_own_error_detail_is_marked_as_english(client: FlaskClient) -> None:
    own = client.get(
        "/browse/lht:Facility?page=x", headers={"Accept": BROWSER, "Accept-Language": "fr"}
    )
    assert own.status_code == 400
    assert "<h1>400 Requête incorrecte</h1>" in own.text
    assert '<p lang="en">The page number must be a positive whole number' in own.text


def test_download_titles_follow_the_page_language(client: FlaskClient) -> None:
    french = client.get("/download/?lang=fr", headers={"Accept": BROWSER}).text
    assert "<td>Le vocabulaire (Turtle)</td>" in french
    assert "The vocabulary (Turtle)" not in french


# --- no English left on a German page ------------------------------------------------------


class _Words(HTMLParser):
    """What a reader sees or hears of a page, in the page's language: text outside
    <script> and <style>, and aria-label, placeholder and title attributes; text in
    an element whose lang says another language is left out."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.stack: list[tuple[str, str | None]] = []
        self.words: list[str] = []

    def _current(self) -> str | None:
        return next((lang for _, lang in reversed(self.stack) if lang), None)

    def _hidden(self) -> bool:
        return any(tag in ("script", "style") for tag, _ in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append((tag, dict(attrs).get("lang")))
        self._attributes(attrs)
        if tag in self.VOID:
            self.stack.pop()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append((tag, dict(attrs).get("lang")))
        self._attributes(attrs)
        self.stack.pop()

    def _attributes(self, attrs: list[tuple[str, str | None]]) -> None:
        if self._current() == self.lang:
            self.words.extend(
                v for k, v in attrs if k in ("aria-label", "placeholder", "title") and v
            )

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1:]}"
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._hidden() and self._current() == self.lang:
            self.words.append(data)


def _pattern(message: str) -> re.Pattern[str]:
    """The message as it shows on a page, placeholders filled by anything, as whole words."""
    parts = re.split(r"%\(\w+\)([sd])", message)
    body = "".join(
        re.escape(part) if i % 2 == 0 else (r"\d+" if part == "d" else ".+?")
        for i, part in enumerate(parts)
    )
    # A word inside an IRI, a prefixed name or a format (N-Triples, owl:Class) is no message.
    return re.compile(rf"(?<![\w:#/.-]){body}(?![\w-])")


def english_left(page: str, lang: str, catalogue: dict[str, str]) -> list[str]:
    """The English messages (those the catalogue translates differently) that a page
    in ``lang`` still shows."""
    parser = _Words(lang)
    parser.feed(page)
    shown = "\n".join(" ".join(w.split()) for w in parser.words)
    return sorted(
        message
        for message, translated in catalogue.items()
        if message != translated and _pattern(" ".join(message.split())).search(shown)
    )


#: Every kind of page, and the error pages: a standard 404, a view's own 404, a 400.
PAGES = [
    "/",
    "/dataset",
    "/browse",
    "/browse/lht:Facility",
    "/doc/voicemed",
    "/doc/house-of-biohealth",
    "/doc/artificial-intelligence",
    "/def",
    "/sparql",
    "/sparql?format=html&query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+%3Fc+%7D",
    "/sparql?format=html&query=ASK+%7B%7D",
    "/search",
    "/search?q=labor",
    "/search?q=nothing-matches-this",
    "/quality",
    "/download/",
    "/no-such-page",
    "/doc/nothing-here",
    "/browse/lht:Facility?page=x",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_german_page_leaves_no_english_word_of_the_interface(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, headers={"Accept": BROWSER, "Accept-Language": "de"})
    check_html(response.text)
    assert '<html lang="de">' in response.text
    assert english_left(response.text, "de", GERMAN) == []


@pytest.mark.parametrize("path", ["/", "/def", "/quality", "/no-such-page"])
def test_the_check_sees_the_english_of_an_english_page(client: FlaskClient, path: str) -> None:
    english = client.get(path, headers={"Accept": BROWSER, "Accept-Language": "en"}).text
    assert "Data quality" in english_left(english, "en", GERMAN)


def test_a_standard_error_is_explained_in_german_and_a_views_own_detail_is_marked_english(
    client: FlaskClient,
) -> None:
    standard = client.get("/no-such-page", headers={"Accept": BROWSER, "Accept-Language": "de"})
    assert standard.status_code == 404
    assert "<h1>404 Nicht gefunden</h1>" in standard.text
    assert "Unter dieser Adresse gibt es auf dem Server nichts." in standard.text
    own = client.get(
        "/browse/lht:Facility?page=x", headers={"Accept": BROWSER, "Accept-Language": "de"}
    )
    assert own.status_code == 400
    assert "<h1>400 Ungültige Anfrage</h1>" in own.text
    assert '<p lang="en">The page number must be a positive whole number' in own.text
