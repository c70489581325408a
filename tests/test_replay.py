"""replay.py: a request answered before gets the same final response again, below Flask."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from conftest import BROWSER, MakeApp
from flask import Flask
from flask.testing import FlaskClient

from healthtech_lod.operations import ACCESS_LOGGER


@pytest.fixture
def app(make_app: MakeApp) -> Flask:
    return make_app()


@pytest.fixture
def dispatched(app: Flask) -> list[str]:
    """The paths Flask dispatched (its before-request hooks ran)."""
    paths: list[str] = []

    @app.before_request
    def count() -> None:
        from flask import request

        paths.append(request.path)

    return paths


@pytest.fixture
def access_log() -> Iterator[list[dict[str, object]]]:
    lines: list[dict[str, object]] = []

    class Records(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(record.getMessage()))

    handler = Records()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def answer(client: FlaskClient, path: str, method: str = "GET", **headers: str) -> tuple:
    response = client.open(path, method=method, headers=headers)
    return response.status_code, sorted(response.headers.items()), response.data


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/doc/voicemed", "text/turtle"),
        ("/doc/voicemed", BROWSER),
        ("/doc/voicemed.jsonld", "*/*"),
        ("/dataset", "text/turtle"),
        ("/", BROWSER),
        ("/def", BROWSER),
        ("/context.jsonld", "application/ld+json"),
        ("/browse", BROWSER),
        ("/browse/schema:Organization", "application/json"),
    ],
)
def test_a_repeated_request_is_replayed_as_it_was_answered(
    app: Flask, dispatched: list[str], path: str, accept: str
) -> None:
    client = app.test_client()
    first = answer(client, path, Accept=accept)
    again = answer(client, path, Accept=accept)
    assert first[0] == 200 and again == first
    assert dispatched == [path.split("?")[0]], "the second never reached Flask"
    head = client.head(path, headers={"Accept": accept})
    assert head.status_code == 200 and head.data == b""
    assert sorted(head.headers.items()) == first[1]
    assert len(dispatched) == 1


def test_what_the_answer_depends_on_is_in_the_key(app: Flask, dispatched: list[str]) -> None:
    client = app.test_client()
    turtle = answer(client, "/doc/voicemed", Accept="text/turtle")
    jsonld = answer(client, "/doc/voicemed", Accept="application/ld+json")
    french = answer(client, "/doc/voicemed", Accept=BROWSER, **{"Accept-Language": "fr"})
    german = answer(client, "/doc/voicemed", Accept=BROWSER, **{"Accept-Language": "de"})
    zipped = answer(client, "/doc/voicemed", Accept="text/turtle", **{"Accept-Encoding": "gzip"})
    lang = client.get("/doc/voicemed?lang=de", headers={"Accept": BROWSER})
    assert len({turtle[2], jsonld[2], french[2], german[2], zipped[2]}) == 5
    assert lang.data == german[2]
    assert len(dispatched) == 6


def test_conditional_and_failed_requests_go_to_the_app(app: Flask, dispatched: list[str]) -> None:
    client = app.test_client()
    first = client.get("/doc/voicemed", headers={"Accept": "text/turtle"})
    revalidated = client.get(
        "/doc/voicemed", headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}
    )
    assert revalidated.status_code == 304
    for _ in range(2):
        assert client.get("/doc/no-such-thing").status_code == 404
    assert len(dispatched) == 4


def test_a_replayed_request_is_logged_like_any_other(
    app: Flask, access_log: list[dict[str, object]]
) -> None:
    client = app.test_client()
    for _ in range(2):
        client.get("/doc/voicemed", headers={"Accept": "text/turtle"})
    assert len(access_log) == 2
    first, replayed = access_log
    assert {k: v for k, v in first.items() if k not in ("time", "ms")} == {
        k: v for k, v in replayed.items() if k not in ("time", "ms")
    }
    assert replayed["path"] == "/doc/voicemed" and replayed["status"] == 200
