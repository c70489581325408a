"""Shared fixtures: one app over the small fixture repository, one over the real data,
and the validation report of the real data."""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyld import jsonld
from rdflib import Dataset, Graph, URIRef

from healthtech_lod import disagreements, validation
from healthtech_lod.app import create_app
from healthtech_lod.dataset import REPO_ROOT, fill_default_graph, load_oxigraph, load_rdflib
from healthtech_lod.namespaces import ID
from healthtech_lod.rdf import from_rdflib, to_rdflib_term
from healthtech_lod.validation import Report

FIXTURES = Path(__file__).parent / "fixtures"

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

MakeApp = Callable[..., Flask]


@pytest.fixture(scope="session")
def make_app(tmp_path_factory: pytest.TempPathFactory) -> MakeApp:
    """Build an app over the fixture repository; keyword arguments override settings."""

    # Under pytest-xdist each worker has a folder in one temporary folder of the run:
    # the workers share their builds there (the cache lets the first build win).
    run_folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_folder = run_folder.parent

    def make(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "DATA_ROOT": str(FIXTURES),
            "STORE_CACHE_DIR": str(run_folder / "stores"),
            # Tests send many queries from one address; tests/test_limits.py sets its own.
            "RATE_LIMIT": 0,
            "MAX_QUERIES_PER_CLIENT": 0,
            # One query worker (a process of its own, 0.2 s of CPU to start) is enough
            # for tests that do not run queries side by side; those set their own.
            "QUERY_WORKERS": 1,
            **overrides,
        }
        return create_app(config)

    return make


@pytest.fixture(scope="session")
def app(make_app: MakeApp) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def fixture_dataset() -> Dataset:
    """The fixture repository read by rdflib, independently of the service."""
    return load_rdflib(FIXTURES)


@pytest.fixture(scope="session")
def fixture_union(fixture_dataset: Dataset) -> Graph:
    return union(fixture_dataset)


def entity_pages(data: Graph) -> Iterator[tuple[URIRef, str]]:
    """Every entity and source under id/ that ``data`` describes, with the path of
    its page (``/doc/{slug}``, ``/doc/source/{slug}``), read apart from the service."""
    slug = r"[A-Za-z0-9][A-Za-z0-9_~-]*"
    namespace = str(ID)
    for subject in sorted({s for s in data.subjects() if isinstance(s, URIRef)}):
        local = str(subject).removeprefix(namespace)
        if local == str(subject) or local == "dataset":
            continue
        if re.fullmatch(f"(?:source/)?{slug}", local):
            yield subject, f"/doc/{local}"


def without_self_description(served: Graph, document: str) -> Graph:
    """``served`` less the five statements a document makes about itself (type, topic,
    license, dataset, modified); asserts they are there."""
    about = set(served.triples((URIRef(document), None, None)))
    assert len(about) == 5, f"{document}: type, topic, license, dataset, modified: {about}"
    for triple in about:
        served.remove(triple)
    return served


def isomorphic(first: Graph, second: Graph) -> bool:
    """Whether two graphs are the same up to blank-node labels, by Oxigraph's
    canonicalisation (what rdflib.compare.isomorphic answers, 10-50 times faster on
    the description and the documents)."""

    def canonical(graph: Graph) -> ox.Dataset:
        dataset = ox.Dataset(ox.Quad(*triple) for triple in from_rdflib(graph))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return dataset

    return len(first) == len(second) and canonical(first) == canonical(second)


def union(dataset: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="session")
def repository_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The repository's own data validated (pySHACL over the full data takes seconds):
    once per test run, shared by every test about the unchanged repository. Under
    pytest-xdist (``make test`` runs the fast part on every core) the first worker
    to need it validates, under a lock, and the others read its report."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return validation.validate_repository(REPO_ROOT)
    shared = tmp_path_factory.getbasetemp().parent / "repository-report.pickle"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if shared.exists():
            report: Report = pickle.loads(shared.read_bytes())
            return report
        report = validation.validate_repository(REPO_ROOT)
        shared.write_bytes(pickle.dumps(report))
        return report


@contextmanager
def validated_once(report: Report) -> Iterator[None]:
    """Within the block, validating the repository itself (``validate``, ``build``)
    gives ``report`` instead of running pySHACL over the full data again; any other
    root is validated as usual."""
    original = validation.validate_repository

    def validate(root: Path = REPO_ROOT) -> Report:
        return report if Path(root).resolve() == REPO_ROOT else original(root)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validation, "validate_repository", validate)
        yield


