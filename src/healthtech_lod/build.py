"""Build once, open instantly: the dataset folder that `healthtech-lod build` writes.

Everything the service would otherwise compute at start is computed here, once
per dataset version, into one folder that every process opens read-only::

    DIR/dataset.json     what was built: version, dates, sizes, the files it came from
    DIR/store/           the Oxigraph store (RocksDB)
    DIR/statistics.json  counts, class and property partitions (VoID), graphs
    DIR/names.sqlite     the search index of folded names
    DIR/downloads/       the dumps, the vocabulary, the shapes and SHA256SUMS
    DIR/pages.txt        the path of every entity page, for the sitemap

Opening a built folder reads two small JSON files and opens the store and the
index: about the same time at 10 M triples as at 3 k. Without ``--store``, the
service builds the repository into a cache folder per version
(``cached_build``) and opens that.

A build is the repository's files (each in its named graph) plus, optionally,
extra N-Quads or TriG files (``--add``, e.g. from the benchmarks' generator,
``python -m benchmarks.generator``), loaded with their own graphs. The
repository's files are validated (syntax, vocabulary, SHACL) unless
``validate=False``; extra files are only parsed (SHACL over millions of triples
is not practical with pySHACL).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox

from . import __version__, disagreements, dumps, name_index, sitemap, statistics
from .dataset import DatasetSyntaxError, fill_default_graph, load_oxigraph
from .dumps import Contents, file_quads
from .rdf import sort_key
from .remote import RemoteStore
from .store import DatasetStore, DatasetVersion, dataset_version, load_shapes

#: Bump when the folder's layout or contents change meaning.
#: 2: the default graph holds the union of the named graphs; 3: names.sqlite holds
#: alternate names too, indexed by entity and by folded name; 4: pages.txt (the entity
#: pages, for the sitemap) written by the build as well.
LAYOUT = 4
MANIFEST = "dataset.json"
EXTRA_FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}

#: Called with the name of each step as it starts.
Announce = Callable[[str], None]
#: Called with each number of bytes of extra files read, as they load.
Advance = Callable[[int], None]


class BuildError(Exception):
    """A folder that is not a usable build, or a build that cannot be made."""


@dataclass(frozen=True)
class Built:
    """A built dataset folder."""

    folder: Path
    version: DatasetVersion
    base_uri: str
    triples: int

    @property
    def store_path(self) -> Path:
        return self.folder / "store"

    @property
    def statistics_path(self) -> Path:
        return self.folder / "statistics.json"

    @property
    def names_path(self) -> Path:
        return self.folder / "names.sqlite"

    @property
    def downloads_path(self) -> Path:
        return self.folder / "downloads"


def build(
    root: Path,
    out: Path,
    base_uri: str,
    examples: Sequence[str],
    *,
    extra: Sequence[Path] = (),
    modified: str | None = None,
    validate: bool = True,
    announce: Announce = lambda step: None,
    advance: Advance = lambda read: None,
) -> Built:
    """Build the repository at ``root`` (plus ``extra`` files) into the new folder
    ``out``; returns it. Raises BuildError (``out`` is not empty or cannot be
    written, an extra file of another format or without statements, a validation
    failure) and DatasetSyntaxError (naming the file and line).

    The build is written into a temporary folder beside ``out`` and renamed to
    ``out`` once complete: a build that fails leaves nothing behind."""
    # Imported here for its cost only (pySHACL and its graphs take a second to load):
    # serving opens builds through this module and never validates.
    from .validation import validate_repository

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BuildError(f"{out} exists and is not an empty folder")
    for path in extra:
        if path.suffix not in EXTRA_FORMATS:
            raise BuildError(f"{path}: extra files are N-Quads (.nq) or TriG (.trig)")
    if validate:
        announce("Validating the repository (syntax, vocabulary, SHACL)")
        report = validate_repository(root)
        if report.syntax_error:
            raise BuildError(report.syntax_error)
        if not report.conforms:
            raise BuildError("the repository does not conform:\n" + report.as_text())
    version = _version(root, base_uri, modified, extra)
    work = make_beside(out, BuildError)
    try:
        built = Built(work / "build", version, base_uri, 0)
        built.folder.mkdir()

        announce("Loading the repository's files")
        store = ox.Store(str(built.store_path))
        load_oxigraph(root, store)
        for path in extra:
            announce(f"Loading {path.name}")
            with path.open("rb") as raw:
                _load_extra(store, path, _Counting(raw, advance))
        announce("Writing the default graph: the union of the named graphs")
        fill_default_graph(store)
        announce("Comparing every figure and single-valued property: graph/disagreements")
        found = disagreements.add(store)
        loaded = DatasetStore(store, root, version, load_shapes(root), built.store_path)
        quads = sorted([*file_quads(root), *found], key=sort_key)
        contents = Contents(quads, loaded.shapes, base_uri, extra)
        triples = _derive(loaded, built, examples, contents, announce)
        store.optimize()
        del store, loaded  # closes the database, so that every process may open it read-only
        _write_manifest(built, triples, root=str(root), extra=[str(p) for p in extra])
        put_in_place(built.folder, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return open_built(out)


def make_beside(out: Path, error: type[Exception]) -> Path:
    """A new temporary folder beside ``out`` (in its parent, made if missing) to write
    ``out`` in before ``put_in_place``. Raises ``error`` if it cannot be made."""
    target = Path(os.path.abspath(out))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as err:
        parent = target.parent
        reason = f"{parent} is a file" if parent.is_file() else err.strerror or str(err)
        raise error(f"cannot write {out}: {reason}") from err


def put_in_place(made: Path, out: Path) -> None:
    """Move the complete folder ``made`` to ``out``: in one rename, or entry by entry
    (the manifest last) into ``out`` if that is an empty folder (the working one, say)."""
    if out.is_dir():
        for entry in sorted(made.iterdir(), key=lambda path: path.name == MANIFEST):
            os.replace(entry, out / entry.name)
    else:
        os.replace(made, out)


def _load_extra(store: ox.Store, path: Path, reader: IO[bytes] | _Counting) -> None:
    """Load the extra file ``path``, read from ``reader``, into ``store``. Raises
    DatasetSyntaxError where it does not parse, BuildError if it states nothing."""
    try:
        quads = ox.parse(cast(IO[bytes], reader), format=EXTRA_FORMATS[path.suffix])
        first = next(quads, None)
        if first is None:
            raise BuildError(f"{path}: holds no statements (an empty file?)")
        store.bulk_extend(itertools.chain([first], quads))
    except SyntaxError as err:
        raise DatasetSyntaxError(path, err.lineno, err.msg) from err


def build_remote(
    remote: RemoteStore, root: Path, out: Path, base_uri: str, examples: Sequence[str]
) -> Built:
    """Build what the service needs beside a SPARQL backend into ``out``: its
    statistics, name index and downloads, read from the endpoint (no store: the
    engine is the store). The shapes come from the repository at ``root``."""
    version = _remote_version(remote, root, base_uri)
    out.mkdir(parents=True, exist_ok=True)
    built = Built(out, version, base_uri, 0)
    loaded = DatasetStore(remote, root, version, load_shapes(root), None, out)
    contents = Contents(sorted(remote, key=sort_key), loaded.shapes, base_uri)
    triples = _derive(loaded, built, examples, contents, lambda step: None)
    _write_manifest(built, triples, backend=remote.endpoint, graphs=list(remote.graphs))
    return open_built(out)


def _derive(
    loaded: DatasetStore,
    built: Built,
    examples: Sequence[str],
    contents: Any,
    announce: Announce,
) -> int:
    """Write the statistics, the name index, the list of pages and the downloads of
    ``loaded`` into ``built`` (the dumps from ``contents``); returns the number of
    triples."""
    announce("Counting: statistics and VoID partitions")
    counted = statistics.compute_statistics(loaded, built.base_uri, list(examples))
    built.statistics_path.write_text(statistics.statistics_json(counted), encoding="utf-8")
    announce("Indexing names for search")
    name_index.write_index(name_index.entries(loaded), built.names_path)
    pages = sitemap.entity_paths(loaded, built.base_uri)
    sitemap.write_pages(pages, built.folder / sitemap.PAGES_FILE)
    announce("Writing the downloads")
    dumps.write_folder(contents, built.downloads_path)
    return counted.triples


def _write_manifest(built: Built, triples: int, **source: object) -> None:
    """``dataset.json``, written last: a folder holding it is a complete build."""
    manifest = {
        "layout": LAYOUT,
        "version": built.version.digest,
        "modified": built.version.modified.isoformat(),
        "base_uri": built.base_uri,
        "triples": triples,
        **source,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "healthtech_lod": __version__,
        "oxigraph": ox.__version__,
    }
    text = json.dumps(manifest, indent=2) + "\n"
    (built.folder / MANIFEST).write_text(text, encoding="utf-8")


def cached_remote_build(
    remote: RemoteStore,
    root: Path,
    base_uri: str,
    examples: Sequence[str],
    cache_dir: str | None = None,
) -> Built:
    """``build_remote`` into the cache, once per version of the endpoint's data."""
    version = _remote_version(remote, root, base_uri)
    return _cached(
        cache_dir,
        f"remote-{version.digest}-{LAYOUT}",
        lambda out: build_remote(remote, root, out, base_uri, examples),
    )


