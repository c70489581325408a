"""The validator catches real mistakes and names the entity and the problem.

The shapes are checked against small graphs kept as data in tests/shapes/ (its
README says how a case is written): every graph of valid/ conforms, and every
case of invalid/ departs from one of them in one way and raises exactly the
results it states. They are validated with the ontology, the shapes read once.
The repository's own data is validated once per test run (``repository_report``,
tests/conftest.py); the command line is checked end to end on a small repository.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from conftest import validated_once
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from healthtech_lod.cli import main
from healthtech_lod.dataset import REPO_ROOT, dataset_files, load_graph, shape_files
from healthtech_lod.validation import (
    Report,
    Violation,
    _short,
    validate_graph,
    validate_repository,
)

CASES = Path(__file__).resolve().parent / "shapes"
VALID = sorted((CASES / "valid").glob("*.ttl"))
INVALID = sorted((CASES / "invalid").glob("*.ttl"))
#: The vocabulary of tests/shapes/README.md, in which a case states what it is.
TEST = Namespace("urn:healthtech-lod:test:")
VOCABULARY = {
    TEST[name]
    for name in "departsFrom without subject predicate object raises focus path value message "
    "component".split()
}

Validate = Callable[[Graph], Report]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The files of graph/ontology, as validate_repository reads them."""
    return load_graph([f.path for f in dataset_files(REPO_ROOT) if f.graph_slug == "ontology"])


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_graph(shape_files(REPO_ROOT))


@pytest.fixture(scope="module")
def validate(ontology: Graph, shapes: Graph) -> Validate:
    return lambda data: validate_graph(data, ontology, shapes)


@pytest.fixture(scope="module")
def baselines(validate: Validate) -> dict[Path, Report]:
    """Each graph of valid/ validated once for the module."""
    return {path: validate(Graph().parse(path, format="turtle")) for path in VALID}


# --- the cases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A result a case states it raises."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str
    component: Node | None

    def matches(self, violation: Violation) -> bool:
        return (
            violation.focus == str(self.focus)
            and violation.path == _short(self.path)
            and (self.value is None or violation.value == _short(self.value))
            and self.message in violation.message
        )

    def in_report(self, report: Graph) -> bool:
        """The SHACL report holds a result of the stated component for the focus node
        (on the stated path)."""
        return any(
            report.value(result, SH.sourceConstraintComponent) == self.component
            and (self.path is None or report.value(result, SH.resultPath) == self.path)
            for result in report.subjects(SH.focusNode, self.focus)
        )

    def __str__(self) -> str:
        stated = [f"<{self.focus}>", str(_short(self.path)), repr(self.message)]
        if self.value is not None:
            stated.append(f"value {_short(self.value)}")
        if self.component is not None:
            stated.append(str(_short(self.component)))
        return " ".join(stated)


@dataclass(frozen=True)
class Case:
    """An invalid case: its baseline (a graph of valid/) with some of the baseline's
    statements left out and the file's own statements added."""

    baseline: Path
    graph: Graph
    expected: tuple[Expected, ...]


def read_case(path: Path) -> Case:
    stated = Graph().parse(path, format="turtle")
    unknown = {t for t in stated.all_nodes() | set(stated.predicates()) if t in TEST} - VOCABULARY
    assert not unknown, f"{path.name}: not terms of tests/shapes/README.md: {unknown}"
    cases = set(stated.subjects(TEST.departsFrom, None))
    assert len(cases) == 1, f"{path.name}: one <> test:departsFrom <../valid/….ttl>"
    case = cases.pop()
    baseline = Path(unquote(urlsplit(str(stated.value(case, TEST.departsFrom))).path))
    assert baseline in VALID, f"{path.name}: departs from {baseline}, not a graph of valid/"

    # What the file says about the case (<> and the blank nodes it points to) is not data.
    about = Graph()
    about += stated.triples((case, None, None))
    for node in stated.objects(case, None):
        about += stated.triples((node, None, None))
    added = stated - about
    graph = Graph().parse(baseline, format="turtle")
    for pattern in stated.objects(case, TEST.without):
        triple = (
            stated.value(pattern, TEST.subject),
            stated.value(pattern, TEST.predicate),
            stated.value(pattern, TEST.object),
        )
        found = list(graph.triples(triple))
        assert found, f"{path.name}: the baseline has no {triple}"
        for statement in found:
            leave_out(graph, statement)
    for triple in added:
        assert not any(t in TEST for t in triple), f"{path.name}: {triple} is about the case"
        assert triple not in graph, f"{path.name}: the baseline already states {triple}"
        graph.add(triple)

    expected = []
    for result in stated.objects(case, TEST.raises):
        focus, message = stated.value(result, TEST.focus), stated.value(result, TEST.message)
        assert focus is not None and message is not None, f"{path.name}: focus and message"
        expected.append(
            Expected(
                focus=focus,
                path=stated.value(result, TEST.path),
                value=stated.value(result, TEST.value),
                message=str(message),
                component=stated.value(result, TEST.component),
            )
        )
    assert expected, f"{path.name}: a case states the results it raises (test:raises)"
    return Case(baseline, graph, tuple(expected))


