"""Small helpers over RDF statements shared by the store, the responses and the downloads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .namespaces import PREFIXES

Statement = ox.Triple | ox.Quad
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def triples(statements: Iterable[Statement]) -> list[ox.Triple]:
    """The distinct triples of some statements, in the order first seen."""
    return list(dict.fromkeys(ox.Triple(s.subject, s.predicate, s.object) for s in statements))


def sort_key(statement: Statement) -> tuple[str, ...]:
    """Order statements by graph, then subject, predicate and object."""
    graph = str(statement.graph_name) if isinstance(statement, ox.Quad) else ""
    return (graph, str(statement.subject), str(statement.predicate), str(statement.object))


def used_prefixes(statements: Iterable[Statement]) -> dict[str, str]:
    """The project's prefixes whose namespace starts some IRI of the statements."""
    iris = set()
    for s in statements:
        for term in (s.subject, s.predicate, s.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}


def serialize(statements: Sequence[Statement], rdf_format: ox.RdfFormat) -> bytes:
    """Write statements with the project's prefixes; a triple format gets the union
    of the statements, a dataset format groups them by graph. JSON-LD here is
    Oxigraph's expanded form (jsonld.py compacts)."""
    ordered: list[Statement]
    if rdf_format.supports_datasets:
        ordered = sorted(statements, key=_graph_name)  # stable: keeps the order in a graph
    else:
        ordered = list(triples(statements))
    # Oxigraph takes triples and quads mixed (a triple is in the default graph); its
    # type stubs say one kind or the other.
    mixed = cast("list[ox.Quad]", ordered)
    body = ox.serialize(mixed, format=rdf_format, prefixes=used_prefixes(ordered))
    assert body is not None  # no output file given: the bytes are returned
    return body


def _graph_name(statement: Statement) -> str:
    return str(statement.graph_name) if isinstance(statement, ox.Quad) else ""


def from_rdflib(graph: Graph) -> list[ox.Triple]:
    """An rdflib graph's triples as Oxigraph triples."""
    return [ox.Triple(_term(s), _term(p), _term(o)) for s, p, o in graph]  # type: ignore[arg-type]


def _term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def to_rdflib(statements: Iterable[Statement]) -> Graph:
    """Oxigraph statements as one rdflib graph of their triples."""
    graph = Graph()
    for s in statements:
        graph.add(
            (to_rdflib_term(s.subject), to_rdflib_term(s.predicate), to_rdflib_term(s.object))
        )
    return graph


def to_rdflib_term(term: object) -> Node:
    """An Oxigraph term as an rdflib one (xsd:string literals without a datatype)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term in a statement: {term!r}")
