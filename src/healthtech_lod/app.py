"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config, Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    browse,
    cache,
    compression,
    crawlers,
    description,
    downloads,
    errors,
    hosts,
    i18n,
    limits,
    negotiation,
    opening,
    operations,
    pages,
    quality,
    reconcile,
    replay,
    resources,
    search,
    security,
    sparql,
    vocabulary,
)
from .config import check, defaults

CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_EXPOSED = (
    "Content-Location, ETag, Last-Modified, Link, Location, Retry-After, "
    "SPARQL-Results-Truncated, Vary"
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the service: defaults, then ``HEALTHTECH_LOD_*`` environment variables,
    then ``config``. Loads the dataset, computes its statistics and prepares the
    downloads before returning. Raises DatasetSyntaxError if a file does not parse.
    """
    app = Flask(__name__, static_url_path="/static")
    app.config.update(settings(config))
    cache.init_app(app)
    hosts.init_app(app)  # inside ProxyFix: it checks the forwarded host
    # Inside ProxyFix too: replays are keyed by the forwarded host and scheme.
    app.wsgi_app = replay.Replay(  # type: ignore[method-assign]
        app.wsgi_app, cache.get_documents(app), bool(app.config["ACCESS_LOG"])
    )
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )

    opening.init_app(app)
    loaded = app.extensions[opening.EXTENSION]
    description.init_app(app, loaded)
    downloads.init_app(app, loaded)
    crawlers.init_app(app, loaded)
    search.init_app(app, loaded)
    reconcile.init_app(app, loaded)
    sparql.init_app(app, loaded)
    limits.init_app(app)
    negotiation.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    operations.init_app(app)
    compression.init_app(app)

    app.url_map.converters["slug"] = resources.SlugConverter
    blueprints = (
        description.bp,
        resources.bp,
        search.bp,
        reconcile.bp,
        browse.bp,
        sparql.bp,
        downloads.bp,
        vocabulary.bp,
        quality.bp,
        operations.bp,
        crawlers.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.context_processor(pages.page_context)
    app.after_request(cors)
    return app


def settings(config: Mapping[str, Any] | None = None) -> Config:
    """The settings in force: defaults, then the environment, then ``config``.
    Raises SettingsError for a numeric setting out of its range (config.check)."""
    resolved = Config(Path(__file__).parent)
    resolved.from_mapping(defaults())
    resolved.from_prefixed_env("HEALTHTECH_LOD")
    if config:
        resolved.from_mapping(config)
    if not resolved["BASE_URI"].endswith("/"):
        resolved["BASE_URI"] += "/"
    check(resolved)
    return resolved


def cors(response: Response) -> Response:
    """Let any origin read any response; answer the preflight of OPTIONS."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        asked = request.headers.get("Access-Control-Request-Headers")
        response.headers["Access-Control-Allow-Headers"] = asked or "Accept, Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
