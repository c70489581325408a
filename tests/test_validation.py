"""The validator catches real mistakes and names the entity and the problem.

Each test copies the repository's dataset into a temporary folder, breaks one
thing, and checks what ``validate`` says about it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from healthtech_lod.cli import main
from healthtech_lod.dataset import REPO_ROOT
from healthtech_lod.namespaces import ID, LHT, SCHEMA
from healthtech_lod.validation import Report, validate_repository

REFERENCE = Path("data/reference.ttl")


def copy_dataset(dest: Path) -> Path:
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO_ROOT / folder, dest / folder)
    (dest / "seeds").mkdir()
    shutil.copy(REPO_ROOT / "seeds" / "sources.ttl", dest / "seeds" / "sources.ttl")
    return dest


def break_file(root: Path, rel: Path, change: Callable[[Graph], None]) -> None:
    path = root / rel
    g = Graph().parse(path, format="turtle")
    change(g)
    g.serialize(path, format="turtle")


@pytest.fixture(scope="module")
def repository_report() -> Report:
    return validate_repository(REPO_ROOT)


def test_repository_data_conforms(repository_report: Report) -> None:
    assert repository_report.conforms, repository_report.as_text()


def test_report_counts_triples_and_entities_per_graph(repository_report: Report) -> None:
    graphs = {g.graph: g for g in repository_report.graphs}
    assert {"ontology", "reference", "sources"} <= set(graphs)
    assert graphs["reference"].triples > 0
    assert graphs["reference"].entities > 0
    text = repository_report.as_text()
    assert "reference" in text and "total" in text


def problems_for(report: Report, focus: URIRef) -> list[str]:
    return [v.as_text() for v in report.violations if v.focus == str(focus)]


def test_missing_label_is_named(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path)
    belval = ID["belval"]
    break_file(
        root, REFERENCE, lambda g: g.remove((belval, RDFS.label, Literal("Belval", lang="en")))
    )
    report = validate_repository(root)
    assert not report.conforms
    problems = problems_for(report, belval)
    # With German labels, the English one is what is missing, and the message says so.
    assert any("rdfs:label" in p and "a label in English" in p for p in problems), problems
    assert any("data/reference.ttl" in p for p in problems)


def test_year_out_of_range_is_named(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path)
    belval = ID["belval"]
    break_file(
        root,
        REFERENCE,
        lambda g: g.add((belval, SCHEMA.foundingDate, Literal("20200", datatype=XSD.gYear))),
    )
    report = validate_repository(root)
    assert not report.conforms
    problems = problems_for(report, belval)
    assert any("schema:foundingDate" in p and "20200" in p for p in problems), problems


def test_misspelt_property_is_named(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path)
    belval = ID["belval"]
    misspelt = SCHEMA["containedInPlac"]
    break_file(root, REFERENCE, lambda g: g.add((belval, misspelt, ID["esch-sur-alzette"])))
    report = validate_repository(root)
    assert not report.conforms
    problems = problems_for(report, belval)
    assert any("containedInPlac" in p for p in problems), problems


def test_undefined_vocabulary_term_is_named(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path)
    belval = ID["belval"]
    break_file(root, REFERENCE, lambda g: g.add((belval, LHT["technolgy"], ID["blockchain"])))
    report = validate_repository(root)
    assert not report.conforms
    problems = problems_for(report, belval)
    assert any("lht:technolgy is used but not defined" in p for p in problems), problems


def test_dangling_link_is_named(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path)
    nowhere = ID["nowhere-land"]
    break_file(root, REFERENCE, lambda g: g.add((ID["belval"], SCHEMA.containedInPlace, nowhere)))
    report = validate_repository(root)
    assert not report.conforms
    problems = problems_for(report, nowhere)
    assert any("never described" in p for p in problems), problems


def test_bad_slug_is_named(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path)
    bad = ID["Belval_Campus"]

    def add_entity(g: Graph) -> None:
        for p, o in list(g.predicate_objects(ID["belval"])):
            g.add((bad, p, o))

    break_file(root, REFERENCE, add_entity)
    report = validate_repository(root)
    problems = problems_for(report, bad)
    assert any("does not match pattern" in p for p in problems), problems


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    root = copy_dataset(tmp_path)
    path = root / REFERENCE
    text = path.read_text(encoding="utf-8").splitlines()
    text.insert(20, ':broken a "unterminated .')
    path.write_text("\n".join(text), encoding="utf-8")
    report = validate_repository(root)
    assert not report.conforms
    assert report.syntax_error is not None
    assert "reference.ttl:2" in report.syntax_error  # line 21 or later, named


def test_cli_exit_codes_and_turtle_report(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["validate"])
    assert ok.exit_code == 0, ok.output
    assert "Conforms: yes" in ok.output

    root = copy_dataset(tmp_path)
    break_file(
        root,
        REFERENCE,
        lambda g: g.remove((ID["belval"], RDFS.label, Literal("Belval", lang="fr"))),
    )
    broken = runner.invoke(main, ["validate", "--root", str(root)])
    assert broken.exit_code == 1
    assert "Belval" in broken.output and "rdfs:label" in broken.output

    as_rdf = runner.invoke(main, ["validate", "--root", str(root), "--format", "turtle"])
    assert as_rdf.exit_code == 1
    report = Graph().parse(data=as_rdf.output, format="turtle")
    assert len(report) > 0
