"""Dereferencing the repository's documents against a trivial route, in one run.

Starts the default `healthtech-lod serve` (2 workers × 4 threads, the repository's data)
and gunicorn serving ``trivial_app.py`` with the same front and counts, then, in turn,
runs wrk (8 connections) over every ``/doc/{slug}`` of the sitemap as Turtle, JSON-LD and
HTML, then `/`, `/dataset`, `/def`, `/context.jsonld` and `/browse`, and over the
trivial route, each after a warm-up pass. Prints one Markdown row per
format: requests per second, p50, and the share of the trivial route's throughput (the
issue's target: 60 %). Standard library, wrk (Debian) and the package.

    .venv/bin/python benchmarks/documents.py [--seconds 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deref import ServiceServer, TrivialServer, wrk  # noqa: E402

FORMATS = {
    "Turtle": "text/turtle",
    "JSON-LD": "application/ld+json",
    "HTML": "text/html",
}
#: The other routes the issue names, each asked as a browser (or a JSON-LD client) would.
ROUTES = {
    "/": ("/", "text/html"),
    "/dataset": ("/dataset", "text/turtle"),
    "/def": ("/def", "text/html"),
    "/context.jsonld": ("/context.jsonld", "application/ld+json"),
    "/browse": ("/browse", "text/html"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, interleaved")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "service").mkdir()
        (root / "trivial").mkdir()
        settings = {"STORE_CACHE_DIR": str(root / "stores"), "ACCESS_LOG": "false"}
        service = ServiceServer(root / "service", 2, settings)
        trivial = TrivialServer(root / "trivial", 2, {})
        service.start()
        trivial.start()
        try:
            sitemap = urllib.request.urlopen(f"{service.base}/sitemap.xml").read().decode()
            paths = sorted(set(re.findall(r"(/doc/[a-z0-9-]+)<", sitemap)))
            runs = {name: (paths, accept) for name, accept in FORMATS.items()}
            runs.update({name: ([path], accept) for name, (path, accept) in ROUTES.items()})
            figures: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
            figures["trivial"] = []
            for _ in range(args.rounds):
                for name, (asked, accept) in runs.items():
                    wrk(service.port, asked, accept, 2, args.connections)  # warm-up
                    figures[name].append(
                        wrk(service.port, asked, accept, args.seconds, args.connections)
                    )
                wrk(trivial.port, paths, "text/turtle", 2, args.connections)
                figures["trivial"].append(
                    wrk(trivial.port, paths, "text/turtle", args.seconds, args.connections)
                )
        finally:
            service.stop()
            trivial.stop()
    reference = statistics.median(run["rps"] for run in figures["trivial"])
    print(f"{len(paths)} documents, wrk {args.connections} connections, {args.seconds:g} s runs")
    print("| route | requests/s | p50 ms | share of the trivial route |")
    print("|---|---:|---:|---:|")
    for name, runs in figures.items():
        rps = statistics.median(run["rps"] for run in runs)
        p50 = statistics.median(run["p50_ms"] for run in runs)
        errors = sum(sum(run["errors"].values()) for run in runs)
        note = f" ({errors} errors)" if errors else ""
        print(f"| {name} | {rps:.0f} | {p50:.2f} | {rps / reference:.0%}{note} |")


if __name__ == "__main__":
    main()
