"""Validate the dataset: syntax, vocabulary, and the SHACL shapes.

``validate_repository(root)`` parses every file (a syntax error names the file
and line), checks that every ``lht:`` term used is defined by the ontology,
runs pySHACL over the union of the named graphs (the ontology included, so
``sh:targetClass`` reaches subclasses) and returns a :class:`Report`.
``validate_graph(data, ontology, shapes)`` does the same checks on graphs
already in memory (tests/shapes/ holds small graphs checked with it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS

from .dataset import (
    REPO_ROOT,
    DatasetFile,
    DatasetSyntaxError,
    check_syntax,
    dataset_files,
    load_graph,
    shape_files,
)
from .namespaces import ID, LHT, PREFIXES


@dataclass(frozen=True)
class Violation:
    """One problem found in the data, in terms a person can act on."""

    focus: str
    label: str | None
    path: str | None
    value: str | None
    message: str
    files: tuple[str, ...]
    severity: str = "Violation"

    def as_text(self) -> str:
        who = f"{self.label} <{self.focus}>" if self.label else f"<{self.focus}>"
        parts = [f"- {who}"]
        if self.path:
            parts.append(f"  property: {self.path}")
        if self.value is not None:
            parts.append(f"  value:    {self.value}")
        parts.append(f"  problem:  {self.message}")
        if self.files:
            parts.append(f"  file:     {', '.join(self.files)}")
        return "\n".join(parts)


@dataclass(frozen=True)
class GraphStats:
    graph: str
    files: tuple[str, ...]
    triples: int
    entities: int


@dataclass
class Report:
    """The outcome of a validation run."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    graphs: list[GraphStats] = field(default_factory=list)
    report_graph: Graph = field(default_factory=Graph)
    syntax_error: str | None = None

    def as_text(self) -> str:
        lines: list[str] = []
        if self.syntax_error:
            lines.append(f"Syntax error: {self.syntax_error}")
        if self.graphs:
            lines.append(f"{'graph':<48} {'triples':>8} {'entities':>9}")
            for g in self.graphs:
                lines.append(f"{g.graph:<48} {g.triples:>8} {g.entities:>9}")
            total_t = sum(g.triples for g in self.graphs)
            total_e = sum(g.entities for g in self.graphs)
            lines.append(f"{'total':<48} {total_t:>8} {total_e:>9}")
        if self.violations:
            lines.append("")
            lines.append(f"{len(self.violations)} violation(s):")
            lines.extend(v.as_text() for v in self.violations)
        lines.append("")
        lines.append("Conforms: yes" if self.conforms else "Conforms: NO")
        return "\n".join(lines)


