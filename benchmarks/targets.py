"""Issue 15's targets, each marked met or not met, from one run on built folders.

    .venv/bin/python benchmarks/targets.py --store 100k=/work/scale/100k-built \\
        --store 1m=/work/scale/1m-built [--store 10m=/work/scale/10m-built] \\
        [--mix-json benchmarks/results.json] [--json targets.json]

Each ``--store NAME=FOLDER`` is a folder made by `healthtech-lod build` (the benchmarks
make them with `python -m benchmarks.generator -n N --out F` and `healthtech-lod build
--add F`). For every store, `documents.py` measures dereferencing (Turtle, JSON-LD and HTML
documents of 200 generated organisations, then `/`, `/dataset`, `/def`,
`/context.jsonld` and `/browse`) against the trivial route, ROUNDS rounds; on the store
named for the fixed cost (``--fixed-cost``, default the second), `fixed_cost.py` measures a
fast query's cost over pyoxigraph in process; on the largest store, `example_queries.py`
times every example query of data/queries.ttl in the service (with ``--virtuoso``, in
Virtuoso too: the issue reports its heavy generic case among them, ``people-and-roles``,
against Virtuoso instead of the 100 ms bound). The p50 latency ratio
compares the largest store with the smallest, round by round (the noise is the spread of
the ratios). The ratio to rdflib-endpoint comes from a results file of `run.py` when one is
given (it loads 1 M statements into rdflib, which takes longer than this run may).

Measured on 2 cores (6 December 2026): with the 1 M store alone and the default settings,
4 min 55 s (every target but the p50 ratio, which needs two sizes); with the 100 k, 1 M and
10 M stores and ``--virtuoso`` (which loads 9 M statements into Virtuoso), 26 minutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import documents  # noqa: E402
import example_queries as examples  # noqa: E402
import fixed_cost  # noqa: E402
import mix  # noqa: E402
import report  # noqa: E402

#: Issue 15's bound on the p50 latency of the largest size over the smallest.
P50_RATIO = 1.3
#: Issue 15's bound on the whole mix's time, rdflib-endpoint over the service, at 1 M.
ENDPOINT_RATIO = 20.0
#: The example queries issue 15 calls heavy generic cases (over everything): reported
#: against Virtuoso rather than held to the 100 ms bound.
HEAVY = frozenset({"people-and-roles"})


@dataclass
class Target:
    name: str
    figure: str
    met: bool | None  # None: not measured in this run
    reported: bool = False  # a heavy generic case, reported against Virtuoso

    @property
    def mark(self) -> str:
        if self.reported:
            return "reported against Virtuoso"
        return {True: "met", False: "not met", None: "not measured"}[self.met]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", action="append", required=True, help="NAME=FOLDER")
    parser.add_argument("--fixed-cost", help="the store to measure the fixed cost on")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=300, help="runs of each fast query")
    parser.add_argument("--mix-json", type=Path, help="a results file of run.py")
    parser.add_argument(
        "--virtuoso", action="store_true", help="time the example queries in Virtuoso too"
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    stores = dict(item.split("=", 1) for item in args.store)
    measured: dict[str, Any] = {"stores": stores, "documents": {}}
    for name, folder in stores.items():
        print(f"dereferencing at {name}", file=sys.stderr)
        figures, count, first = documents.measure(
            Path(folder), args.seconds, args.rounds, args.connections, args.warmup
        )
        measured["documents"][name] = {"count": count, "figures": figures, "first": first}
    chosen = args.fixed_cost or list(stores)[min(1, len(stores) - 1)]
    print(f"fixed cost at {chosen}", file=sys.stderr)
    measured["fixed_cost"] = {
        "store": chosen,
        "figures": fixed_cost.measure(Path(stores[chosen]), args.repeats),
    }
    largest = list(stores)[-1]
    print(f"example queries at {largest}", file=sys.stderr)
    measured["examples"] = {
        "store": largest,
        "figures": example_queries(Path(stores[largest]), args.virtuoso),
    }
    if args.mix_json:
        measured["mix"] = endpoint_ratio(json.loads(args.mix_json.read_text()))
    if args.json:
        args.json.write_text(json.dumps(measured, indent=1))
    print(render(measured, args))


def example_queries(store: Path, with_virtuoso: bool) -> dict[str, dict[str, Any]]:
    """Each example query's median in ms and its rows, in process, in the service and
    (``with_virtuoso``) in Virtuoso; None: it did not answer within the cap."""
    measured = examples.measure(store, mix.examples(), with_virtuoso=with_virtuoso)
    figures: dict[str, dict[str, Any]] = {}
    for name, sides in measured.items():
        figures[name] = {side: _number(cell) for side, (cell, _) in sides.items()}
        figures[name]["rows"] = {side: rows for side, (_, rows) in sides.items()}
    return figures


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def endpoint_ratio(results: dict[str, Any]) -> dict[str, Any] | None:
    """rdflib-endpoint's time over the service's on the whole mix at 1 M, from run.py's
    results, as its report computes it (report.versus_endpoint)."""
    size = results.get("sizes", {}).get("1m")
    if not size or not report.engine_queries(size, "rdflib-endpoint"):
        return None
    timeout = results.get("protocol", {}).get("timeout", 60)
    overall, _, below, failed = report.versus_endpoint(size, timeout)
    return {"ratio": overall, "below": below, "failed": failed, "commit": results.get("commit")}


def render(measured: dict[str, Any], args: argparse.Namespace) -> str:
    """The targets as a Markdown table, then the figures behind them."""
    targets: list[Target] = []
    for size, run in measured["documents"].items():
        figures = run["figures"]
        reference = statistics.median(r["rps"] for r in figures["trivial"])
        for route, runs in figures.items():
            if route == "trivial":
                continue
            share = statistics.median(r["rps"] for r in runs) / reference
            spread = ", ".join(str(r["connections_per_worker"]) for r in runs)
            replaced = sum(r.get("workers_replaced", 0) for r in runs)
            recycled = f"; {replaced} workers replaced during the runs" if replaced else ""
            targets.append(
                Target(
                    f"dereferencing {route} at {size}: 60 % of the trivial route",
                    f"{share:.0%} (connections per worker: {spread}{recycled})",
                    share >= documents.TARGET,
                )
            )
    sizes = list(measured["documents"])
    if len(sizes) > 1:
        small, large = measured["documents"][sizes[0]], measured["documents"][sizes[-1]]
        for route in documents.FORMATS:
            ratios = [
                big["p50_ms"] / little["p50_ms"]
                for big, little in zip(
                    large["figures"][route], small["figures"][route], strict=True
                )
            ]
            middle = statistics.median(ratios)
            targets.append(
                Target(
                    f"p50 of {route} documents at {sizes[-1]} within {P50_RATIO}× of {sizes[0]}",
                    f"{middle:.2f}× (rounds: {', '.join(f'{r:.2f}' for r in ratios)})",
                    middle <= P50_RATIO,
                )
            )
    cost = measured["fixed_cost"]
    floor = cost["figures"]["trivial route"]["http"]
    for query, medians in cost["figures"].items():
        if query == "trivial route":
            continue
        over = medians["http"] - medians["local"]
        targets.append(
            Target(
                f"fixed cost of `{query}` at {cost['store']}: at most 0.5 ms",
                f"{over * 1000:.2f} ms ({medians['http'] * 1000:.2f} through HTTP, "
                f"{medians['local'] * 1000:.2f} in process; the trivial route "
                f"{floor * 1000:.2f})",
                over <= fixed_cost.TARGET,
            )
        )
    examples_run = measured["examples"]
    for query, medians in examples_run["figures"].items():
        service = medians.get("service")
        figure = "over the cap" if service is None else f"{service:.1f} ms"
        rows = medians.get("rows", {})
        if rows.get("service") is not None:
            figure += f" ({rows['service']} rows)"
        if "virtuoso" in medians:
            virtuoso = medians["virtuoso"]
            shown = "over the cap" if virtuoso is None else f"{virtuoso:.1f} ms"
            figure += f"; Virtuoso {shown} ({rows.get('virtuoso', '-')} rows)"
        heavy = query in HEAVY and "virtuoso" in medians
        targets.append(
            Target(
                f"example query `{query}` at {examples_run['store']}: "
                + ("reported against Virtuoso" if heavy else "under 100 ms"),
                figure,
                service is not None and service < examples.TARGET_MS,
                reported=heavy,
            )
        )
    mix = measured.get("mix")
    targets.append(
        Target(
            "the mix at 1 M: rdflib-endpoint at least 20× the service's time",
            "–" if not mix else f"{mix['ratio']:.1f}× (run.py results of {mix['commit']})",
            None if not mix else mix["ratio"] >= ENDPOINT_RATIO,
        )
    )
    lines = ["| target | figure | |", "|---|---|---|"]
    lines += [f"| {t.name} | {t.figure} | {t.mark} |" for t in targets]
    met = sum(t.met is True and not t.reported for t in targets)
    reported = sum(t.reported for t in targets)
    lines.append("")
    held = len(targets) - reported
    also = f"; {reported} reported against Virtuoso, as the issue asks" if reported else ""
    lines.append(f"{met} of {held} met{also}.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
