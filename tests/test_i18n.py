"""The pages' own words: every message of every template has its French, and a page
in French says its words in French."""

from __future__ import annotations

import html
from pathlib import Path

from conftest import BROWSER
from flask import Flask
from flask.testing import FlaskClient

from healthtech_lod.downloads import get_manifest
from healthtech_lod.i18n import FRENCH

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
