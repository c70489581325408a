"""Run the service: gunicorn in production, Flask's reloader with ``--dev``.

The master builds the repository into the cache (when there is no STORE_PATH)
before the workers start; each worker then builds its app and opens the store
read-only (store handles must not cross a fork), sharing it with the others
through the OS page cache. Queries run in each worker's pool of query
processes, which stop a runaway query at QUERY_TIMEOUT; gunicorn's own worker
timeout is a last resort beyond that.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from flask import Config, Flask
from gunicorn.app.base import BaseApplication

from .app import create_app, settings
from .build import BuildError, cached_build, open_built
from .dataset import dataset_files, shape_files
from .remote import endpoint_of
from .sparql import EXECUTOR


class Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn serving the app built by ``create_app(config)``."""

    def __init__(self, config: dict[str, Any], options: dict[str, Any], preload: bool) -> None:
        self.config = config
        self.options = options
        self.application: Flask | None = create_app(config) if preload else None
        super().__init__()

    def load_config(self) -> None:
        """Apply the options this gunicorn knows (older ones lack some)."""
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Flask:
        """The app of this gunicorn worker, its query workers started and ready."""
        app = self.application or create_app(self.config)
        app.extensions[EXECUTOR].start()
        return app


def run(
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 2,
    base_uri: str | None = None,
    store: Path | None = None,
    dev: bool = False,
    backend: str | None = None,
) -> None:
    """Serve until interrupted. Raises DatasetSyntaxError if a file does not parse."""
    config: dict[str, Any] = {}
    if base_uri:
        config["BASE_URI"] = base_uri
    if store is not None:
        config["STORE_PATH"] = str(store)
    if backend is not None:
        config["BACKEND"] = backend
    if dev:
        _run_dev(config, host, port)
        return
    resolved = settings(config)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads, so that pages are served while a thread waits on a query worker.
        "worker_class": "gthread",
        "threads": resolved["SERVER_THREADS"],
        # A last resort: query workers stop runaway queries at QUERY_TIMEOUT.
        "timeout": resolved["QUERY_TIMEOUT"] + 30,
        # The longest request line gunicorn allows; longer queries must be POSTed.
        "limit_request_line": 8190,
        # The app writes its own structured access log (operations.py).
        "accesslog": None,
        # No runtime control socket in $HOME: several servers may run side by side.
        "control_socket_disable": True,
        # A worker grown past WEB_WORKER_MAX_RSS after a request is replaced.
        "post_request": "healthtech_lod.operations.recycle_large_worker",
    }
    if endpoint_of(resolved["BACKEND"]) is not None:
        pass  # each worker reads the endpoint and the cache built from it
    elif resolved["STORE_PATH"]:
        open_built(Path(resolved["STORE_PATH"]))  # a folder that is not a build stops here
    else:
        prebuild(resolved)
    Gunicorn(config, options, preload=False).run()


def prebuild(resolved: Config) -> None:
    """Build the repository into the cache once, before the workers start, in a
    process of its own: RocksDB's threads must not exist in the master when it
    forks (a forked worker would crash at exit joining threads it never had)."""
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=cached_build,
        args=(
            Path(resolved["DATA_ROOT"]),
            resolved["BASE_URI"],
            tuple(resolved["EXAMPLE_RESOURCES"]),
            resolved["STORE_CACHE_DIR"],
            resolved["DATASET_MODIFIED"],
        ),
        name="healthtech-lod-build",
    )
    process.start()
    process.join()
    if process.exitcode != 0:
        raise BuildError(f"building the repository failed (exit code {process.exitcode})")


def _run_dev(config: dict[str, Any], host: str, port: int) -> None:
    """Flask's development server, restarting when code or data change."""
    app = create_app(config)
    root = Path(app.config["DATA_ROOT"])
    watched = [str(f.path) for f in dataset_files(root)] + [str(p) for p in shape_files(root)]
    app.run(
        host=host, port=port, debug=True, use_reloader=True, use_debugger=False, extra_files=watched
    )
