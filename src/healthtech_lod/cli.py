"""The `healthtech-lod` command: thin wrappers around the library.

Each command imports what it runs inside its function, not for a cycle (nothing imports
this module) but so that `--help` and a mistyped option answer in 0.17 s instead of the
0.6 s it takes to import Flask, pySHACL and the service."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from .dataset import REPO_ROOT


def _dataset_root(ctx: click.Context, param: click.Parameter, root: Path) -> Path:
    """``root``, if it holds any of the dataset's files."""
    from .dataset import dataset_files

    if not dataset_files(root):
        raise click.BadParameter(
            f"{root} holds none of the dataset's files (ontology/*.ttl, data/*.ttl)"
        )
    return root


root_option = click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=REPO_ROOT,
    show_default=True,
    callback=_dataset_root,
    help="Repository root holding ontology/, data/, seeds/ and shapes/.",
)


def _failure(err: Exception) -> click.ClickException:
    """An error that bad input causes, as click's one line "Error: …" (exit 1): the
    file it names first. Never a traceback."""
    if isinstance(err, OSError) and err.filename:
        return click.ClickException(f"{err.filename}: {err.strerror or err}")
    return click.ClickException(str(err))


@click.group()
@click.version_option(package_name="healthtech-lod")
def main() -> None:
    """Linked open data on Luxembourg's health-technology ecosystem."""


@main.command()
@root_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle"]),
    default="text",
    show_default=True,
    help="text: a readable report; turtle: the SHACL validation report as RDF.",
)
def validate(root: Path, fmt: str) -> None:
    """Parse every file, check the data against the SHACL shapes, print a report.

    Exits 1 on a syntax error (one line on standard error, naming the file and line)
    or any violation.
    """
    from .validation import validate_repository

    try:
        report = validate_repository(root)
    except OSError as err:
        raise _failure(err) from err
    if report.syntax_error:
        raise click.ClickException(report.syntax_error)
    if fmt == "turtle":
        click.echo(report.report_graph.serialize(format="turtle"))
    else:
        click.echo(report.as_text())
    sys.exit(0 if report.conforms else 1)


@main.command()
@root_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="New folder for the built dataset (must not exist, or be empty).",
)
@click.option(
    "--add",
    "extra",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An N-Quads (.nq) or TriG (.trig) file to load too, e.g. from `python -m "
    "benchmarks.generator` (in a checkout); repeatable.",
)
@click.option("--no-validate", is_flag=True, help="Skip the repository's SHACL validation.")
def build(root: Path, out: Path, extra: tuple[Path, ...], no_validate: bool) -> None:
    """Build the dataset once into a folder that `serve --store` opens instantly: the
    store, its statistics, the name index and the downloads."""
    from .app import settings
    from .build import BuildError
    from .build import build as build_folder
    from .config import SettingsError
    from .dataset import DatasetSyntaxError

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise click.BadParameter(f"{out} exists and is not an empty folder", param_hint="--out")
    try:
        config = settings()
    except SettingsError as err:
        raise _failure(err) from err
    total = sum(path.stat().st_size for path in extra)
    with click.progressbar(
        length=max(total, 1), label="Loading extra files", file=sys.stderr, hidden=not extra
    ) as bar:

        def announce(step: str) -> None:
            click.echo(f"{step}…", err=True)

        try:
            built = build_folder(
                root,
                out,
                config["BASE_URI"],
                config["EXAMPLE_RESOURCES"],
                extra=extra,
                modified=config["DATASET_MODIFIED"],
                validate=not no_validate,
                announce=announce,
                advance=bar.update,
            )
        except (BuildError, DatasetSyntaxError, OSError) as err:
            raise _failure(err) from err
    click.echo(
        f"Built {built.triples} triples (version {built.version.digest}) in {out}; "
        f"serve it with: healthtech-lod serve --store {out}"
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--base-uri", default=None, help="Canonical base IRI (default: w3id.org).")
@click.option(
    "--public-url",
    default=None,
    metavar="http(s)://HOST[:PORT]",
    help="Where the service is reached: links are built from it, and requests for other "
    "hosts than it and ALLOWED_HOSTS (default: loopback) get 400.",
)
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    default=None,
    help="A folder made by `healthtech-lod build` (default: the repository, built into a cache).",
)
@click.option(
    "--backend",
    default=None,
    metavar="sparql:URL",
    help="Read the data from this SPARQL 1.1 endpoint instead of the embedded store.",
)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
def serve(
    host: str,
    port: int,
    workers: int,
    base_uri: str | None,
    public_url: str | None,
    store: Path | None,
    backend: str | None,
    dev: bool,
) -> None:
    """Serve the dataset: SPARQL endpoint, entity documents, downloads."""
    from .build import BuildError
    from .config import SettingsError
    from .dataset import DatasetSyntaxError
    from .hosts import public_url as parse_public_url
    from .remote import RemoteError
    from .server import run

    try:
        parse_public_url(public_url)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--public-url") from err

    if backend is not None and not _is_sparql_url(backend):
        raise click.BadParameter(
            f"use sparql:URL, e.g. sparql:http://127.0.0.1:8890/sparql, not {backend}",
            param_hint="--backend",
        )
    if not os.environ.get("WERKZEUG_RUN_MAIN"):  # not --dev's reloaded process: it has the port
        _check_address(host, port)
    try:
        run(
            host=host,
            port=port,
            workers=workers,
            base_uri=base_uri,
            public_url=public_url,
            store=store,
            dev=dev,
            backend=backend,
        )
    except (BuildError, DatasetSyntaxError, RemoteError, SettingsError, OSError) as err:
        raise _failure(err) from err


