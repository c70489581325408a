"""The synthetic ecosystem of the benchmarks (benchmarks/generator): valid with the real
data, deterministic, linear, a graph per source; its command says why in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import fails_in_one_line
from rdflib import Graph, URIRef

from benchmarks.generator import (
    KINDS,
    SOURCES,
    load_reference,
    statements,
    write_ecosystem,
)
from benchmarks.generator.__main__ import generate
from healthtech_lod.cli import main
from healthtech_lod.dataset import REPO_ROOT, dataset_files, load_oxigraph, shape_files
from healthtech_lod.namespaces import DCTERMS, ID, LHT, RDF, RDFS
from healthtech_lod.validation import load_graph, validate_graph

TYPE = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode(str(RDFS.label))
SOURCE_OF = ox.NamedNode(str(DCTERMS.source))
SOURCE_DOCUMENT = ox.NamedNode(f"{LHT}SourceDocument")
SOURCE_GRAPHS = {source.graph: source.iri for source in SOURCES}


def load(path: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))
    return store


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """A small ecosystem (20 organisations) as TriG, loaded in a store."""
    path = tmp_path_factory.mktemp("generated") / "small.trig"
    write_ecosystem(path, 20, seed=1)
    return load(path)


def test_conforms_to_the_shapes_with_the_real_data(tmp_path: Path) -> None:
    """A synthetic ecosystem beside the real data: every synthetic entity meets the
    shapes, its links to real organisations, places and concepts included. Only the
    synthetic entities are checked (the real data is checked once per test run, by
    ``repository_report``)."""
    path = tmp_path / "synthetic.ttl"
    write_ecosystem(path, 20, seed=5)
    synthetic = Graph().parse(path, format="turtle")
    files = dataset_files(REPO_ROOT)
    ontology = load_graph([f.path for f in files if f.graph_slug == "ontology"])
    data = load_graph([f.path for f in files if f.graph_slug != "ontology"])
    real = set(data.subjects())
    data += synthetic
    focus = sorted(s for s in set(synthetic.subjects()) - real if isinstance(s, URIRef))
    assert len(focus) > 100
    report = validate_graph(data, ontology, load_graph(shape_files(REPO_ROOT)), focus_nodes=focus)
    assert report.conforms, report.as_text()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        write_ecosystem(tmp_path / f"{name}.nq", 30, seed=seed)
    first = (tmp_path / "a.nq").read_bytes()
    assert first == (tmp_path / "b.nq").read_bytes()
    assert first != (tmp_path / "c.nq").read_bytes()


def test_size_grows_linearly_with_the_organisations() -> None:
    reference = load_reference()
    counts = {n: sum(1 for _ in statements(n, seed=2, reference=reference)) for n in (400, 800)}
    for n, count in counts.items():
        assert 55 <= count / n <= 80, f"{count / n:.1f} statements per organisation for {n}"
    assert 1.8 <= counts[800] / counts[400] <= 2.2, counts


def test_one_named_graph_per_source_document(small: ox.Store) -> None:
    assert set(small.named_graphs()) == set(SOURCE_GRAPHS)
    assert not list(small.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    for graph, source in SOURCE_GRAPHS.items():
        assert source.value.startswith("https://w3id.org/lu-healthtech/id/source/synthetic-")
        assert graph.value.startswith("https://w3id.org/lu-healthtech/graph/synthetic-")
        assert list(small.quads_for_pattern(source, TYPE, SOURCE_DOCUMENT, graph)), graph
        sources = {q.object for q in small.quads_for_pattern(None, SOURCE_OF, None, graph)}
        assert sources == {source}, f"{graph} names other sources: {sources - {source}}"
        subjects = {
            q.subject
            for q in small.quads_for_pattern(None, None, None, graph)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(str(ID))
        }
        unsourced = {
            s for s in subjects - {source} if ox.Quad(s, SOURCE_OF, source, graph) not in small
        }
        assert not unsourced, f"in {graph}, entities without dcterms:source: {unsourced}"


def test_every_organisation_class_with_labels_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "orgs.nq"
    write_ecosystem(path, 200, seed=8)
    store = load(path)
    members = {kind.cls: set() for kind in KINDS}
    for cls, found in members.items():
        found.update(q.subject for q in store.quads_for_pattern(None, TYPE, cls))
    assert all(members.values()), "an organisation class has no member"
    assert len(members[KINDS[0].cls]) > sum(len(m) for m in members.values()) / 2
    for org in set().union(*members.values()):
        labels = {q.object for q in store.quads_for_pattern(org, LABEL, None)}
        assert sorted(label.language for label in labels) == ["en", "fr"], (org, labels)


def test_slugs_are_prefixed_and_never_collide_with_real_ones(small: ox.Store) -> None:
    described = ox.NamedNode("https://schema.org/description")
    home = {q.subject for q in small.quads_for_pattern(None, described, None)}
    slugs = {s.value.removeprefix(str(ID)) for s in home}
    assert all(slug.startswith("syn-") or slug.startswith("source/synthetic-") for slug in slugs)
    real = load_oxigraph(REPO_ROOT)
    assert not {q.subject for q in real.quads_for_pattern(None, TYPE, None)} & home


def test_formats_by_extension_hold_the_same_statements(tmp_path: Path) -> None:
    counts = {ext: write_ecosystem(tmp_path / f"x{ext}", 15, seed=9) for ext in (".nq", ".trig")}
    counts[".ttl"] = write_ecosystem(tmp_path / "x.ttl", 15, seed=9)
    assert len(set(counts.values())) == 1, counts
    lines = (tmp_path / "x.nq").read_text(encoding="utf-8").splitlines()
    assert len(lines) == counts[".nq"]
    assert len(load(tmp_path / "x.trig")) == counts[".trig"]
    union = load(tmp_path / "x.ttl")
    assert not list(union.named_graphs())
    assert 0 < len(union) <= counts[".ttl"]
    with pytest.raises(ValueError, match="unknown extension"):
        write_ecosystem(tmp_path / "x.json", 15)


def test_the_command(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "eco.trig"
    result = runner.invoke(generate, ["--organisations", "12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "statements" in result.stdout and out.stat().st_size > 0
    again = runner.invoke(generate, ["-n", "12", "--out", str(tmp_path / "again.trig")])
    assert again.exit_code == 0 and (tmp_path / "again.trig").read_bytes() == out.read_bytes()
    bad = runner.invoke(generate, ["-n", "12", "--out", str(tmp_path / "eco.json")])
    assert bad.exit_code == 2 and "--out" in bad.output
    too_few = runner.invoke(generate, ["-n", "3", "--out", str(out)])
    assert too_few.exit_code == 2


def test_the_service_has_no_generate_command() -> None:
    """The generator is a benchmark tool: neither the command nor the wheel carries it."""
    assert "generate" not in main.commands


GENERATE_FAILURES = {
    "missing-folder": (("--out", "{missing}/x.nq"), ("missing/x.nq", "No such file")),
    "under-a-file": (("--out", "{plain}/x.nq"), ("plain/x.nq", "Not a directory")),
    "directory-as-file": (("--out", "{folder_nq}"), ("folder.nq", "is a directory")),
    "unknown-extension": (("--out", "{out}/x.txt"), ("use one of",)),
    "too-few": (("--out", "{out}/x.nq", "-n", "5"), ("5 is not in the range",)),
    "not-a-number": (("--out", "{out}/x.nq", "-n", "many"), ("'many' is not a valid integer",)),
}


@pytest.mark.parametrize(
    ("args", "expected"), list(GENERATE_FAILURES.values()), ids=list(GENERATE_FAILURES)
)
def test_the_command_says_why_in_one_line(
    args: tuple[str, ...], expected: tuple[str, ...], tmp_path: Path
) -> None:
    """``python -m benchmarks.generator`` from the repository root, as the benchmarks run it."""
    inputs, out = tmp_path / "inputs", tmp_path / "out"
    (inputs / "folder.nq").mkdir(parents=True)
    (inputs / "plain").write_text("a file, not a folder\n", encoding="utf-8")
    out.mkdir()
    paths = {"missing": inputs / "missing", "plain": inputs / "plain", "out": out}
    filled = [arg.format(folder_nq=inputs / "folder.nq", **paths) for arg in args]
    if "-n" not in filled:
        filled += ["-n", "10"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.generator", *filled],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    fails_in_one_line(result, *expected)
    assert list(out.iterdir()) == []
