"""Bulk downloads: written once per dataset version into a folder, then served as files.

``prepare`` serialises the dumps into ``DOWNLOAD_DIR/{version}/`` (a folder under
the system's temporary directory by default) unless that folder is already
complete, so a restart or a second worker reuses it. Requests never serialise:
they get the file through ``send_file(..., conditional=True)``, which answers
ETag, Last-Modified, HEAD, 304 and Range requests.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, abort, current_app, render_template, send_file

from . import jsonld, rdf
from .dataset import dataset_files
from .namespaces import GRAPH
from .rdf import sort_key, triples
from .responses import Link
from .store import DatasetStore

EXTENSION = "healthtech_lod.downloads"
CHECKSUMS = "SHA256SUMS"
# Part of the folder's name: bump it when the code changes what the files hold.
LAYOUT = 1

bp = Blueprint("downloads", __name__)


@dataclass(frozen=True)
class Contents:
    """What the files are written from: the statements of the dataset's files as
    written (the store normalises some literals, ``28.0`` to ``28``), the shapes,
    and the base IRI (for JSON-LD)."""

    quads: list[ox.Quad]
    shapes: tuple[ox.Triple, ...]
    base: str


Writer = Callable[[Contents], bytes]


def file_quads(root: Path) -> list[ox.Quad]:
    """Every statement of the dataset's files, in its named graph, sorted."""
    quads = []
    for f in dataset_files(root):
        graph = ox.NamedNode(f.graph)
        for q in ox.parse(path=str(f.path), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(q.subject, q.predicate, q.object, graph))
    return sorted(quads, key=sort_key)


def _union_turtle(contents: Contents) -> bytes:
    return rdf.serialize(sorted(triples(contents.quads), key=sort_key), ox.RdfFormat.TURTLE)


def _dataset(rdf_format: ox.RdfFormat) -> Writer:
    def write(contents: Contents) -> bytes:
        return rdf.serialize(contents.quads, rdf_format)

    return write


def _jsonld(contents: Contents) -> bytes:
    return jsonld.dumps(jsonld.compact(contents.quads, contents.base + "id/"))


def _ontology(contents: Contents) -> bytes:
    ontology = ox.NamedNode(str(GRAPH["ontology"]))
    quads = [q for q in contents.quads if q.graph_name == ontology]
    return rdf.serialize(quads, ox.RdfFormat.TURTLE)


def _shapes(contents: Contents) -> bytes:
    return rdf.serialize(contents.shapes, ox.RdfFormat.TURTLE)


@dataclass(frozen=True)
class Spec:
    """One file to prepare: its name, what it holds, its media type (before any
    compression), whether it is gzipped and whether it dumps the whole dataset."""

    name: str
    title: str
    mimetype: str
    write: Writer
    gzip: bool = False
    dump: bool = True


SPECS: tuple[Spec, ...] = (
    Spec(
        "healthtech-lod.ttl",
        "Whole dataset, union of all graphs (Turtle)",
        "text/turtle",
        _union_turtle,
    ),
    Spec(
        "healthtech-lod.ttl.gz",
        "Whole dataset, union of all graphs (Turtle, gzipped)",
        "text/turtle",
        _union_turtle,
        gzip=True,
    ),
    Spec(
        "healthtech-lod.trig.gz",
        "Whole dataset with its named graphs (TriG, gzipped)",
        "application/trig",
        _dataset(ox.RdfFormat.TRIG),
        gzip=True,
    ),
    Spec(
        "healthtech-lod.nq.gz",
        "Whole dataset with its named graphs (N-Quads, gzipped)",
        "application/n-quads",
        _dataset(ox.RdfFormat.N_QUADS),
        gzip=True,
    ),
    Spec(
        "healthtech-lod.jsonld",
        "Whole dataset with its named graphs (JSON-LD)",
        "application/ld+json",
        _jsonld,
    ),
    Spec("ontology.ttl", "The vocabulary (Turtle)", "text/turtle", _ontology, dump=False),
    Spec("shapes.ttl", "The SHACL shapes (Turtle)", "text/turtle", _shapes, dump=False),
)


@dataclass(frozen=True)
class Download:
    """One prepared file."""

    name: str
    title: str
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


def prepare(store: DatasetStore, base: str, download_dir: str | None = None) -> Manifest:
    """Write the downloads of ``store``'s version unless already there; return them."""
    root = Path(download_dir) if download_dir else Path(tempfile.gettempdir()) / "healthtech-lod"
    folder = root / f"{store.version.digest}-{LAYOUT}"
    if not (folder / CHECKSUMS).exists():
        _write_folder(store, base, folder)
    return _read_manifest(folder)


def _write_folder(store: DatasetStore, base: str, folder: Path) -> None:
    """Write every file into a fresh folder, then move it into place in one step
    (another process may have done the same meanwhile: the first one wins)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    contents = Contents(file_quads(store.root), store.shapes, base)
    sums = []
    for spec in SPECS:
        data = spec.write(contents)
        if spec.gzip:
            data = gzip.compress(data, mtime=0)
        (work / spec.name).write_bytes(data)
        sums.append(f"{hashlib.sha256(data).hexdigest()}  {spec.name}\n")
    (work / CHECKSUMS).write_text("".join(sums), encoding="utf-8")
    try:
        os.rename(work, folder)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)


def _read_manifest(folder: Path) -> Manifest:
    sums = {}
    for line in (folder / CHECKSUMS).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    files = [
        Download(s.name, s.title, s.mimetype, s.gzip, s.dump, _size(folder, s.name), sums[s.name])
        for s in SPECS
    ]
    checksums = (folder / CHECKSUMS).read_bytes()
    files.append(
        Download(
            CHECKSUMS,
            "SHA-256 checksums of the files above (sha256sum format)",
            "text/plain",
            gzip=False,
            dump=False,
            size=len(checksums),
            sha256=hashlib.sha256(checksums).hexdigest(),
        )
    )
    return Manifest(folder, tuple(files))


def _size(folder: Path, name: str) -> int:
    return (folder / name).stat().st_size


def init_app(app: Flask, store: DatasetStore) -> None:
    """Prepare the downloads of ``store`` and keep their manifest in ``app.extensions``."""
    app.extensions[EXTENSION] = prepare(store, app.config["BASE_URI"], app.config["DOWNLOAD_DIR"])


def get_manifest() -> Manifest:
    """The current app's prepared downloads."""
    manifest: Manifest = current_app.extensions[EXTENSION]
    return manifest


@bp.get("/download/")
def index() -> str:
    """The list of downloads for people, with sizes and checksums."""
    return render_template("downloads.html", files=get_manifest().files)


@bp.get("/download/<name>")
def file(name: str) -> Response:
    """One prepared file. Aborts 404 for a name that is not in the manifest."""
    manifest = get_manifest()
    download = manifest.find(name)
    if download is None:
        abort(404, f"No download named {name}; the list is at /download/.")
    response = send_file(
        manifest.folder / download.name,
        mimetype=download.content_type,
        conditional=True,
        max_age=current_app.config["CACHE_MAX_AGE"],
    )
    response.headers["Link"] = str(Link(current_app.config["LICENSE"], "license"))
    return response
