"""Dereferencing documents against a trivial route, in one run.

Starts `healthtech-lod serve` (2 workers × 4 threads; the repository's data, or the
folder ``--store`` names, made by `healthtech-lod build`) and gunicorn serving
``trivial_app.py`` with the same front and counts, then, in turn, runs wrk (8
connections) over the documents as Turtle, JSON-LD and HTML, then `/`, `/dataset`,
`/def`, `/context.jsonld` and `/browse`, and over the trivial route, each after a
warm-up pass. The documents are every ``/doc/{slug}`` of the sitemap, or with
``--store`` 200 generated organisations spread over the whole dataset (documents of the
same shape at every size; the first request of each pays its writing, in the warm-up).
Prints one Markdown row per route: requests per second, p50, the share of the trivial
route's throughput and issue 15's target (60 %), the connections each gunicorn
worker held and how many workers were replaced during each measured run. ``--json
FILE`` keeps every figure. Standard library, wrk (Debian) and the package.

    .venv/bin/python benchmarks/documents.py [--store BUILT] [--seconds 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mix  # noqa: E402
from deref import ServiceServer, TrivialServer, wrk  # noqa: E402
from load import processes  # noqa: E402

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
#: Documents asked once each, per format, for the cost of a first request.
FIRST_SAMPLE = 30
#: Issue 15's target: each route at least this share of the trivial route's throughput.
TARGET = 0.6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a folder made by `healthtech-lod build`")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, interleaved")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--warmup",
        type=float,
        default=10,
        help="seconds of wrk before each run of the first round (2 s in later rounds)",
    )
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    figures, documents, first = measure(
        args.store, args.seconds, args.rounds, args.connections, args.warmup
    )
    reference = statistics.median(run["rps"] for run in figures["trivial"])
    print(f"{documents} documents, wrk {args.connections} connections, {args.seconds:g} s runs")
    print(
        "| route | requests/s | p50 ms | share of the trivial route | 60 % | per worker "
        "| workers replaced |"
    )
    print("|---|---:|---:|---:|---|---|---|")
    for name, runs in figures.items():
        rps = statistics.median(run["rps"] for run in runs)
        p50 = statistics.median(run["p50_ms"] for run in runs)
        errors = sum(sum(run["errors"].values()) for run in runs)
        note = f" ({errors} errors)" if errors else ""
        mark = "" if name == "trivial" else ("met" if rps >= TARGET * reference else "not met")
        spread = " / ".join(str(run["connections_per_worker"]) for run in runs)
        replaced = " / ".join(str(run["workers_replaced"]) for run in runs)
        print(
            f"| {name} | {rps:.0f} | {p50:.2f} | {rps / reference:.0%}{note} | {mark} "
            f"| {spread} | {replaced} |"
        )
    print()
    print(f"First request of a document (its writing), median of {FIRST_SAMPLE}, one client:")
    print("| format | ms |")
    print("|---|---:|")
    for name, seconds in first.items():
        print(f"| {name} | {seconds * 1000:.1f} |")
    if args.json:
        figures_file = {"documents": documents, "figures": figures, "first_request_s": first}
        args.json.write_text(json.dumps(figures_file, indent=1))


def measure(
    store: Path | None, seconds: float, rounds: int, connections: int, warmup: float
) -> tuple[dict[str, list[dict[str, Any]]], int, dict[str, float]]:
    """wrk's figures for every route and the trivial route, the number of documents, and
    the median seconds of a document's first request in each format."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "service").mkdir()
        (root / "trivial").mkdir()
        settings = {"STORE_CACHE_DIR": str(root / "stores"), "ACCESS_LOG": "false"}
        service = ServiceServer(root / "service", 2, settings, store=store)
        trivial = TrivialServer(root / "trivial", 2, {})
        service.start()
        trivial.start()
        try:
            if store is None:
                sitemap = urllib.request.urlopen(f"{service.base}/sitemap.xml").read().decode()
                paths = sorted(set(re.findall(r"(/doc/[a-z0-9-]+)<", sitemap)))
            else:
                paths = [f"/doc/{slug}" for slug in mix.organisation_slugs(store / "store")]
            first = {
                name: first_requests(service.port, paths[-FIRST_SAMPLE:], accept)
                for name, accept in FORMATS.items()
            }
            runs = {name: (paths, accept) for name, accept in FORMATS.items()}
            runs.update({name: ([path], accept) for name, (path, accept) in ROUTES.items()})
            figures: dict[str, list[dict[str, Any]]] = {name: [] for name in runs}
            figures["trivial"] = []
            for round_ in range(rounds):
                # Documents are written in the first round's warm-up; later rounds only
                # open fresh connections before measuring.
                pause = warmup if round_ == 0 else min(warmup, 2)
                for name, (asked, accept) in runs.items():
                    figures[name].append(
                        one_run(service, asked, accept, seconds, connections, pause)
                    )
                figures["trivial"].append(
                    one_run(trivial, paths, "text/turtle", seconds, connections, pause)
                )
        finally:
            service.stop()
            trivial.stop()
    return figures, len(paths), first


def one_run(
    server: ServiceServer | TrivialServer,
    paths: list[str],
    accept: str,
    seconds: float,
    connections: int,
    warmup: float,
) -> dict[str, Any]:
    """A warm-up run (long enough for every worker to write every document it is asked
    for), then the measured run, with its connections per gunicorn worker and the number
    of gunicorn workers replaced during it (past WEB_WORKER_MAX_RSS: a replaced worker
    starts with an empty document cache and writes its documents again)."""
    wrk(server.port, paths, accept, warmup, connections)
    workers = gunicorn_workers(server)
    figures = wrk(server.port, paths, accept, seconds, connections, workers=workers)
    figures["workers_replaced"] = len(set(workers) - set(gunicorn_workers(server)))
    return figures


def gunicorn_workers(server: ServiceServer | TrivialServer) -> list[int]:
    assert server.process is not None
    return [p.pid for p in processes(server.process.pid) if p.role == "gunicorn worker"]


def first_requests(port: int, paths: list[str], accept: str) -> float:
    """The median seconds of one request for each of ``paths``, none asked before."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for path in paths:
        began = time.perf_counter()
        connection.request("GET", path, headers={"Accept": accept})
        answer = connection.getresponse()
        answer.read()
        times.append(time.perf_counter() - began)
        assert answer.status == 200, (path, answer.status)
    connection.close()
    return statistics.median(times)


if __name__ == "__main__":
    main()
