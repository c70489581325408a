"""Run the service: gunicorn in production, Flask's reloader with ``--dev``.

The app is built once in gunicorn's master before the workers fork, so they
share the in-memory store (copy-on-write) and the downloads are prepared once.
An on-disk store is opened by each worker instead (its handles must not cross a
fork). A worker busy with one request for longer than QUERY_TIMEOUT seconds is
killed and replaced: the only way to stop a runaway query.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from .app import create_app, settings
from .dataset import dataset_files, shape_files


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
        return self.application or create_app(self.config)


def run(
    host: str = "127.0.0.1",
    port: int = 8080,
    workers: int = 2,
    base_uri: str | None = None,
    store: Path | None = None,
    dev: bool = False,
) -> None:
    """Serve until interrupted. Raises DatasetSyntaxError if a file does not parse."""
    config: dict[str, Any] = {}
    if base_uri:
        config["BASE_URI"] = base_uri
    if store is not None:
        config["STORE_PATH"] = str(store)
    if dev:
        _run_dev(config, host, port)
        return
    resolved = settings(config)
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "timeout": resolved["QUERY_TIMEOUT"],
        "accesslog": "-",
        # No runtime control socket in $HOME: several servers may run side by side.
        "control_socket_disable": True,
    }
    Gunicorn(config, options, preload=not resolved["STORE_PATH"]).run()


def _run_dev(config: dict[str, Any], host: str, port: int) -> None:
    """Flask's development server, restarting when code or data change."""
    app = create_app(config)
    root = Path(app.config["DATA_ROOT"])
    watched = [str(f.path) for f in dataset_files(root)] + [str(p) for p in shape_files(root)]
    app.run(
        host=host, port=port, debug=True, use_reloader=True, use_debugger=False, extra_files=watched
    )
