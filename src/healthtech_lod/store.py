"""The dataset as the service holds it: an Oxigraph store, its version and its shapes.

The service always opens a built dataset folder (``build.py``): the one named
by STORE_PATH (``healthtech-lod build``), or else the repository built once per
dataset version into STORE_CACHE_DIR. Its store is opened read-only, so no
request can change it, and every process (gunicorn workers, query workers)
shares it through the OS page cache instead of holding a copy. ``opening.py``
opens it once and keeps it in ``app.extensions``; views read it through
``opening.get_store()``. Each file fills its own named graph; the default graph holds
their union, as a set (``dataset.fill_default_graph``), so queries without
``GRAPH`` see every triple once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol, TypeGuard, cast

import pyoxigraph as ox

from . import __version__
from .dataset import check_syntax, dataset_files, shape_files
from .jsonld import CONTEXT_PATH
from .namespaces import RDF, RDFS, SKOS
from .rdf import sort_key, triples

# The document of one entity: its own statements, the statements that point at
# it, and the statements about its sources, each in its named graph.
DOCUMENT_QUERY = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?this ?s ?p ?o ?g WHERE {
  { GRAPH ?g { ?this ?p ?o } BIND (?this AS ?s) }
  UNION
  { GRAPH ?g { ?s ?p ?this } BIND (?this AS ?o) }
  UNION
  { GRAPH ?h { ?this dcterms:source ?s } GRAPH ?g { ?s ?p ?o } }
}
"""

SCHEMA_TYPES_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?this ?type WHERE {
  ?this a ?class . ?class rdfs:subClassOf* ?type .
  FILTER (STRSTARTS(STR(?type), "https://schema.org/"))
}
"""

DEFAULT_GRAPH = ox.DefaultGraph()

#: What a document says about each resource it links to.
LINK_PREDICATES = tuple(ox.NamedNode(str(p)) for p in (RDF.type, RDFS.label, SKOS.prefLabel))


@dataclass(frozen=True)
class DatasetVersion:
    """Identifies the dataset's content: a digest of its files' bytes (and of what
    shapes their serialisations), and the date it was last modified."""

    digest: str
    modified: datetime


class QuadSource(Protocol):
    """What the service reads a dataset through: Oxigraph's store (``ox.Store``) or a
    SPARQL backend (``remote.RemoteStore``); mypy checks that both fit. Read-only."""

    def query(
        self,
        query: str,
        /,
        *,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None = None,
        named_graphs: list[ox.NamedNode | ox.BlankNode] | None = None,
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
        | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]: ...

    def quads_for_pattern(
        self,
        subject: ox.NamedNode | ox.BlankNode | None,
        predicate: ox.NamedNode | None,
        obj: ox.NamedNode | ox.BlankNode | ox.Literal | None,
        graph_name: ox.NamedNode | None = None,
        /,
    ) -> Iterator[ox.Quad]: ...

    def contains_named_graph(self, name: ox.NamedNode, /) -> bool: ...

    def __iter__(self) -> Iterator[ox.Quad]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class DatasetStore:
    """The loaded dataset. Read-only: nothing here changes the store."""

    store: QuadSource
    root: Path
    version: DatasetVersion
    shapes: tuple[ox.Triple, ...]
    #: The on-disk store's folder, which query workers open too; None for a store
    #: made in memory (unit tests of this module).
    path: Path | None = None
    #: The built dataset folder holding the store, its statistics, name index and
    #: downloads (``build.py``); None for a store made in memory.
    folder: Path | None = None

    def query(
        self,
        text: str,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
        """Evaluate a SPARQL query over the query's own dataset (``FROM``, ``FROM
        NAMED``), which the protocol's dataset parameters replace; with neither, the
        default graph is the set union of the named graphs. Raises SyntaxError if it
        does not parse."""
        # Lists of named nodes are what the stubs' wider (invariant) list types hold.
        default = cast("list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] | None", default_graphs)
        named = cast("list[ox.NamedNode | ox.BlankNode] | None", named_graphs)
        return self.store.query(text, default_graph=default, named_graphs=named)

    def select(self, text: str, **bindings: ox.NamedNode | ox.Literal) -> list[ox.QuerySolution]:
        """Run one of this package's SELECT queries (its default graph: the union of
        the named graphs), with variables bound to terms (never pasted into the text)."""
        substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
        substitutions = {ox.Variable(name): term for name, term in bindings.items()}
        results = self.store.query(text, substitutions=substitutions)
        assert isinstance(results, ox.QuerySolutions)
        return list(results)

    def schema_types(self, iri: ox.NamedNode) -> list[str]:
        """The schema.org classes that the classes of ``iri`` are, or refine."""
        rows = self.select(SCHEMA_TYPES_QUERY, this=iri)
        return sorted({row["type"].value for row in rows})

    def has_subject(self, iri: ox.NamedNode) -> bool:
        return next(self.store.quads_for_pattern(iri, None, None), None) is not None

    def has_graph(self, name: ox.NamedNode) -> bool:
        return self.store.contains_named_graph(name)

    def graph_quads(self, name: ox.NamedNode) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, name))

    def statements(
        self,
        subject: ox.NamedNode | ox.BlankNode | None = None,
        predicate: ox.NamedNode | None = None,
        obj: ox.NamedNode | ox.BlankNode | ox.Literal | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching the pattern in the named graphs: each statement with the
        graph of the source stating it (the default graph's copies left out)."""
        for quad in self.store.quads_for_pattern(subject, predicate, obj):
            if quad.graph_name != DEFAULT_GRAPH:
                yield quad

    def union(self) -> list[ox.Triple]:
        """Every distinct triple of every graph, sorted by subject."""
        return sorted(triples(self.store), key=sort_key)

    def describe(self, iri: ox.NamedNode) -> list[ox.Quad]:
        """The document of ``iri``, as quads in their named graphs.

        Its own statements with blank-node values followed to the end, the
        statements pointing at it (a blank node pointing at it is described,
        with what points at that blank node), its sources, and the type and
        labels of every resource the document links to.
        """
        core = [
            ox.Quad(row["s"], row["p"], row["o"], row["g"])
            for row in self.select(DOCUMENT_QUERY, this=iri)
        ]
        quads = set(core)
        values = [q.object for q in core if q.subject == iri and _blank(q.object)]
        pointing = [q.subject for q in core if q.object == iri and _blank(q.subject)]
        quads.update(self._blank_closure([*values, *pointing]))
        for node in pointing:
            quads.update(self.statements(None, None, node))
        quads.update(self._link_labels(quads, iri))
        return sorted(quads, key=_quad_order(iri))

    def _blank_closure(self, start: list[ox.BlankNode]) -> set[ox.Quad]:
        seen: set[ox.BlankNode] = set()
        found: set[ox.Quad] = set()
        pending = list(start)
        while pending:
            node = pending.pop()
            if node in seen:
                continue
            seen.add(node)
            for quad in self.statements(node):
                found.add(quad)
                if _blank(quad.object):
                    pending.append(quad.object)
        return found

    def _link_labels(self, quads: set[ox.Quad], iri: ox.NamedNode) -> set[ox.Quad]:
        linked = {
            term
            for q in quads
            for term in (q.subject, q.object)
            if isinstance(term, ox.NamedNode) and term != iri
        }
        return {
            quad
            for term in linked
            for predicate in LINK_PREDICATES
            for quad in self.statements(term, predicate)
        }


