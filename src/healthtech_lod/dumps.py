"""The dumps: the dataset in every download format, written once per dataset version by
the build into its downloads/ folder with their checksums, and the manifest the
service reads back. The repository's statements as their files write them (the store
normalises some literals, 28.0 to 28), sorted, followed by the statements of any
extra files of the build, streamed: a dump of millions of statements never sits in
memory. Flask-free."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from . import jsonld, rdf
from .dataset import dataset_files
from .media_types import BY_KEY
from .namespaces import GRAPH
from .rdf import sort_key, triples, used_prefixes

CHECKSUMS = "SHA256SUMS"


EXTRA_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}


@dataclass(frozen=True)
class Contents:
    """What the files are written from: the statements of the repository's files as
    written and of the graphs the build derives from them (graph/disagreements),
    sorted; extra files of the build, read as they are written out; the shapes; and
    the base IRI (for JSON-LD)."""

    quads: list[ox.Quad]
    shapes: tuple[ox.Triple, ...]
    base: str
    extra: Sequence[Path] = field(default=())

    def all_quads(self) -> Iterator[ox.Quad]:
        """The repository's quads, then the extra files' quads, streamed."""
        streams = [ox.parse(path=str(p), format=EXTRA_FORMATS[p.suffix]) for p in self.extra]
        return chain(self.quads, *streams)


Writer = Callable[[Contents, IO[bytes]], None]


def file_quads(root: Path) -> list[ox.Quad]:
    """Every statement of the dataset's files, in its named graph, sorted."""
    quads = []
    for f in dataset_files(root):
        graph = ox.NamedNode(f.graph)
        for q in ox.parse(path=str(f.path), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(q.subject, q.predicate, q.object, graph))
    return sorted(quads, key=sort_key)


def _union_turtle(contents: Contents, output: IO[bytes]) -> None:
    own = sorted(triples(contents.quads), key=sort_key)
    if not contents.extra:
        output.write(rdf.serialize(own, ox.RdfFormat.TURTLE))
        return
    # With extra files, a triple stated in several graphs may repeat (a set either way).
    streamed = (ox.Triple(q.subject, q.predicate, q.object) for q in contents.all_quads())
    ox.serialize(streamed, output, ox.RdfFormat.TURTLE, prefixes=used_prefixes(own))


def _dataset(rdf_format: ox.RdfFormat) -> Writer:
    def write(contents: Contents, output: IO[bytes]) -> None:
        if not contents.extra:
            output.write(rdf.serialize(contents.quads, rdf_format))
            return
        prefixes = used_prefixes(contents.quads)
        ox.serialize(contents.all_quads(), output, rdf_format, prefixes=prefixes)

    return write


def _jsonld(contents: Contents, output: IO[bytes]) -> None:
    """Compacted with the context when the dataset is the repository's; with extra
    files, Oxigraph's expanded JSON-LD, streamed."""
    if not contents.extra:
        output.write(jsonld.dumps(jsonld.compact(contents.quads, contents.base + "id/")))
        return
    ox.serialize(contents.all_quads(), output, ox.RdfFormat.JSON_LD)


def _ontology(contents: Contents, output: IO[bytes]) -> None:
    ontology = ox.NamedNode(str(GRAPH["ontology"]))
    quads = [q for q in contents.quads if q.graph_name == ontology]
    output.write(rdf.serialize(quads, ox.RdfFormat.TURTLE))


def _shapes(contents: Contents, output: IO[bytes]) -> None:
    output.write(rdf.serialize(contents.shapes, ox.RdfFormat.TURTLE))


@dataclass(frozen=True)
class Spec:
    """One file to prepare: its name, its title and a sentence on what it holds, its
    media type (before any compression), whether it is gzipped and whether it dumps
    the whole dataset."""

    name: str
    title: str
    description: str
    mimetype: str
    write: Writer
    gzip: bool = False
    dump: bool = True


UNION = "Every statement of the dataset once, the named graphs merged"


QUADS = "Every statement of the dataset in the named graph of the source that states it"


