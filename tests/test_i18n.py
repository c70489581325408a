"""The pages' own words: every message of every template has its French, and a page
in French says its words in French."""

from __future__ import annotations

from pathlib import Path

from conftest import BROWSER
from flask import Flask
from flask.testing import FlaskClient

from healthtech_lod.i18n import FRENCH

TEMPLATES = Path(__file__).parents[1] / "src" / "healthtech_lod" / "templates"


def messages(app: Flask) -> set[str]:
    """Every message the templates mark with _() or ngettext(), singular and plural."""
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        for _line, _function, message in app.jinja_env.extract_translations(source):
            found.update([message] if isinstance(message, str) else filter(None, message))
    return found


def test_every_template_message_has_its_french(app: Flask) -> None:
    found = messages(app)
    assert len(found) > 50
    assert sorted(found - FRENCH.keys()) == []


def test_the_catalogue_holds_no_message_the_templates_dropped(app: Flask) -> None:
    assert sorted(FRENCH.keys() - messages(app)) == []


def test_french_page_speaks_french(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept": BROWSER, "Accept-Language": "fr-LU, fr;q=0.9"})
    assert '<html lang="fr">' in response.text
    assert "Rechercher par nom" in response.text and "Parcourir" in response.text
    assert "Search by name" not in response.text


def test_plural_rules_follow_the_language(client: FlaskClient) -> None:
    english = client.get("/search?q=nothing-matches-this", headers={"Accept": BROWSER})
    assert "0 entities match" in english.text
    french = client.get("/search?q=nothing-matches-this&lang=fr", headers={"Accept": BROWSER})
    assert "0 entité correspond" in french.text