def load_shapes(root: Path) -> tuple[ox.Triple, ...]:
    """The SHACL shapes of ``shapes/*.ttl`` merged (blank nodes kept apart per file)."""
    shapes: list[ox.Triple] = []
    for path in shape_files(root):
        check_syntax(path)
        shapes.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return tuple(shapes)


def dataset_version(root: Path, base_uri: str, modified: str | None = None) -> DatasetVersion:
    """Digest the dataset's and shapes' bytes with what else shapes the served
    representations (the JSON-LD context, the base IRI, the versions of this package
    and of Oxigraph). The date is ``modified`` (ISO) or the newest file's mtime."""
    files = [f.path for f in dataset_files(root)] + shape_files(root) + [CONTEXT_PATH]
    digest = hashlib.sha256(f"{__version__} {ox.__version__} {base_uri}".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if modified:
        when = midnight(modified)
    else:
        when = datetime.fromtimestamp(max(p.stat().st_mtime for p in files), UTC)
    return DatasetVersion(digest.hexdigest()[:16], when.replace(microsecond=0))


def midnight(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)


def _blank(term: object) -> TypeGuard[ox.BlankNode]:
    return isinstance(term, ox.BlankNode)


def _quad_order(iri: ox.NamedNode) -> Callable[[ox.Quad], tuple[bool, str, str, str, str]]:
    """Sort key: the entity's own statements first, then by subject and graph."""

    def key(q: ox.Quad) -> tuple[bool, str, str, str, str]:
        return (
            q.subject != iri,
            str(q.subject),
            str(q.predicate),
            str(q.object),
            str(q.graph_name),
        )

    return key