def _short(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        for prefix, ns in PREFIXES.items():
            if str(node).startswith(ns) and prefix:
                return f"{prefix}:{node[len(ns) :]}"
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    return str(node)


def _label(graph: Graph, node: Node) -> str | None:
    for prop in (RDFS.label, SKOS.prefLabel):
        labels = {
            lit.language: str(lit) for lit in graph.objects(node, prop) if isinstance(lit, Literal)
        }
        if labels:
            return labels.get("en") or labels.get("fr") or next(iter(labels.values()))
    return None


def _graph_stats(
    files: list[DatasetFile], per_file: dict[Path, Graph], root: Path
) -> list[GraphStats]:
    by_graph: dict[str, list[DatasetFile]] = defaultdict(list)
    for f in files:
        by_graph[f.graph].append(f)
    stats = []
    for graph_iri, members in by_graph.items():
        merged = Graph()
        for f in members:
            merged += per_file[f.path]
        entities = {s for s in merged.subjects() if isinstance(s, URIRef) and s.startswith(ID)}
        stats.append(
            GraphStats(
                graph=graph_iri.rsplit("/", 1)[-1],
                files=tuple(str(f.path.relative_to(root)) for f in members),
                triples=len(merged),
                entities=len(entities),
            )
        )
    return stats


def _message(report: Graph, shapes: Graph, result: Node) -> str:
    """The clearest message for a SHACL result.

    pySHACL's defaults are cryptic for two components, so they are reworded:
    a closed-shape violation names the property as not part of the model, and
    a failed ``sh:node`` uses the message of the nested shape.
    """
    component = report.value(result, SH.sourceConstraintComponent)
    if component == SH.ClosedConstraintComponent:
        path = _short(report.value(result, SH.resultPath))
        return f"{path} is not a property this kind of entity may have (misspelt, or not modelled)."
    if component == SH.NodeConstraintComponent:
        source_shape = report.value(result, SH.sourceShape)
        nested = shapes.value(source_shape, SH.node) if source_shape is not None else None
        nested_messages = [m for m in shapes.objects(nested, SH.message)] if nested else []
        english = [m for m in nested_messages if getattr(m, "language", None) in ("en", None)]
        if english:
            return str(english[0])
    message = report.value(result, SH.resultMessage)
    return str(message) if message else "does not conform"


def undefined_terms(data: Graph, ontology: Graph) -> dict[URIRef, set[URIRef]]:
    """Every ``lht:`` term used in ``data`` that ``ontology`` does not define, with its users."""
    defined = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    used: dict[URIRef, set[URIRef]] = defaultdict(set)
    for s, p, o in data:
        for term in (p, o):
            if isinstance(term, URIRef) and term.startswith(LHT) and term not in defined:
                used[term].add(s if isinstance(s, URIRef) else URIRef(str(s)))
    return dict(used)


def shacl_results(
    data: Graph,
    shapes: Graph,
    subject_files: Mapping[Node, set[str]] | None = None,
    focus_nodes: Sequence[URIRef] | None = None,
) -> tuple[bool, Graph, list[Violation]]:
    """Run pySHACL over ``data`` (no inference, advanced features, warnings allowed):
    whether it conforms, the validation report graph and one :class:`Violation` per
    result (of any severity), each naming the files of ``subject_files`` that state
    its focus node. With ``focus_nodes``, only those nodes are checked (against the whole
    of ``data``)."""
    files = subject_files or {}
    conforms, report_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        focus_nodes=list(focus_nodes) if focus_nodes is not None else None,
    )
    violations: list[Violation] = []
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(result, SH.focusNode)
        severity = report_graph.value(result, SH.resultSeverity)
        message = _message(report_graph, shapes, result)
        violations.append(
            Violation(
                focus=str(focus),
                label=_label(data, focus) if focus is not None else None,
                path=_short(report_graph.value(result, SH.resultPath))
                if not isinstance(report_graph.value(result, SH.resultPath), BNode)
                else "(complex path)",
                value=_short(report_graph.value(result, SH.value)),
                message=message,
                files=tuple(sorted(files.get(focus, ()))) if focus is not None else (),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            )
        )
    return bool(conforms), report_graph, violations


def validate_graph(
    data: Graph,
    ontology: Graph,
    shapes: Graph,
    subject_files: Mapping[Node, set[str]] | None = None,
    focus_nodes: Sequence[URIRef] | None = None,
) -> Report:
    """Validate ``data`` with ``ontology`` mixed in (so ``sh:targetClass`` reaches
    subclasses) against ``shapes``, reading no file: every ``lht:`` term used that
    the ontology does not define, then pySHACL (only on ``focus_nodes`` when
    it is given). ``subject_files`` names the files stating each subject, for the
    violations' ``files``."""
    union = Graph()
    union += data
    union += ontology
    files = subject_files or {}
    violations: list[Violation] = []
    for term, users in sorted(undefined_terms(union, ontology).items()):
        for user in sorted(users):
            violations.append(
                Violation(
                    focus=str(user),
                    label=_label(union, user),
                    path=None,
                    value=_short(term),
                    message=f"{_short(term)} is used but not defined in the ontology.",
                    files=tuple(sorted(files.get(user, ()))),
                )
            )

    conforms, report_graph, results = shacl_results(union, shapes, files, focus_nodes)
    violations.extend(results)
    violations.sort(key=lambda v: (v.files, v.focus, v.path or "", v.message))
    return Report(
        conforms=bool(conforms) and not violations,
        violations=violations,
        report_graph=report_graph,
    )


def validate_repository(root: Path = REPO_ROOT) -> Report:
    """Validate the dataset under ``root``; never raises for bad data, reports it."""
    files = dataset_files(root)
    shapes_paths = shape_files(root)
    per_file: dict[Path, Graph] = {}
    try:
        for path in [f.path for f in files] + shapes_paths:
            check_syntax(path)
        for f in files:
            per_file[f.path] = Graph().parse(f.path, format="turtle")
        shapes = load_graph(shapes_paths)
    except DatasetSyntaxError as err:
        return Report(conforms=False, syntax_error=str(err))

    data = Graph()
    ontology = Graph()
    subject_files: dict[Node, set[str]] = defaultdict(set)
    for f in files:
        g = per_file[f.path]
        if f.graph_slug == "ontology":
            ontology += g
        else:
            data += g
        rel = str(f.path.relative_to(root))
        for s in set(g.subjects()):
            subject_files[s].add(rel)

    report = validate_graph(data, ontology, shapes, subject_files)
    report.graphs = _graph_stats(files, per_file, root)
    return report
