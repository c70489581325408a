"""The service's fixed cost per query: a fast query through HTTP against the same query
in process with pyoxigraph, on the same built store, in one run.

Starts the default `healthtech-lod serve` (the repository's data; RATE_LIMIT and
MAX_QUERIES_PER_CLIENT off, since all the load comes from this one client), then for each
query asks it REPEATS times over one kept-alive connection as SPARQL JSON, each made
unique by a comment so that the answer cache never serves it (every one runs in a query
worker), and runs the same text REPEATS times in this process on the build's store opened
read-only (`pyoxigraph.Store.read_only`), writing the answer as SPARQL JSON too. Prints
the medians and their difference (issue 15's target: at most 0.5 ms).

    .venv/bin/python benchmarks/fixed_cost.py [--repeats 300]
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
from load import Server  # noqa: E402

QUERIES = {
    "ask": "ASK { ?s ?p ?o }",
    "label": "SELECT ?label WHERE { <https://w3id.org/lu-healthtech/id/voicemed> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    "count-one-class": "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://schema.org/Hospital> }",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = {
            "STORE_CACHE_DIR": f"{folder}/stores",
            "RATE_LIMIT": "0",
            "MAX_QUERIES_PER_CLIENT": "0",
            "ACCESS_LOG": "false",
        }
        server = Server(Path(folder), 2, settings)
        server.start()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            (store_path,) = Path(folder, "stores").glob("*/store")
            store = ox.Store.read_only(str(store_path))
            print(f"{args.repeats} runs of each query; medians in ms")
            print("| query | through HTTP | in process | fixed cost |")
            print("|---|---:|---:|---:|")
            for name, query in QUERIES.items():
                http_times, local_times = [], []
                for n in range(args.repeats):
                    unique = f"{query} # {n} {time.time_ns()}"
                    path = "/sparql?" + urllib.parse.urlencode({"query": unique})
                    began = time.perf_counter()
                    connection.request(
                        "GET", path, headers={"Accept": "application/sparql-results+json"}
                    )
                    answer = connection.getresponse()
                    body = answer.read()
                    http_times.append(time.perf_counter() - began)
                    assert answer.status == 200, (answer.status, body[:200])
                    began = time.perf_counter()
                    result = store.query(unique)
                    if isinstance(result, ox.QueryBoolean):
                        json.dumps({"head": {}, "boolean": bool(result)})
                    else:
                        result.serialize(format=ox.QueryResultsFormat.JSON)
                    local_times.append(time.perf_counter() - began)
                over = statistics.median(http_times) - statistics.median(local_times)
                print(
                    f"| {name} | {statistics.median(http_times) * 1000:.2f} | "
                    f"{statistics.median(local_times) * 1000:.2f} | {over * 1000:.2f} |"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