def _is_sparql_url(backend: str) -> bool:
    """Whether ``backend`` is ``sparql:`` and an http(s) URL."""
    url = urlsplit(backend.removeprefix("sparql:"))
    return backend.startswith("sparql:") and url.scheme in ("http", "https") and bool(url.netloc)


def _check_address(host: str, port: int) -> None:
    """Raise ClickException unless ``host:port`` can be listened on (an unknown host,
    a port in use): gunicorn would retry for seconds and log each attempt."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
            probe.bind(address)
    except OSError as err:
        reason = "in use" if err.errno == errno.EADDRINUSE else err.strerror or str(err)
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from err


@main.command("export-static")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Where the export is served (scheme://host[:port]): every link and redirect names it.",
)
@click.option(
    "--sparql-upstream",
    default=None,
    help="A live `healthtech-lod serve` (http://host:port) that nginx proxies /sparql to; "
    "without it /sparql answers 503.",
)
@click.option(
    "--listen",
    default=None,
    help="nginx's listen address, e.g. 8080 or 127.0.0.1:8080 (default: the base URL's port).",
)
def export_static(
    folder: Path, base_url: str, sparql_upstream: str | None, listen: str | None
) -> None:
    """Write every document (each format), page, vocabulary file and download into FOLDER
    (new or empty), with FOLDER/nginx.conf serving them as the live service does."""
    from .app import settings
    from .build import BuildError
    from .config import SettingsError
    from .dataset import DatasetSyntaxError
    from .export import export_static as write_export
    from .static_site import ExportError

    if folder.exists() and any(folder.iterdir()):
        raise click.BadParameter(f"{folder} is not empty", param_hint="FOLDER")
    try:
        site = write_export(
            folder,
            settings(),
            base_url=base_url,
            sparql_upstream=sparql_upstream,
            listen=listen,
            announce=lambda step: click.echo(f"{step}…", err=True),
        )
    except (BuildError, ExportError, DatasetSyntaxError, SettingsError, OSError) as err:
        raise _failure(err) from err
    click.echo(
        f"Exported {site.files} files for {site.base_url}/ into {folder}; serve them with: "
        f"mkdir -p RUN && nginx -p RUN/ -c {site.folder / 'nginx.conf'}"
    )
