"""Where the dataset's files live and which named graph each one fills.

The layout is the contract between the repository and every consumer (the
validator, the service, the build):

- ``ontology/*.ttl``    -> ``graph/ontology``, except the labels of other
  vocabularies' terms, ``ontology/reused-terms.ttl`` -> ``graph/reused-terms``
  (they name those terms for the pages; they are not part of our vocabulary)
- ``data/{slug}.ttl``   -> ``graph/{slug}`` (one per source document, plus
  ``reference``, ``queries`` and ``links``)
- ``seeds/sources.ttl`` -> ``graph/sources``
- ``shapes/*.ttl`` are the SHACL shapes; they are not part of the dataset.

The store's default graph holds the set union of the named graphs
(``fill_default_graph``), written once when the store is built: SPARQL's default
graph is an RDF graph, a set, so a triple stated by three sources is one triple
there and three quads in the named graphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from .namespaces import GRAPH

#: The folders a dataset root holds (``--root``, DATA_ROOT).
ROOT_FOLDERS = ("data", "ontology", "shapes", "seeds")


def _default_root() -> Path:
    """The checkout this package runs from, when it does (its files are the source of
    truth); else the copy of them that the wheel carries (``healthtech_lod/root``)."""
    checkout = Path(__file__).resolve().parents[2]
    if all((checkout / folder).is_dir() for folder in ROOT_FOLDERS):
        return checkout
    return Path(__file__).resolve().parent / "root"


REPO_ROOT = _default_root()

#: Files of ontology/ that fill a graph of their own, named after the file.
OWN_GRAPH = frozenset({"reused-terms"})


class DatasetSyntaxError(Exception):
    """A file of the dataset does not parse; the message names the file and line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class DatasetFile:
    """One Turtle file of the dataset and the IRI of the named graph it fills."""

    path: Path
    graph: str

    @property
    def graph_slug(self) -> str:
        return self.graph.rsplit("/", 1)[-1]


def dataset_files(root: Path = REPO_ROOT) -> list[DatasetFile]:
    """The dataset's files in a stable order: ontology, data, sources."""
    files = [
        DatasetFile(p, str(GRAPH[p.stem if p.stem in OWN_GRAPH else "ontology"]))
        for p in sorted(root.glob("ontology/*.ttl"))
    ]
    files += [DatasetFile(p, str(GRAPH[p.stem])) for p in sorted(root.glob("data/*.ttl"))]
    sources = root / "seeds" / "sources.ttl"
    if sources.exists():
        files.append(DatasetFile(sources, str(GRAPH["sources"])))
    return files


def shape_files(root: Path = REPO_ROOT) -> list[Path]:
    return sorted(root.glob("shapes/*.ttl"))


def check_syntax(path: Path) -> None:
    """Parse ``path`` with Oxigraph's strict Turtle parser; raise DatasetSyntaxError, or
    OSError naming ``path`` if it cannot be read."""
    try:
        for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            pass
    except SyntaxError as err:
        raise DatasetSyntaxError(path, err.lineno, err.msg) from err
    except OSError as err:  # Oxigraph's own (a folder, say) names no file: name it
        raise OSError(err.errno, err.strerror or str(err), str(path)) from err


def load_rdflib(root: Path = REPO_ROOT) -> Dataset:
    """The whole dataset as an rdflib Dataset, one named graph per file group."""
    ds = Dataset()
    for f in dataset_files(root):
        check_syntax(f.path)
        ds.graph(URIRef(f.graph)).parse(f.path, format="turtle")
    return ds


def load_graph(paths: list[Path]) -> Graph:
    """Several Turtle files merged into one rdflib Graph (for SHACL)."""
    g = Graph()
    for p in paths:
        check_syntax(p)
        g.parse(p, format="turtle")
    return g


def load_oxigraph(root: Path = REPO_ROOT, store: ox.Store | None = None) -> ox.Store:
    """Load every file into its named graph of an Oxigraph store (in memory by default).
    The default graph is left as it is: ``fill_default_graph`` once everything is in."""
    store = store if store is not None else ox.Store()
    for f in dataset_files(root):
        check_syntax(f.path)
        store.load(path=str(f.path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f.graph))
    return store


def fill_default_graph(store: ox.Store) -> ox.Store:
    """Write the set union of the store's named graphs into its default graph.

    Queries that name no dataset then read one copy of each triple, and a
    query's own ``FROM``/``FROM NAMED`` keeps its meaning (Oxigraph's
    union-default-graph switch would override it, and counts a triple once per
    graph stating it). Streamed: the store's reads see a snapshot.
    """
    default = ox.DefaultGraph()
    store.bulk_extend(
        ox.Quad(q.subject, q.predicate, q.object, default)
        for q in store.quads_for_pattern(None, None, None)
        if q.graph_name != default
    )
    store.flush()
    return store
