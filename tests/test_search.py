"""Search by name: case and accents ignored, HTML and JSON, every page has the box."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BROWSER, check_html
from flask.testing import FlaskClient

from healthtech_lod.name_index import Entry, NameIndex, fold, write_index


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Université du Luxembourg", "universite du luxembourg"),
        ("  HE:AL   Campus ", "he:al campus"),
        ("SüdSpidol", "sudspidol"),
        ("Œuvre ﬁne", "œuvre fine"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_find_ranks_prefix_matches_first_and_lists_an_entity_once(tmp_path: Path) -> None:
    names = [
        ("Luxembourg Institute of Health", "x:lih"),
        ("LIH", "x:lih"),
        ("University of Luxembourg", "x:uni"),
        ("Université du Luxembourg", "x:uni"),
        ("Luxinnovation", "x:luxi"),
    ]
    index = NameIndex(write_index([Entry(fold(n), n, iri) for n, iri in names], tmp_path / "i"))
    assert index.find("luxembourg") == (
        2,
        [("x:lih", "Luxembourg Institute of Health"), ("x:uni", "Université du Luxembourg")],
    )
    assert index.find("UNIVERSITE du") == (1, [("x:uni", "Université du Luxembourg")])
    assert index.find("   ") == (0, [])
    assert index.find("lu") == (
        3,
        [
            ("x:lih", "Luxembourg Institute of Health"),
            ("x:luxi", "Luxinnovation"),
            ("x:uni", "Université du Luxembourg"),
        ],
    )
    assert index.find('in" OR "x') == (0, []), "words are looked up, never run as FTS syntax"
    assert index.find("luxembourg", limit=1)[0] == 2


def test_search_without_accents_finds_the_university(real_client: FlaskClient) -> None:
    response = real_client.get(
        "/search", query_string={"q": "universite du luxembourg"}, headers={"Accept": BROWSER}
    )
    assert response.status_code == 200
    check_html(response.text)
    assert "Université du Luxembourg" in response.text or "University of Luxembourg" in (
        response.text
    )
    assert 'href="http://localhost/id/university-of-luxembourg"' in response.text


def test_search_as_json(real_client: FlaskClient) -> None:
    response = real_client.get(
        "/search", query_string={"q": "VOICEMED"}, headers={"Accept": "application/json"}
    )
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["total"] >= 1
    assert body["results"][0]["id"] == "https://w3id.org/lu-healthtech/id/voicemed"
    assert "Vary" in response.headers and "Accept" in response.headers["Vary"]


def test_no_match_says_so(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": "zzzz-nothing"})
    assert "0 entities match" in response.text


def test_search_text_is_escaped(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text


def test_overlong_search_is_400(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": "a" * 201})
    assert response.status_code == 400
    assert "limit is 200" in response.text


@pytest.mark.parametrize("path", ["/", "/doc/voicemed", "/def", "/download/", "/search"])
def test_every_page_has_the_search_box(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER})
    assert 'role="search"' in response.text and 'name="q"' in response.text


def test_control_characters_are_no_crash(client: FlaskClient) -> None:
    response = client.get(
        "/search", query_string={"q": "hou\x00se"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.get_json()["total"] >= 1, "house is found once the NUL is dropped"


@pytest.mark.parametrize(
    ("text", "iri", "matched"),
    [
        ("Nasslabor", "house-of-biohealth#wet-lab", "Nasslabor"),
        ("kunstliche intelligenz", "artificial-intelligence", "Künstliche Intelligenz"),
        ("laboratoire humide", "house-of-biohealth#wet-lab", "Laboratoire humide"),
        ("wet lab", "house-of-biohealth#wet-lab", "Wet lab"),
    ],
)
def test_names_of_every_language_are_found(
    client: FlaskClient, text: str, iri: str, matched: str
) -> None:
    response = client.get(
        "/search", query_string={"q": text}, headers={"Accept": "application/json"}
    )
    results = response.get_json()["results"]
    assert [(r["id"], r["matched"]) for r in results] == [
        (f"https://w3id.org/lu-healthtech/id/{iri}", matched)
    ]


def test_hits_are_named_in_the_page_language(client: FlaskClient) -> None:
    german = client.get("/search?q=intelligence&lang=de", headers={"Accept": BROWSER}).text
    assert ">Künstliche Intelligenz</a>" in german
    assert "mit dem Namen „Intelligence artificielle“" in german
    json = client.get(
        "/search?q=kunstliche&lang=de", headers={"Accept": "application/json"}
    ).get_json()
    assert json["results"][0]["label"] == "Künstliche Intelligenz"


def test_search_finds_an_alternate_name(real_client: FlaskClient) -> None:
    response = real_client.get(
        "/search", query_string={"q": "LNDS"}, headers={"Accept": "application/json"}
    )
    first = response.get_json()["results"][0]
    assert first["id"] == "https://w3id.org/lu-healthtech/id/luxembourg-national-data-service"
    assert first["matched"] == "LNDS"
