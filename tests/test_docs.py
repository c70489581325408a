"""The docs follow the code: every setting is documented, the README's examples work."""

from __future__ import annotations

import json
import re
import shlex

import pytest
from conftest import jsonld_graph
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.namespace import RDF
from reconciliation import valid

from healthtech_lod.config import DEFAULTS
from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.namespaces import ID

README = REPO_ROOT / "README.md"
HTTP = REPO_ROOT / "docs" / "http.md"
CONFIGURATION = REPO_ROOT / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", CONFIGURATION.read_text(), re.M))
    assert documented == set(DEFAULTS)


def readme_curls() -> list[list[str]]:
    """The arguments of each ``curl`` line of the README."""
    text = README.read_text(encoding="utf-8")
    return [shlex.split(line)[1:] for line in text.splitlines() if line.startswith("curl ")]


def replay(client: FlaskClient, args: list[str]) -> tuple[int, str, bytes]:
    """Send one README curl line through the test client (following 303s with -L)."""
    headers: dict[str, str] = {}
    form: dict[str, str] = {}
    follow = as_get = False
    url = ""
    words = iter(args)
    for word in words:
        if word == "-H":
            name, _, value = next(words).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "--data-urlencode":
            name, _, value = next(words).partition("=")
            form[name] = value
        elif word == "-L":
            follow = True
        elif word == "-G":
            as_get = True
        else:
            url = word
    path = re.sub(r"^https?://[^/]+", "", url)
    if as_get:
        response = client.get(path, query_string=form, headers=headers)
    elif form:
        response = client.post(path, data=form, headers=headers)
    else:
        response = client.get(path, headers=headers, follow_redirects=follow)
    return response.status_code, response.mimetype, response.data


def test_readme_has_three_curl_examples() -> None:
    assert len(readme_curls()) == 3


def test_readme_sparql_example_counts_the_triples(real_client: FlaskClient) -> None:
    status, mimetype, body = replay(real_client, readme_curls()[0])
    assert (status, mimetype) == (200, "text/csv")
    header, count = body.decode().split()
    assert header == "n" and int(count) > 1000


def test_readme_turtle_example_describes_voicemed(real_client: FlaskClient) -> None:
    status, mimetype, body = replay(real_client, readme_curls()[1])
    assert (status, mimetype) == (200, "text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    assert (ID["voicemed"], RDF.type, None) in graph


def test_readme_jsonld_example_describes_lih(real_client: FlaskClient) -> None:
    status, mimetype, body = replay(real_client, readme_curls()[2])
    assert (status, mimetype) == (200, "application/ld+json")
    graph = jsonld_graph(real_client, body)
    assert (ID["luxembourg-institute-of-health"], RDF.type, None) in graph


def http_curls(route: str) -> list[list[str]]:
    """The arguments of each ``curl`` example (continued lines joined) in the sections of
    docs/http.md whose route starts with ``route``."""
    text = HTTP.read_text(encoding="utf-8").replace("\\\n", " ")
    sections = re.findall(r"^### `[A-Z, ]+ ([^`]+)`\n(.*?)(?=^### |\Z)", text, re.M | re.S)
    return [
        shlex.split(line)[1:]
        for path, body in sections
        if path.startswith(route)
        for line in body.splitlines()
        if line.startswith("curl ")
    ]


#: The schema of each documented reconciliation answer, by path and parameter.
RECONCILE_SCHEMAS = {
    ("/reconcile", ""): "manifest.json",
    ("/reconcile", "queries"): "reconciliation-result-batch.json",
    ("/reconcile", "extend"): "data-extension-response.json",
    ("/reconcile/suggest/entity", ""): "suggest-entities-response.json",
    ("/reconcile/suggest/type", ""): "suggest-types-response.json",
    ("/reconcile/suggest/property", ""): "suggest-properties-response.json",
    ("/reconcile/properties", ""): "data-extension-property-proposal.json",
}


def test_every_reconcile_route_has_an_example() -> None:
    paths = {re.sub(r"^https?://[^/]+|[?].*$", "", args[-1]) for args in http_curls("/reconcile")}
    assert {path for path, _ in RECONCILE_SCHEMAS} <= paths
    assert {"/reconcile/preview", "/reconcile/view"} <= paths


@pytest.mark.parametrize("args", http_curls("/reconcile"), ids=lambda args: " ".join(args)[:60])
def test_http_reconcile_examples_answer_as_documented(
    real_client: FlaskClient, args: list[str]
) -> None:
    status, mimetype, body = replay(real_client, args)
    assert status == 200, body
    path = re.sub(r"^https?://[^/]+|[?].*$", "", args[-1])
    if path == "/reconcile/preview":
        assert mimetype == "text/html" and b"VoiceMed" in body
        return
    if path == "/reconcile/view":
        assert mimetype == "text/html" and b"<h1>VoiceMed</h1>" in body
        return
    sent = [a.partition("=")[0] for a in args if "=" in a and not a.startswith("http")]
    answer = json.loads(body)
    valid(RECONCILE_SCHEMAS[(path, sent[0] if sent else "")], answer)
    if sent == ["queries"]:
        assert all(result["result"][0]["match"] for result in answer.values())
