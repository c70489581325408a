"""The example queries of data/queries.ttl on a built dataset: in process and through the
service, against issue 15's target of 100 ms each.

    .venv/bin/python benchmarks/example_queries.py /work/scale/10m-built
    .venv/bin/python benchmarks/example_queries.py BUILT --queries old.ttl --only events,…

For each example query (``sh:select``, in position order), from a queries file (default:
this checkout's data/queries.ttl, so that a rewrite can be timed against the texts the
dataset was built with):

- in process: the built store opened with ``pyoxigraph.Store.read_only`` in a child
  process, queried over its default graph (the union of the named graphs, as the service
  queries it), the answer written as SPARQL JSON;
- through the service: ``healthtech-lod serve --store BUILT`` on a free loopback port
  (RATE_LIMIT and MAX_QUERIES_PER_CLIENT off, QUERY_TIMEOUT = --cap), POSTed as a form to
  /sparql over one kept-alive connection, the client's time to the last byte;
- with ``--virtuoso``, in Virtuoso (`virtuoso.py`, the engine the issue reports the heavy
  generic queries against) loaded from the build's N-Quads dump, asked the same way.

Each is run once to warm up, then --repeats times; the median is reported. Every text is
made unique by a trailing comment, so that no answer cache serves it. A query past --cap
seconds is reported as a timeout and not run again on that side. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import virtuoso  # noqa: E402
from deref import ServiceServer  # noqa: E402
from engines import Engine, HttpEngine, OxigraphEngine, unique  # noqa: E402
from mix import QUERIES_FILE, Query, examples  # noqa: E402

TARGET_MS = 100.0


def timed(engine: Engine, query: Query, repeats: int) -> tuple[str, int | None]:
    """The median in ms (or what went wrong) of ``repeats`` runs after one warm-up,
    and the number of rows."""
    warm = engine.run(unique(query.text, "warm-up"), count=True)
    if warm.timeout:
        return "timeout", None
    if warm.error is not None:
        return f"error: {warm.error[:80]}", None
    times = []
    for n in range(repeats):
        run = engine.run(unique(query.text, f"run {n}"))
        if run.ms is None:
            return ("timeout" if run.timeout else f"error: {run.error}"), warm.rows
        times.append(run.ms)
    return f"{statistics.median(times):.1f}", warm.rows


def verdict(*cells: str) -> str:
    try:
        return "met" if all(float(cell) < TARGET_MS for cell in cells) else "not met"
    except ValueError:
        return "not met"


def measure(
    built: Path,
    queries: list[Query],
    repeats: int = 5,
    cap: float = 60.0,
    with_virtuoso: bool = False,
) -> dict[str, dict[str, tuple[str, int | None]]]:
    """For each query, its median in ms (or what went wrong) and its rows, in process
    (``local``), through the service (``service``) and, ``with_virtuoso``, in Virtuoso
    (``virtuoso``)."""
    results: dict[str, dict[str, tuple[str, int | None]]] = {q.name: {} for q in queries}
    local = OxigraphEngine(built / "store", cap, union=False)
    local.start()
    try:
        time_each(local, "local", queries, repeats, results)
    finally:
        local.close()

    with tempfile.TemporaryDirectory(prefix="example-queries-") as folder:
        settings = {
            "RATE_LIMIT": "0",
            "MAX_QUERIES_PER_CLIENT": "0",
            "QUERY_TIMEOUT": f"{cap:g}",
            "STORE_CACHE_DIR": os.path.join(folder, "stores"),
        }
        server = ServiceServer(Path(folder), 2, settings, store=built)
        server.start(timeout=300)
        try:
            remote = HttpEngine("service", server.port, "/sparql", cap)
            time_each(remote, "service", queries, repeats, results)
            remote.close()
        finally:
            server.stop()
        if with_virtuoso:
            in_virtuoso(built, queries, repeats, cap, Path(folder) / "virtuoso", results)
    return results


def time_each(
    engine: Engine,
    side: str,
    queries: list[Query],
    repeats: int,
    results: dict[str, dict[str, tuple[str, int | None]]],
) -> None:
    """Time every query on ``engine`` into ``results[query][side]``, saying each one."""
    for query in queries:
        results[query.name][side] = timed(engine, query, repeats)
        print(f"{side} {query.name}: {results[query.name][side]}", file=sys.stderr)


def in_virtuoso(
    built: Path,
    queries: list[Query],
    repeats: int,
    cap: float,
    work: Path,
    results: dict[str, dict[str, tuple[str, int | None]]],
) -> None:
    """Time ``queries`` in Virtuoso loaded from the build's N-Quads dump (its default
    graph the union of the named graphs, as run.py sets it up)."""
    server = virtuoso.Virtuoso(work, max_seconds=int(cap))
    try:
        print("loading Virtuoso", file=sys.stderr)
        server.load(built / "downloads" / "healthtech-lod.nq.gz")
        server.restart()
        engine = HttpEngine("virtuoso", server.http_port, "/sparql", cap)
        time_each(engine, "virtuoso", queries, repeats, results)
        engine.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("built", type=Path, help="a folder made by `healthtech-lod build`")
    parser.add_argument("--queries", type=Path, default=QUERIES_FILE)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cap", type=float, default=60.0, help="seconds per query")
    parser.add_argument("--only", default="", help="comma-separated query names (default: all)")
    parser.add_argument("--virtuoso", action="store_true", help="time them in Virtuoso too")
    args = parser.parse_args()
    queries = examples(args.queries)
    if args.only:
        queries = [q for q in queries if q.name in args.only.split(",")]
    results = measure(args.built, queries, args.repeats, args.cap, args.virtuoso)
    print(f"Medians of {args.repeats} runs after one warm-up, {args.built}, {args.queries}")
    print()
    extra = " Virtuoso ms (rows) |" if args.virtuoso else ""
    print(f"| query | rows | in process ms | service ms | under 100 ms |{extra}")
    print("|---|---:|---:|---:|---|" + ("---:|" if args.virtuoso else ""))
    for query in queries:
        local_ms, rows = results[query.name]["local"]
        service_ms, _ = results[query.name]["service"]
        shown = "-" if rows is None else str(rows)
        met = verdict(local_ms, service_ms)
        line = f"| {query.name} | {shown} | {local_ms} | {service_ms} | {met} |"
        if args.virtuoso:
            virtuoso_ms, virtuoso_rows = results[query.name]["virtuoso"]
            line += f" {virtuoso_ms} ({'-' if virtuoso_rows is None else virtuoso_rows}) |"
        print(line)


if __name__ == "__main__":
    main()