SPECS: tuple[Spec, ...] = (
    Spec(
        "healthtech-lod.ttl",
        "Whole dataset, union of all graphs (Turtle)",
        f"{UNION}, as one Turtle file.",
        BY_KEY["turtle"].mimetype,
        _union_turtle,
    ),
    Spec(
        "healthtech-lod.ttl.gz",
        "Whole dataset, union of all graphs (Turtle, gzipped)",
        f"{UNION}, as one Turtle file compressed with gzip.",
        BY_KEY["turtle"].mimetype,
        _union_turtle,
        gzip=True,
    ),
    Spec(
        "healthtech-lod.trig.gz",
        "Whole dataset with its named graphs (TriG, gzipped)",
        f"{QUADS}, as TriG compressed with gzip.",
        BY_KEY["trig"].mimetype,
        _dataset(ox.RdfFormat.TRIG),
        gzip=True,
    ),
    Spec(
        "healthtech-lod.nq.gz",
        "Whole dataset with its named graphs (N-Quads, gzipped)",
        f"{QUADS}, as N-Quads (one statement a line) compressed with gzip.",
        BY_KEY["nquads"].mimetype,
        _dataset(ox.RdfFormat.N_QUADS),
        gzip=True,
    ),
    Spec(
        "healthtech-lod.jsonld",
        "Whole dataset with its named graphs (JSON-LD)",
        f"{QUADS}, as one JSON-LD document with its context inline.",
        BY_KEY["jsonld"].mimetype,
        _jsonld,
    ),
    Spec(
        "ontology.ttl",
        "The vocabulary (Turtle)",
        "The lht: vocabulary (OWL) that the data uses, as served at /def.",
        BY_KEY["turtle"].mimetype,
        _ontology,
        dump=False,
    ),
    Spec(
        "shapes.ttl",
        "The SHACL shapes (Turtle)",
        "The SHACL shapes that the data conforms to, as served at /shapes.",
        BY_KEY["turtle"].mimetype,
        _shapes,
        dump=False,
    ),
)


@dataclass(frozen=True)
class Download:
    """One prepared file."""

    name: str
    title: str
    description: str
    mimetype: str
    gzip: bool
    dump: bool
    size: int
    sha256: str

    @property
    def content_type(self) -> str:
        return "application/gzip" if self.gzip else self.mimetype


@dataclass(frozen=True)
class Manifest:
    """The prepared files of one dataset version and the folder holding them."""

    folder: Path
    files: tuple[Download, ...]

    def find(self, name: str) -> Download | None:
        return next((f for f in self.files if f.name == name), None)


def write_folder(contents: Contents, folder: Path) -> Manifest:
    """Write every file into a fresh folder, then move it into place in one step;
    returns its manifest."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    sums = []
    try:
        for spec in SPECS:
            target = work / spec.name
            with target.open("wb") as raw:
                if spec.gzip:
                    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
                        spec.write(contents, cast(IO[bytes], packed))
                else:
                    spec.write(contents, raw)
            sums.append(f"{_sha256(target)}  {spec.name}\n")
        (work / CHECKSUMS).write_text("".join(sums), encoding="utf-8")
        os.rename(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return read_manifest(folder)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for chunk in iter(lambda: data.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(folder: Path) -> Manifest:
    sums = {}
    for line in (folder / CHECKSUMS).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    files = [
        Download(
            s.name,
            s.title,
            s.description,
            s.mimetype,
            s.gzip,
            s.dump,
            _size(folder, s.name),
            sums[s.name],
        )
        for s in SPECS
    ]
    checksums = (folder / CHECKSUMS).read_bytes()
    files.append(
        Download(
            CHECKSUMS,
            "SHA-256 checksums of the files above (sha256sum format)",
            "The SHA-256 digest of every other file, for sha256sum -c.",
            BY_KEY["text"].mimetype,
            gzip=False,
            dump=False,
            size=len(checksums),
            sha256=hashlib.sha256(checksums).hexdigest(),
        )
    )
    return Manifest(folder, tuple(files))


def _size(folder: Path, name: str) -> int:
    return (folder / name).stat().st_size
