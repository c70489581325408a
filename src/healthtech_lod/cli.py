"""The `healthtech-lod` command: thin wrappers around the library."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .dataset import REPO_ROOT

root_option = click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=REPO_ROOT,
    show_default=True,
    help="Repository root holding ontology/, data/, seeds/ and shapes/.",
)


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

    Exits 1 on a syntax error or any violation.
    """
    from .validation import validate_repository

    report = validate_repository(root)
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
    help="New folder for the on-disk Oxigraph store (must not exist, or be empty).",
)
def build(root: Path, out: Path) -> None:
    """Load the dataset into an on-disk Oxigraph store, for `serve --store`."""
    from .executor import build_store

    try:
        build_store(root, out)
    except FileExistsError as err:
        raise click.BadParameter(str(err), param_hint="--out") from err
    click.echo(f"Built {out}; serve it with: healthtech-lod serve --store {out}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--base-uri", default=None, help="Canonical base IRI (default: w3id.org).")
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    default=None,
    help="On-disk store made by `healthtech-lod build` (default: the files, in memory).",
)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
def serve(
    host: str, port: int, workers: int, base_uri: str | None, store: Path | None, dev: bool
) -> None:
    """Serve the dataset: SPARQL endpoint, entity documents, downloads."""
    from .server import run

    run(host=host, port=port, workers=workers, base_uri=base_uri, store=store, dev=dev)


@main.command()
@click.option(
    "--organisations",
    "-n",
    type=click.IntRange(min=10),
    required=True,
    help="How many organisations (about 67 statements each, everything included).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="Output file: .nq (N-Quads) or .trig (TriG), one graph per source; .ttl, one graph.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
def generate(organisations: int, out: Path, seed: int) -> None:
    """Write a synthetic ecosystem, for benchmarks (same vocabulary and shapes as the data).

    1 500 organisations give about 100 k statements, 15 000 about 1 M, 150 000 about 10 M.
    """
    from .generate import FORMATS, progress_total, write_ecosystem

    if out.suffix not in FORMATS:
        raise click.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--out")
    with click.progressbar(
        length=progress_total(organisations),
        label=f"Generating {organisations} organisations",
        file=sys.stderr,
        hidden=organisations < 5000,
    ) as bar:
        count = write_ecosystem(out, organisations, seed=seed, on_progress=bar.update)
    click.echo(f"{count} statements ({count / organisations:.1f} per organisation) in {out}")
