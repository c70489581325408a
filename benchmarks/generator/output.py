"""Writing: every source graph after the other, streamed to a file in the format of its
extension, with progress reported on the way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from healthtech_lod.namespaces import PREFIXES

from .catalogue import catalogue
from .ecosystem import Ecosystem, sector_count
from .news import research_news
from .programmes import programme_report
from .reference_data import Reference, load_reference
from .register import register
from .sectors import statistics
from .sources import SOURCES, SourceDoc, SourceGraph, mentions, source_document
from .terms import Progress, Statement

FORMATS: dict[str, ox.RdfFormat] = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
}
PROGRESS_STEP = 500


Section = Callable[[Ecosystem, SourceGraph, Progress], Iterator[Statement]]
SECTIONS: tuple[tuple[SourceDoc, Section], ...] = tuple(
    zip(
        SOURCES,
        (register, catalogue, programme_report, research_news, statistics),
        strict=True,
    )
)


def progress_total(organisations: int) -> int:
    """How many steps ``on_progress`` reports in all: 4 per organisation, 1 per sector."""
    return 4 * organisations + sector_count(organisations)


def statements(
    organisations: int, seed: int = 0, reference: Reference | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[ox.NamedNode, Statement]]:  # fmt: skip
    """Every (graph, statement) of the ecosystem, one source graph after the other."""
    eco = Ecosystem(organisations, seed, reference or load_reference())
    done = 0

    def progress() -> None:
        nonlocal done
        done += 1
        if on_progress is not None and done % PROGRESS_STEP == 0:
            on_progress(PROGRESS_STEP)

    for source, section in SECTIONS:
        g = SourceGraph(source)
        for part in (source_document(g), section(eco, g, progress), mentions(eco, g)):
            for statement in part:
                yield source.graph, statement
    if on_progress is not None and done % PROGRESS_STEP:
        on_progress(done % PROGRESS_STEP)


def write_ecosystem(
    path: Path, organisations: int, seed: int = 0,
    on_progress: Callable[[int], None] | None = None, reference: Reference | None = None,
) -> int:  # fmt: skip
    """Stream the ecosystem to ``path`` in the format of its extension; return the count."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise ValueError(f"unknown extension {path.suffix!r}: use one of {', '.join(FORMATS)}")
    quads = fmt != ox.RdfFormat.TURTLE
    count = 0

    def terms() -> Iterator[ox.Quad]:
        # A triple where the format has no graphs; Oxigraph's stubs want one kind.
        nonlocal count
        for graph, (s, p, o) in statements(organisations, seed, reference, on_progress):
            count += 1
            yield ox.Quad(s, p, o, graph) if quads else ox.Triple(s, p, o)  # type: ignore[misc]

    prefixes = None if fmt == ox.RdfFormat.N_QUADS else _prefixes()
    with path.open("wb") as out:
        ox.serialize(terms(), out, fmt, prefixes=prefixes)
    return count


def _prefixes() -> dict[str, str]:
    return {p: PREFIXES[p] for p in ("", "lht", "schema", "dcterms", "rdfs", "xsd", "src")}
