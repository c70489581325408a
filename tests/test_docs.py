"""The docs follow the code: every setting is documented, the README's examples work."""

from __future__ import annotations

import re
import shlex

from conftest import jsonld_graph
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.namespace import RDF

from healthtech_lod.config import DEFAULTS
from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.namespaces import ID

README = REPO_ROOT / "README.md"
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
    follow = False
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
        else:
            url = word
    path = re.sub(r"^https?://[^/]+", "", url)
    if form:
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
