"""`healthtech-lod build`: a dataset folder made once, opened instantly by `serve --store`."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import MakeApp, validated_once
from flask import Flask

from benchmarks.generator.__main__ import generate
from healthtech_lod import name_index, statistics
from healthtech_lod.build import BuildError, open_built
from healthtech_lod.cli import main
from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.validation import Report


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, repository_report: Report) -> Path:
    """The repository plus 30 synthetic organisations (the benchmarks' generator), built
    through the command line (the repository's validation is the test run's one,
    ``repository_report``)."""
    folder = tmp_path_factory.mktemp("build")
    synthetic = folder / "synthetic.nq"
    runner = CliRunner()
    made = runner.invoke(generate, ["-n", "30", "--out", str(synthetic)])
    assert made.exit_code == 0, made.output
    out = folder / "out"
    with validated_once(repository_report):
        result = runner.invoke(main, ["build", "--out", str(out), "--add", str(synthetic)])
    assert result.exit_code == 0, result.output
    for step in ("Validating", "Loading synthetic.nq", "Counting", "Indexing", "downloads"):
        assert step in result.output
    return out


@pytest.fixture(scope="module")
def served(built: Path, make_app: MakeApp) -> Iterator[Flask]:
    yield make_app(DATA_ROOT=str(REPO_ROOT), STORE_PATH=str(built))


def synthetic_name(app: Flask) -> str:
    store = app.extensions["healthtech_lod"].store
    rows = store.query(
        "SELECT ?name WHERE { ?s a <https://w3id.org/lu-healthtech/def#Company> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?name "
        "FILTER (STRSTARTS(STR(?s), 'https://w3id.org/lu-healthtech/id/syn-')) } LIMIT 1"
    )
    return next(iter(rows))["name"].value


def test_the_build_holds_the_repository_and_the_extra_file(built: Path, served: Flask) -> None:
    meta = open_built(built)
    repository = len(list(ox.Store.read_only(str(meta.store_path))))
    assert meta.triples > 3000 and repository >= meta.triples
    health = served.test_client().get("/health").get_json()
    assert health["dataset"]["triples"] == meta.triples
    assert health["dataset"]["version"] == meta.version.digest


def test_opening_a_build_computes_nothing(
    built: Path, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("computed at start")

    monkeypatch.setattr(statistics, "compute_statistics", refuse)
    monkeypatch.setattr(name_index, "write_index", refuse)
    app = make_app(DATA_ROOT=str(REPO_ROOT), STORE_PATH=str(built))
    assert app.test_client().get("/").status_code == 200


def test_search_and_sparql_reach_the_extra_data(served: Flask) -> None:
    client = served.test_client()
    name = synthetic_name(served)
    found = client.get("/search", query_string={"q": name}, headers={"Accept": "application/json"})
    assert any(hit["label"] == name for hit in found.get_json()["results"])
    count = client.get(
        "/sparql",
        query_string={"query": "ASK { ?s a ?c FILTER (CONTAINS(STR(?s), '/id/syn-')) }"},
    )
    assert count.get_json()["boolean"] is True


def test_the_dumps_hold_the_extra_data(built: Path, served: Flask) -> None:
    client = served.test_client()
    with client.get("/download/healthtech-lod.nq.gz") as response:
        lines = gzip.decompress(response.data).decode().splitlines()
    synthetic = [line for line in lines if "/id/syn-" in line]
    written = (built.parent / "synthetic.nq").read_text().splitlines()
    assert len(synthetic) >= len([line for line in written if "/id/syn-" in line.split(" ")[0]])
    assert any("/graph/voicemed" not in line and "pioneers-2026" in line for line in lines)


def test_a_folder_that_is_not_a_build_is_refused(tmp_path: Path, make_app: MakeApp) -> None:
    with pytest.raises(BuildError, match="not a built dataset"):
        open_built(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path), "--port", "1"])
    assert result.exit_code != 0


@pytest.mark.e2e
def test_serve_store_opens_a_build_under_gunicorn(built: Path, tmp_path: Path) -> None:
    import urllib.request

    from server import start, stop, wait_until_up

    process, base, log = start(REPO_ROOT, tmp_path, options=("--store", str(built)))
    try:
        wait_until_up(f"{base}/health", process, log)
        with urllib.request.urlopen(f"{base}/health") as response:
            health = json.loads(response.read())
        assert health["store"] == "embedded"
        assert str(tmp_path) not in json.dumps(health), "no path of this machine"
        assert health["dataset"]["version"] == open_built(built).version.digest
    finally:
        stop(process)
    assert not (tmp_path / "stores").exists(), "nothing was built at start"


def test_the_build_imports_no_web_framework() -> None:
    """Build once, serve what was built: the build's code (build.py and what it
    imports) is free of Flask and of the service's views."""
    import subprocess
    import sys

    probe = (
        "import sys, healthtech_lod.build, healthtech_lod.validation\n"
        "web = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug'))\n"
        "views = sorted(m for m in sys.modules if m in {'healthtech_lod.' + v for v in "
        "('app', 'description', 'downloads', 'search', 'responses', 'pages', 'sparql')})\n"
        "print(web, views)\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "[] []"