def leave_out(graph: Graph, triple: tuple[Node, Node, Node]) -> None:
    """Remove ``triple``, and what it says through a blank node no other statement uses."""
    graph.remove(triple)
    node = triple[2]
    if isinstance(node, BNode) and (None, None, node) not in graph:
        for inner in list(graph.triples((node, None, None))):
            leave_out(graph, inner)


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_graph_conforms(path: Path, baselines: dict[Path, Report]) -> None:
    report = baselines[path]
    assert report.conforms and not report.violations, report.as_text()


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_case_raises_what_it_states_and_nothing_else(
    path: Path, validate: Validate, baselines: dict[Path, Report]
) -> None:
    case = read_case(path)
    assert baselines[case.baseline].conforms, f"{case.baseline.name} does not conform"
    report = validate(case.graph)
    assert not report.conforms
    unstated = [v for v in report.violations if not any(e.matches(v) for e in case.expected)]
    missing = [e for e in case.expected if not any(e.matches(v) for v in report.violations)]
    assert not unstated and not missing, (
        "not stated:\n"
        + "\n".join(v.as_text() for v in unstated)
        + "\nnot raised:\n"
        + "\n".join(str(e) for e in missing)
    )
    for e in case.expected:
        assert e.component is None or e.in_report(report.report_graph), f"no {e.component}: {e}"


#: Parameters of the shapes that are not constraints of their own.
NOT_CONSTRAINTS = {
    SH[name]
    for name in (
        "path message property target targetClass targetNode targetSubjectsOf targetObjectsOf "
        "select prefixes declare prefix namespace ignoredProperties qualifiedValueShape "
        "severity name description order group deactivated"
    ).split()
}
#: Constraint parameters whose component is not named after them.
COMPONENTS = {
    SH.sparql: SH.SPARQLConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
}


def test_every_kind_of_constraint_has_a_case(shapes: Graph) -> None:
    """Every constraint component the shapes use is raised by a case of invalid/."""
    names = {
        p.removeprefix(str(SH))
        for p in set(shapes.predicates())
        if p.startswith(str(SH)) and p not in NOT_CONSTRAINTS
    }
    used = {COMPONENTS.get(SH[n]) or SH[f"{n[0].upper()}{n[1:]}ConstraintComponent"] for n in names}
    stated = {e.component for path in INVALID for e in read_case(path).expected}
    assert sorted(used - stated) == []


# --- the repository's own data, once per run -------------------------------------------


def test_repository_data_conforms(repository_report: Report) -> None:
    assert repository_report.conforms, repository_report.as_text()


def test_report_counts_triples_and_entities_per_graph(repository_report: Report) -> None:
    graphs = {g.graph: g for g in repository_report.graphs}
    assert {"ontology", "reference", "sources"} <= set(graphs)
    assert graphs["reference"].triples > 0
    assert graphs["reference"].entities > 0
    text = repository_report.as_text()
    assert "reference" in text and "total" in text


# --- the command line, end to end ------------------------------------------------------


def small_repository(root: Path, data: str) -> Path:
    """A repository of the ontology, the shapes and ``data`` as data/reference.ttl."""
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    (root / "data").mkdir()
    (root / "data" / "reference.ttl").write_text(data, encoding="utf-8")
    return root


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = (CASES / "valid" / "baseline.ttl").read_text(encoding="utf-8").splitlines()
    text.insert(20, ':broken a "unterminated .')
    report = validate_repository(small_repository(tmp_path, "\n".join(text)))
    assert not report.conforms
    assert report.syntax_error is not None
    assert "reference.ttl:2" in report.syntax_error  # line 21 or later, named


def test_cli_exit_codes_and_turtle_report(tmp_path: Path, repository_report: Report) -> None:
    runner = CliRunner()
    with validated_once(repository_report):
        ok = runner.invoke(main, ["validate"])
    assert ok.exit_code == 0, ok.output
    assert "Conforms: yes" in ok.output

    case = read_case(CASES / "invalid" / "missing-english-label.ttl")
    root = small_repository(tmp_path, case.graph.serialize(format="turtle"))
    broken = runner.invoke(main, ["validate", "--root", str(root)])
    assert broken.exit_code == 1
    assert "Belval" in broken.output and "rdfs:label" in broken.output
    assert "a label in English" in broken.output and "data/reference.ttl" in broken.output
    assert "Conforms: NO" in broken.output

    as_rdf = runner.invoke(main, ["validate", "--root", str(root), "--format", "turtle"])
    assert as_rdf.exit_code == 1
    report = Graph().parse(data=as_rdf.output, format="turtle")
    assert (None, SH.focusNode, URIRef("https://w3id.org/lu-healthtech/id/belval")) in report
