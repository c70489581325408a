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
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

COMMAND = Path(sys.executable).with_name("healthtech-lod")
QUERIES = {
    "ask": "ASK { ?s ?p ?o }",
    "label": "SELECT ?label WHERE { <https://w3id.org/lu-healthtech/id/voicemed> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    "count-one-class": "SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://schema.org/Hospital> }",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = {
            **os.environ,
            "HEALTHTECH_LOD_STORE_CACHE_DIR": f"{folder}/stores",
            "HEALTHTECH_LOD_RATE_LIMIT": "0",
            "HEALTHTECH_LOD_MAX_QUERIES_PER_CLIENT": "0",
            "HEALTHTECH_LOD_ACCESS_LOG": "false",
        }
        process = subprocess.Popen(
            [str(COMMAND), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            deadline = time.monotonic() + 120
            while True:
                try:
                    connection.request("GET", "/health")
                    if connection.getresponse().read() and time.monotonic():
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
