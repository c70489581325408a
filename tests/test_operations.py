"""Operations: /health and the structured access log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from healthtech_lod.operations import ACCESS_LOGGER


def test_health(app: Flask, client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["status"] == "ok"
    store = app.extensions["healthtech_lod"]
    assert body["dataset"]["version"] == store.version.digest
    assert body["dataset"]["triples"] > 0
    assert body["store"] in {"embedded", "memory"}
    assert "/" not in body["store"], "/health never discloses a folder"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def access_log() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_each_request_is_one_json_line(client: FlaskClient, access_log: Records) -> None:
    client.get("/doc/voicemed.ttl")
    (line,) = access_log.lines
    assert line["method"] == "GET" and line["path"] == "/doc/voicemed.ttl"
    assert line["status"] == 200 and isinstance(line["bytes"], int) and line["bytes"] > 0
    assert isinstance(line["ms"], float)
    assert "query" not in line


def test_a_query_logs_its_size_kind_rows_and_time(client: FlaskClient, access_log: Records) -> None:
    text = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"
    client.get("/sparql", query_string={"query": text})
    query = access_log.lines[-1]["query"]
    assert isinstance(query, dict)
    assert query["chars"] == len(text) and query["kind"] == "select" and query["rows"] == 3
    assert query["truncated"] is False and isinstance(query["ms"], float)
    assert len(str(query["digest"])) == 16 and text not in json.dumps(query)


def test_a_failed_query_is_logged_with_its_status(client: FlaskClient, access_log: Records) -> None:
    client.get("/sparql", query_string={"query": "SELECT * WHERE {"})
    line = access_log.lines[-1]
    assert line["status"] == 400 and "ms" in line["query"]  # type: ignore[operator]
