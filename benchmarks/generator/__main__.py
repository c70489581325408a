"""``python -m benchmarks.generator -n N --out FILE``, from the repository root: the
synthetic ecosystem written to FILE, for benchmarks. Bad input fails with one line
"Error: …" (exit 1, or 2 for a bad option), never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import FORMATS, progress_total, write_ecosystem


@click.command()
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
    Load it with the dataset: healthtech-lod build --out DIR --add FILE (.nq or .trig).
    """
    if out.suffix not in FORMATS:
        raise click.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--out")
    with click.progressbar(
        length=progress_total(organisations),
        label=f"Generating {organisations} organisations",
        file=sys.stderr,
        hidden=organisations < 5000,
    ) as bar:
        try:
            count = write_ecosystem(out, organisations, seed=seed, on_progress=bar.update)
        except OSError as err:
            # As healthtech-lod's commands: the file it names first, in one line.
            reason = f"{err.filename}: {err.strerror or err}" if err.filename else str(err)
            raise click.ClickException(reason) from err
    click.echo(f"{count} statements ({count / organisations:.1f} per organisation) in {out}")


if __name__ == "__main__":
    generate(prog_name="python -m benchmarks.generator")
