"""The factory, settings, CORS, the error shape and the route documentation."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import BROWSER, FIXTURES, MakeApp, check_html
from flask import Flask
from flask.testing import FlaskClient

from healthtech_lod.app import create_app, settings
from healthtech_lod.config import DEFAULTS
from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.opening import get_store
from healthtech_lod.store import DatasetStore

HTTP_DOCS = REPO_ROOT / "docs" / "http.md"


# --- the factory -------------------------------------------------------------------


def test_defaults_then_environment_then_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHTECH_LOD_CACHE_MAX_AGE", "60")
    monkeypatch.setenv("HEALTHTECH_LOD_QUERY_TIMEOUT", "5")
    resolved = settings({"QUERY_TIMEOUT": 9})
    assert resolved["CACHE_MAX_AGE"] == 60, "the environment overrides a default"
    assert resolved["QUERY_TIMEOUT"] == 9, "the mapping overrides the environment"
    assert resolved["MAX_QUERY_LENGTH"] == DEFAULTS["MAX_QUERY_LENGTH"]


def test_base_uri_gets_a_trailing_slash() -> None:
    assert (
        settings({"BASE_URI": "https://example.org/lod"})["BASE_URI"] == "https://example.org/lod/"
    )


def test_factory_builds_independent_apps(app: Flask, make_app: MakeApp) -> None:
    other = make_app(CACHE_MAX_AGE=1)
    assert other is not app
    assert other.config["CACHE_MAX_AGE"] == 1 and app.config["CACHE_MAX_AGE"] == 3600
    with app.app_context():
        first = get_store()
    with other.app_context():
        assert get_store() is not first
    assert isinstance(first, DatasetStore)
    assert first.root == FIXTURES


def test_environment_configures_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HEALTHTECH_LOD_DATA_ROOT", str(FIXTURES))
    monkeypatch.setenv("HEALTHTECH_LOD_STORE_CACHE_DIR", str(tmp_path))
    app = create_app({"TESTING": True})
    assert app.config["DATA_ROOT"] == str(FIXTURES)
    assert any(tmp_path.iterdir()), "the build is made under STORE_CACHE_DIR"


def test_dataset_modified_setting_gives_last_modified(make_app: MakeApp) -> None:
    app = make_app(DATASET_MODIFIED="2026-11-24")
    response = app.test_client().get("/doc/voicemed.ttl")
    assert response.headers["Last-Modified"] == "Tue, 24 Nov 2026 00:00:00 GMT"


def test_store_is_not_changed_by_serving(app: Flask, client: FlaskClient) -> None:
    before = len(app.extensions["healthtech_lod"].store)
    client.get("/doc/voicemed")
    client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert len(app.extensions["healthtech_lod"].store) == before


# --- CORS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/sparql", "/doc/voicemed", "/id/voicemed", "/doc/nothing", "/nowhere", "/download/"]
)
def test_cors_on_every_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "content-type"


# --- the error shape ---------------------------------------------------------------------


def test_error_shape_for_json_clients(client: FlaskClient) -> None:
    response = client.get("/doc/nothing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {
            "status": 404,
            "title": "Not Found",
            "detail": "Nothing is known about <https://w3id.org/lu-healthtech/id/nothing>.",
        }
    }


def test_error_page_for_browsers(client: FlaskClient) -> None:
    response = client.get("/nowhere", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>404 Not Found</h1>" in response.text


def test_plain_text_otherwise(client: FlaskClient) -> None:
    for accept in (None, "*/*", "application/x-unknown"):
        response = client.get("/nowhere", headers={"Accept": accept} if accept else {})
        assert response.status_code == 404
        assert response.mimetype == "text/plain"
        assert response.text.startswith("404 Not Found\n")


def test_method_not_allowed_keeps_allow(client: FlaskClient) -> None:
    response = client.delete("/sparql")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_unexpected_errors_are_a_bare_500(make_app: MakeApp) -> None:
    app = make_app(TESTING=False)

    def broken() -> str:
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", view_func=broken)
    for accept in ("application/json", BROWSER, "text/plain"):
        response = app.test_client().get("/broken", headers={"Accept": accept})
        assert response.status_code == 500
        assert "secret detail" not in response.text
        assert "Traceback" not in response.text
    json_error = app.test_client().get("/broken", headers={"Accept": "application/json"})
    assert json_error.get_json()["error"]["status"] == 500


def test_request_too_large_is_413(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": "x" * 70_000})
    assert response.status_code == 413


# --- HTML -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dataset",
        "/doc/voicemed",
        "/doc/pioneers",
        "/def",
        "/download/",
        "/sparql",
        "/quality",
        "/x",
    ],
)
def test_every_html_page_is_well_formed(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    page = check_html(response.text)
    assert "<title>" in response.text and '<html lang="en">' in response.text
    loaded = [urljoin("http://localhost" + path, url) for url in page.resources]
    assert all(url.startswith("http://localhost/") for url in loaded), "no external host"


# --- docs ------------------------------------------------------------------------------------


def documented_form(rule: str) -> str:
    """``/doc/<slug:slug>.<ext>`` as the docs write it: ``/doc/{slug}.{ext}``."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_every_route_is_documented_with_a_curl_example(app: Flask) -> None:
    docs = HTTP_DOCS.read_text(encoding="utf-8")
    sections = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"^### `(?:GET|POST|GET, POST) ([^`]+)`\n(.*?)(?=^### |\Z)", docs, re.M | re.S
        )
    }
    missing = []
    for rule in app.url_map.iter_rules():
        path = documented_form(rule.rule)
        if path not in sections or "curl " not in sections[path]:
            missing.append(path)
    assert missing == []
