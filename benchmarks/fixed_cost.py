"""The service's fixed cost per query: a fast query through HTTP against the same query
in process with pyoxigraph, on the same built store, in one run; and the floor under it,
a constant answer from the trivial route through the same front.

Starts `healthtech-lod serve` (the repository's data, or the folder ``--store`` names;
RATE_LIMIT and MAX_QUERIES_PER_CLIENT off, since all the load comes from this one client)
and gunicorn serving ``trivial_app.py`` with the same front. For each query it asks the
service REPEATS times over one kept-alive connection as SPARQL JSON, each made unique by a
comment so that the answer cache never serves it (every one runs in a query worker), and
runs the same text REPEATS times in this process on the same store opened read-only
(`pyoxigraph.Store.read_only`), writing the answer as SPARQL JSON too. It also asks the
trivial route REPEATS times over one kept-alive connection: what HTTP, gunicorn, the front
and Flask cost for an answer that costs nothing. Prints the medians, the fixed cost (HTTP
minus in process; issue 15's target: at most 0.5 ms) and the part of it above the floor.

    .venv/bin/python benchmarks/fixed_cost.py [--store BUILT] [--repeats 300]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox  # noqa: E402
from deref import ServiceServer, TrivialServer  # noqa: E402

QUERIES = {
    "ask": "ASK { ?s ?p ?o }",
    "label": "SELECT ?label WHERE { <https://w3id.org/lu-healthtech/id/voicemed> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    "count-one-class": "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://schema.org/Hospital> }",
}
#: Issue 15's target, in seconds over the same query in process.
TARGET = 0.0005


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="a folder made by `healthtech-lod build`")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--json", type=Path, help="write the medians to this file")
    args = parser.parse_args()
    figures = measure(args.store, args.repeats)
    floor = figures.pop("trivial route")["http"]
    print(f"{args.repeats} runs of each; medians in ms; the trivial route: {floor * 1000:.2f}")
    print("| query | through HTTP | in process | fixed cost | above the trivial route | 0.5 ms |")
    print("|---|---:|---:|---:|---:|---|")
    for name, medians in figures.items():
        over = medians["http"] - medians["local"]
        print(
            f"| {name} | {medians['http'] * 1000:.2f} | {medians['local'] * 1000:.2f} | "
            f"{over * 1000:.2f} | {(medians['http'] - floor) * 1000:.2f} | "
            f"{'met' if over <= TARGET else 'not met'} |"
        )
    if args.json:
        figures["trivial route"] = {"http": floor}
        args.json.write_text(json.dumps(figures, indent=1))


def measure(store_folder: Path | None, repeats: int) -> dict[str, dict[str, float]]:
    """Median seconds of each query through HTTP and in process, and of the trivial route."""
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "service").mkdir()
        (root / "trivial").mkdir()
        settings = {
            "STORE_CACHE_DIR": f"{folder}/stores",
            "RATE_LIMIT": "0",
            "MAX_QUERIES_PER_CLIENT": "0",
            "ACCESS_LOG": "false",
        }
        service = ServiceServer(root / "service", 2, settings, store=store_folder)
        trivial = TrivialServer(root / "trivial", 2, {})
        service.start()
        trivial.start()
        try:
            if store_folder is None:
                (store_path,) = Path(folder, "stores").glob("*/store")
            else:
                store_path = store_folder / "store"
            store = ox.Store.read_only(str(store_path))
            connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
            for name, query in QUERIES.items():
                figures[name] = {
                    "http": median_of(repeats, lambda n, q=query: ask(connection, unique(q, n))),
                    "local": median_of(repeats, lambda n, q=query: in_process(store, unique(q, n))),
                }
            constant = http.client.HTTPConnection("127.0.0.1", trivial.port, timeout=30)
            figures["trivial route"] = {
                "http": median_of(repeats, lambda n: get(constant, "/doc/constant"))
            }
        finally:
            service.stop()
            trivial.stop()
    return figures


def unique(query: str, n: int) -> str:
    return f"{query} # {n} {time.time_ns()}"


def median_of(repeats: int, run: object) -> float:
    """The median seconds of ``run(n)`` for n in range(repeats), after 20 unmeasured runs."""
    assert callable(run)
    for n in range(20):
        run(-n - 1)
    times = []
    for n in range(repeats):
        began = time.perf_counter()
        run(n)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def ask(connection: http.client.HTTPConnection, query: str) -> None:
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    get(connection, path, "application/sparql-results+json")


def get(connection: http.client.HTTPConnection, path: str, accept: str = "*/*") -> None:
    connection.request("GET", path, headers={"Accept": accept})
    answer = connection.getresponse()
    body = answer.read()
    assert answer.status == 200, (answer.status, body[:200])


def in_process(store: ox.Store, query: str) -> None:
    result = store.query(query)
    if isinstance(result, ox.QueryBoolean):
        json.dumps({"head": {}, "boolean": bool(result)})
    else:
        result.serialize(format=ox.QueryResultsFormat.JSON)


if __name__ == "__main__":
    main()
