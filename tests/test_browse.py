"""Browsing: the class index with counts, a page of each class's entities, and concept
pages listing who uses a concept."""

from __future__ import annotations

import pytest
from conftest import BROWSER, MakeApp, check_html
from flask import Flask
from flask.testing import FlaskClient

from healthtech_lod import browse


def test_index_lists_each_class_with_its_count(client: FlaskClient) -> None:
    response = client.get("/browse", headers={"Accept": "application/json"})
    counts = {row["name"]: row["entities"] for row in response.json}
    assert counts["lht:Facility"] == 3
    assert counts["lht:Company"] == 1
    assert "owl:Class" not in counts, "the vocabulary's own kinds are on /def"


def test_index_page_links_each_class(client: FlaskClient) -> None:
    response = client.get("/browse", headers={"Accept": BROWSER})
    page = check_html(response.text)
    assert "/browse/lht:Facility" in page.hrefs
    assert "Facility" in response.text


def test_home_links_classes_to_their_pages(client: FlaskClient) -> None:
    page = check_html(client.get("/", headers={"Accept": BROWSER}).text)
    assert "/browse/lht:Facility" in page.hrefs
    assert "/browse" in page.hrefs and "/search" in page.hrefs


def test_class_page_lists_entities_by_name_in_the_page_language(client: FlaskClient) -> None:
    english = client.get("/browse/lht:Facility", headers={"Accept": "application/json"}).json
    assert english["total"] == 3
    assert [e["label"] for e in english["entities"]] == [
        "House of BioHealth",
        "Wet lab",
        ":unnamed-site",
    ]
    french = client.get("/browse/lht:Facility?lang=fr", headers={"Accept": BROWSER})
    assert french.text.index("House of BioHealth") < french.text.index("Laboratoire humide")
    assert "3 entités de cette sorte" in french.text
    negotiated = client.get("/browse/lht:Facility", headers={"Accept-Language": "fr"})
    assert "Accept-Language" in negotiated.headers["Vary"]
    assert "3 entités de cette sorte" in negotiated.text


def test_class_pages_are_paged(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browse, "PAGE_SIZE", 2)
    client = make_app().test_client()
    first = client.get("/browse/lht:Facility", headers={"Accept": BROWSER})
    assert "page 1 of 2" in first.text and 'rel="next"' in first.text
    second = client.get("/browse/lht:Facility?page=2", headers={"Accept": "application/json"})
    assert [e["label"] for e in second.json["entities"]] == [":unnamed-site"]
    assert client.get("/browse/lht:Facility?page=3").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/browse/lht:Nothing", 404),
        ("/browse/nope:Facility", 404),
        ("/browse/Facility", 404),
        ("/browse/lht:Facility?page=0", 400),
        ("/browse/lht:Facility?page=two", 400),
        ("/browse/lht:Facility?page=99999999999999999999", 400),
    ],
)
def test_bad_class_or_page_is_a_client_error(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.json["error"]["status"] == status


def test_concept_page_lists_the_entities_that_use_it(client: FlaskClient) -> None:
    response = client.get("/doc/artificial-intelligence.html", headers={"Accept": BROWSER})
    page = check_html(response.text)
    assert 'id="used-by"' in response.text
    used = response.text[response.text.index('id="used-by"') :]
    assert "VoiceMed" in used.split("</section>")[0]
    assert "/doc/voicemed" in " ".join(page.hrefs) or "/id/voicemed" in " ".join(page.hrefs)


def test_concept_uses_include_narrower_concepts(real_app: Flask) -> None:
    client = real_app.test_client()
    response = client.get("/doc/artificial-intelligence.html", headers={"Accept": BROWSER})
    used = response.text[response.text.index('id="used-by"') :].split("</section>")[0]
    # NIUM's technology is predictive maintenance, narrower than artificial intelligence.
    assert "NIUM" in used and "Predictive maintenance" in used


def test_non_concepts_have_no_used_by_section(client: FlaskClient) -> None:
    response = client.get("/doc/voicemed.html", headers={"Accept": BROWSER})
    assert 'id="used-by"' not in response.text
