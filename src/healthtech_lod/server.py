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
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from flask import Config, Flask
from gunicorn.app.base import BaseApplication

from .app import create_app, settings
from .build import BuildError, cached_build, open_built
from .dataset import DatasetSyntaxError, dataset_files, shape_files
from .queries import QueryTimeout
from .remote import RemoteError, RemoteStore, endpoint_of
from .sparql import EXECUTOR


class Gunicorn(BaseApplication):
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
    public_url: str | None = None,
) -> None:
    """Serve until interrupted. Raises DatasetSyntaxError if a file does not parse,
    BuildError for a build that cannot be made or opened, RemoteError for a backend
    that does not answer."""
    config: dict[str, Any] = {}
    if base_uri:
        config["BASE_URI"] = base_uri
    if public_url:
        config["PUBLIC_URL"] = public_url
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
        # gthread's threads, so that pages are served while a thread waits on a query
        # worker; requests gathered whole by its event loop, so that no slow client
        # holds a thread (front.py).
        "worker_class": "healthtech_lod.front.BufferingWorker",
        "threads": resolved["SERVER_THREADS"],
        "worker_connections": resolved["WORKER_CONNECTIONS"],
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
    endpoint = endpoint_of(resolved["BACKEND"])
    if endpoint is not None:  # each worker reads the endpoint and the cache built from it
        check_backend(endpoint, resolved["BASE_URI"])  # one that does not answer stops here
    elif resolved["STORE_PATH"]:
        open_built(Path(resolved["STORE_PATH"]))  # a folder that is not a build stops here
    else:
        prebuild(resolved)
    Gunicorn(config, options, preload=False).run()


def check_backend(endpoint: str, base_uri: str) -> None:
    """Raise RemoteError, in one line, unless ``endpoint`` answers SPARQL and holds the
    dataset's graphs."""
    try:
        RemoteStore.connect(endpoint, base_uri + "graph/")
    except RemoteError as err:  # its detail may be an HTML page
        raise RemoteError(" ".join(str(err).split())[:300]) from err
    except QueryTimeout as err:
        raise RemoteError(f"{endpoint} did not answer within {err.limit:g} s") from err
    except (SyntaxError, ValueError) as err:  # not a URL, or no SPARQL results
        raise RemoteError(f"{endpoint} is not a SPARQL endpoint: {err}") from err


def prebuild(resolved: Config) -> None:
    """Build the repository into the cache once, before the workers start, in a
    process of its own: RocksDB's threads must not exist in the master when it
    forks (a forked worker would crash at exit joining threads it never had).
    Raises BuildError with the build's own message (a file that does not parse
    names its line) rather than letting the process print a traceback."""
    context = multiprocessing.get_context("spawn")
    failure, report = context.Pipe(duplex=False)
    process = context.Process(
        target=_build_reporting,
        args=(
            report,
            Path(resolved["DATA_ROOT"]),
            resolved["BASE_URI"],
            tuple(resolved["EXAMPLE_RESOURCES"]),
            resolved["STORE_CACHE_DIR"],
            resolved["DATASET_MODIFIED"],
        ),
        name="healthtech-lod-build",
    )
    process.start()
    report.close()
    process.join()
    try:
        message = failure.recv() if failure.poll() else None
    except EOFError:  # it ended without a word: it built
        message = None
    if message is not None:
        raise BuildError(message)
    if process.exitcode != 0:
        raise BuildError(f"building the repository failed (exit code {process.exitcode})")


def _build_reporting(report: Connection, *args: Any) -> None:
    """``cached_build(*args)``; what bad data raises is sent through ``report`` (and the
    process exits 1) instead of printed as a traceback."""
    try:
        cached_build(*args)
    except (BuildError, DatasetSyntaxError) as err:
        report.send(str(err))
        sys.exit(1)
    except OSError as err:
        report.send(f"{err.filename}: {err.strerror or err}" if err.filename else str(err))
        sys.exit(1)


def _run_dev(config: dict[str, Any], host: str, port: int) -> None:
    """Flask's development server, restarting when code or data change."""
    app = create_app(config)
    root = Path(app.config["DATA_ROOT"])
    watched = [str(f.path) for f in dataset_files(root)] + [str(p) for p in shape_files(root)]
    app.run(
        host=host, port=port, debug=True, use_reloader=True, use_debugger=False, extra_files=watched
    )
