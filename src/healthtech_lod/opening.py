"""Which dataset the service opens: a folder made by `healthtech-lod build`, the
cached build of the repository (made first if this version of the data has none),
or a SPARQL backend beside a build of its statistics, name index and downloads.

The build side (build.py) writes folders; this opens one for serving, read-only,
as the app's ``DatasetStore`` (store.py).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from flask import Flask, current_app

from .build import cached_build, cached_remote_build, open_built
from .remote import RemoteStore, endpoint_of
from .store import DatasetStore, DatasetVersion, load_shapes, midnight

#: Where the app keeps its dataset (``app.extensions``).
EXTENSION = "healthtech_lod"


def open_dataset(
    root: Path,
    base_uri: str,
    store_path: str | None = None,
    modified: str | None = None,
    cache_dir: str | None = None,
    examples: tuple[str, ...] = (),
    backend: str = "embedded",
) -> DatasetStore:
    """Open the built folder at ``store_path`` read-only, or else the cached build
    of the repository under ``root`` (built first if this version has none); with
    a ``sparql:URL`` backend, that endpoint, beside a build of its statistics,
    name index and downloads.

    Raises BuildError for a folder that is not a build, RemoteError for an
    endpoint that does not answer, DatasetSyntaxError if a file does not parse.
    """
    endpoint = endpoint_of(backend)
    if endpoint is not None:
        remote = RemoteStore.connect(endpoint, base_uri + "graph/")
        built = cached_remote_build(remote, root, base_uri, examples, cache_dir)
        return DatasetStore(remote, root, built.version, load_shapes(root), None, built.folder)
    if store_path:
        built = open_built(Path(store_path))
    else:
        built = cached_build(root, base_uri, examples, cache_dir, modified)
    version = built.version
    if modified:  # DATASET_MODIFIED wins over the build's own date
        version = DatasetVersion(version.digest, midnight(modified))
    store = ox.Store.read_only(str(built.store_path))
    shapes = tuple(
        ox.parse(path=str(built.downloads_path / "shapes.ttl"), format=ox.RdfFormat.TURTLE)
    )
    return DatasetStore(store, root, version, shapes, built.store_path, built.folder)


def init_app(app: Flask) -> None:
    """Open the dataset configured by DATA_ROOT / STORE_PATH into ``app.extensions``."""
    config = app.config
    app.extensions[EXTENSION] = open_dataset(
        Path(config["DATA_ROOT"]),
        config["BASE_URI"],
        config["STORE_PATH"],
        config["DATASET_MODIFIED"],
        config["STORE_CACHE_DIR"],
        tuple(config["EXAMPLE_RESOURCES"]),
        config["BACKEND"],
    )


def get_store() -> DatasetStore:
    """The current app's dataset."""
    store: DatasetStore = current_app.extensions[EXTENSION]
    return store
