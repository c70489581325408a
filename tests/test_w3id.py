"""The w3id.org redirects prepared in docs/w3id/.htaccess: each canonical IRI goes
to a path this service answers, in the format the client asked for.

Apache is not run here: the test reads the file's RewriteCond and RewriteRule lines
with the small part of mod_rewrite they use (per-directory rules, ``$N`` and
``%{HTTP_ACCEPT}`` conditions, ``E=`` variables, ``R=`` and ``L``), and replays the
redirected paths against the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from conftest import BROWSER
from flask.testing import FlaskClient

from healthtech_lod.dataset import REPO_ROOT

HTACCESS = REPO_ROOT / "docs" / "w3id" / ".htaccess"
COMUNICA = (
    "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,"
    "application/n-triples;q=0.8,text/turtle;q=0.6"
)


@dataclass(frozen=True)
class Redirect:
    status: int
    location: str


def rewrite(path: str, accept: str) -> Redirect | None:
    """What the rules of .htaccess answer for ``path`` (relative to lu-healthtech/)."""
    env: dict[str, str] = {}
    conditions: list[tuple[str, str]] = []
    for line in HTACCESS.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if not words or words[0].startswith("#") or words[0] == "RewriteEngine":
            continue
        if words[0] == "RewriteCond":
            conditions.append((words[1], words[2]))
            continue
        pattern, substitution, flags = words[1], words[2], words[3].strip("[]").split(",")
        pending, conditions = conditions, []
        match = re.search(pattern, path)
        if match is None or not all(holds(c, match, accept) for c in pending):
            continue
        for flag in flags:
            if flag.startswith("E="):
                name, value = flag[2:].split(":", 1)
                env[name] = value
        if substitution == "-":
            continue
        target = re.sub(r"%\{ENV:(\w+)\}", lambda m: env[m.group(1)], substitution)
        for n, group in enumerate(match.groups(), start=1):
            target = target.replace(f"${n}", group or "")
        status = next(int(f[2:]) for f in flags if f.startswith("R="))
        return Redirect(status, target)
    return None


def holds(condition: tuple[str, str], match: re.Match[str], accept: str) -> bool:
    test, pattern = condition
    value = accept if test == "%{HTTP_ACCEPT}" else match.group(int(test[1:])) or ""
    negated = pattern.startswith("!")
    found = re.search(pattern.lstrip("!"), value) is not None
    return found != negated


def host() -> str:
    found = re.findall(r"\[E=LHT_HOST:([^\]]+)\]", HTACCESS.read_text(encoding="utf-8"))
    assert len(found) == 1, "the host is set on one line"
    return found[0]


@pytest.mark.parametrize(
    ("path", "accept", "location"),
    [
        ("id/voicemed", "text/turtle", "/doc/voicemed.ttl"),
        ("id/voicemed", "application/ld+json", "/doc/voicemed.jsonld"),
        ("id/voicemed", BROWSER, "/id/voicemed"),
        ("id/voicemed", COMUNICA, "/id/voicemed"),
        ("id/source/pioneers-2026", "application/rdf+xml", "/doc/source/pioneers-2026.rdf"),
        ("id/dataset", "text/turtle", "/id/dataset"),
        ("def", "text/turtle", "/def.ttl"),
        ("def", "application/n-triples", "/def.nt"),
        ("def", BROWSER, "/def"),
        ("def/0.1.0", "application/ld+json", "/def/0.1.0.jsonld"),
        ("def/0.1.0", BROWSER, "/def/0.1.0"),
        ("graph/links", "text/turtle", "/graph/links"),
        ("shapes", "text/turtle", "/shapes"),
        ("context.jsonld", "application/ld+json", "/context.jsonld"),
        ("", BROWSER, "/"),
    ],
)
def test_canonical_iris_reach_the_service(
    real_client: FlaskClient, path: str, accept: str, location: str
) -> None:
    redirect = rewrite(path, accept)
    assert redirect is not None
    assert redirect.location == host() + location
    assert redirect.status == (302 if path in ("shapes", "context.jsonld", "") else 303)
    response = real_client.get(urlsplit(redirect.location).path, headers={"Accept": accept})
    if response.status_code == 303:  # /id/… to its document, /graph/… to the graph store
        document = urlsplit(response.headers["Location"])
        response = real_client.get(
            document.path, query_string=document.query, headers={"Accept": accept}
        )
    assert response.status_code == 200, redirect.location


def test_other_paths_are_not_redirected() -> None:
    assert rewrite("admin/login", BROWSER) is None
    assert rewrite("def/latest", "text/turtle") is None