@pytest.fixture(scope="session")
def real_app(make_app: MakeApp) -> Iterator[Flask]:
    """The service over the repository's own data."""
    yield make_app(DATA_ROOT=str(REPO_ROOT))


@pytest.fixture
def real_client(real_app: Flask) -> FlaskClient:
    return real_app.test_client()


def jsonld_graph(client: FlaskClient, body: bytes | str) -> Graph:
    """Expand a JSON-LD document with pyld, serving its context from the app (never
    the network), and read the result into an rdflib graph."""

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        path = urlsplit(url).path
        response = client.get(path)
        assert response.status_code == 200, url
        return {"contextUrl": None, "documentUrl": url, "document": response.get_json()}

    document = json.loads(body)
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
    return Graph().parse(data=nquads, format="nt")


def jsonld_graphs(document: dict[str, Any]) -> dict[str, Graph]:
    """A self-contained JSON-LD document (context inline), graph by graph."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    return parse_graphs(nquads.encode(), ox.RdfFormat.N_QUADS)


def parse_graphs(data: bytes, rdf_format: ox.RdfFormat) -> dict[str, Graph]:
    """Parse with Oxigraph (rdflib's Dataset parser warns): graph name ("" for the
    default graph) to an rdflib graph of its triples."""
    graphs: dict[str, Graph] = {}
    for quad in ox.parse(data, format=rdf_format):
        name = "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graph = graphs.setdefault(name, Graph())
        graph.add(
            (
                to_rdflib_term(quad.subject),
                to_rdflib_term(quad.predicate),
                to_rdflib_term(quad.object),
            )
        )
    return graphs


def merged(graphs: dict[str, Graph]) -> Graph:
    """The union of several graphs."""
    union_graph = Graph()
    for graph in graphs.values():
        for triple in graph:
            union_graph.add(triple)
    return union_graph


class _Checker(HTMLParser):
    """Collects ids, links, loaded resources and unclosed elements of a page."""

    VOID = {"meta", "link", "br", "img", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.resources: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("src") or tag == "link":
            self.resources.append(values.get("src") or values.get("href") or "")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


def check_html(text: str) -> _Checker:
    assert text.startswith("<!doctype html>")
    checker = _Checker()
    checker.feed(text)
    assert checker.open == [], f"unclosed: {checker.open}"
    return checker


def fails_in_one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """Assert that ``result`` exited non-zero without a traceback (its own or a child
    process's), its standard error ending with one "Error: …" line holding every
    ``expected`` fragment; returns that line."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines, "nothing on standard error"
    assert lines[-1].startswith("Error: "), result.stderr
    assert [line for line in lines if "Error" in line] == [lines[-1]], result.stderr
    for fragment in expected:
        assert fragment in lines[-1], f"{fragment!r} not in {lines[-1]!r}"
    return lines[-1]


def comparable(rows: Iterable[Sequence[str | None]]) -> list[tuple[str, ...]]:
    """Rows of one query from two engines, as both may rightly write them: unbound and
    "" alike (a GROUP_CONCAT of nothing), the parts of a concatenation in order (their
    order is the engine's), the rows sorted."""
    return sorted(
        tuple("" if value is None else ", ".join(sorted(value.split(", "))) for value in row)
        for row in rows
    )


@pytest.fixture(scope="session")
def repository_store() -> ox.Store:
    """The repository's data in memory as the build loads it: each file in its graph,
    the default graph their union, and graph/disagreements (read only by the tests)."""
    store = fill_default_graph(load_oxigraph(REPO_ROOT))
    disagreements.add(store)
    return store


@pytest.fixture(scope="session")
def findings(repository_store: ox.Store) -> Graph:
    """What the build finds where the repository's sources disagree (graph/disagreements):
    in the service's data and dumps beside the files' statements."""
    found = repository_store.quads_for_pattern(None, None, None, disagreements.DISAGREEMENTS)
    graph = Graph()
    for quad in found:
        graph.add(tuple(to_rdflib_term(t) for t in (quad.subject, quad.predicate, quad.object)))
    assert len(graph), "the repository's sources disagree somewhere"
    return graph