def _cached(cache_dir: str | None, name: str, make: Callable[[Path], Built]) -> Built:
    """The build ``name`` under ``cache_dir`` (default: a folder in the system's
    temporary directory), made by ``make`` if it is not there. Made aside and
    moved into place in one step: of several processes starting at once, the
    first to finish wins and the others use its build."""
    parent = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "healthtech-lod"
    folder = parent / name
    if (folder / MANIFEST).exists():
        return open_built(folder)
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=parent))
    try:
        make(work / "build")
        os.rename(work / "build", folder)
    except OSError:
        if not (folder / MANIFEST).exists():
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return open_built(folder)


def _remote_version(remote: RemoteStore, root: Path, base_uri: str) -> DatasetVersion:
    """The endpoint's dataset identified by its graphs and their sizes, with the
    repository's version (shapes, context, code). Its date is the repository's."""
    local = dataset_version(root, base_uri)
    digest = hashlib.sha256(f"{local.digest} {remote.endpoint}".encode())
    sizes = remote.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    assert isinstance(sizes, ox.QuerySolutions)
    for row in sizes:
        digest.update(f"{row['g'].value} {row['n'].value}\n".encode())
    return DatasetVersion(digest.hexdigest()[:16], local.modified)


def open_built(folder: Path) -> Built:
    """The build in ``folder``. Raises BuildError if it is not a complete build of
    this layout (say, one made by an older version)."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BuildError(f"{folder} is not a built dataset (healthtech-lod build): {err}") from err
    if manifest.get("layout") != LAYOUT:
        raise BuildError(f"{folder} was built with another layout; build it again")
    version = DatasetVersion(manifest["version"], datetime.fromisoformat(manifest["modified"]))
    return Built(folder, version, manifest["base_uri"], int(manifest["triples"]))


def cached_build(
    root: Path,
    base_uri: str,
    examples: Sequence[str],
    cache_dir: str | None = None,
    modified: str | None = None,
) -> Built:
    """The build of the repository's current version in the cache (``_cached``),
    made first if it is not there (without SHACL validation: `make test` does it)."""
    version = dataset_version(root, base_uri, modified)
    return _cached(
        cache_dir,
        f"build-{version.digest}-{LAYOUT}",
        lambda out: build(root, out, base_uri, examples, modified=modified, validate=False),
    )


def _version(
    root: Path, base_uri: str, modified: str | None, extra: Sequence[Path]
) -> DatasetVersion:
    """The repository's version, extended with the bytes of the extra files."""
    version = dataset_version(root, base_uri, modified)
    if not extra:
        return version
    digest = hashlib.sha256(version.digest.encode())
    for path in extra:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as data:
            for chunk in iter(lambda: data.read(1 << 20), b""):
                digest.update(chunk)
    return DatasetVersion(digest.hexdigest()[:16], version.modified)


class _Counting:
    """A binary reader that reports how many bytes were read, for a progress bar."""

    def __init__(self, raw: IO[bytes], advance: Advance) -> None:
        self.raw = raw
        self.advance = advance

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.advance(len(data))
        return data

    def __iter__(self) -> Iterator[bytes]:  # pragma: no cover - parsers call read()
        return iter(self.raw)
