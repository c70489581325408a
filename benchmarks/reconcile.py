"""How long the reconciliation service takes to answer a batch of 50 queries.

Run it from the repository root:

    .venv/bin/python benchmarks/reconcile.py             # 30 timed batches of each kind
    .venv/bin/python benchmarks/reconcile.py --runs 100

It starts the real service (`healthtech-lod serve`, one gunicorn worker, as load.py does)
over the repository's own data in a temporary folder, and POSTs batches of 50
reconciliation queries (``queries=``, as OpenRefine does) over one keep-alive connection:
the first 50 names of tests/fixtures/reconcile/names.csv (names as people type them:
misspelt, unaccented, with legal forms, acronyms, and names that are not in the data), the
same names with the type ``lht:Company``, and with a founding-year property. After three
warm-up batches it times each batch from the request to the last byte of the answer and
prints the median, 90th percentile, fastest and slowest, with the number of candidates and
matches. The client runs on the same machine as the service: the figures include both.
Not a test: the target (a batch of 50 under 200 ms) is checked by reading the figures.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import shutil
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from load import HOST, Server, ServerError

REPO = Path(__file__).resolve().parents[1]
NAMES = REPO / "tests" / "fixtures" / "reconcile" / "names.csv"
BATCH = 50


def batches() -> dict[str, dict[str, dict[str, object]]]:
    """The batches timed, by kind."""
    rows = list(csv.DictReader(NAMES.read_text(encoding="utf-8").splitlines()))[:BATCH]
    names = [row["query"] for row in rows]
    plain = {f"q{i}": {"query": name} for i, name in enumerate(names)}
    typed = {key: {**query, "type": "lht:Company"} for key, query in plain.items()}
    year = {"pid": "schema:foundingDate", "v": "2021"}
    constrained = {key: {**query, "properties": [year]} for key, query in plain.items()}
    return {"names": plain, "names + type": typed, "names + founding year": constrained}


def post(connection: http.client.HTTPConnection, batch: object) -> tuple[float, dict]:
    """Seconds from sending the batch to reading its whole answer, and the answer."""
    body = urllib.parse.urlencode({"queries": json.dumps(batch)})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    start = time.perf_counter()
    connection.request("POST", "/reconcile", body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"/reconcile answered {response.status}: {data[:300]!r}")
    return elapsed, json.loads(data)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed batches of each kind")
    options = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="healthtech-lod-reconcile-"))
    settings = {
        "DATA_ROOT": str(REPO),
        "STORE_CACHE_DIR": str(folder / "stores"),
        "ACCESS_LOG": "false",
    }
    server = Server(folder, 1, settings)
    try:
        try:
            server.start()
        except ServerError as err:
            print(f"{err}\n{server.log_tail()}", file=sys.stderr)
            return 1
        connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
        print(f"Batches of {BATCH} queries, POST /reconcile, {options.runs} timed runs each\n")
        print("| batch | median ms | p90 ms | fastest ms | slowest ms | candidates | matches |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for kind, batch in batches().items():
            for _ in range(3):
                post(connection, batch)
            times = []
            answer: dict = {}
            for _ in range(options.runs):
                elapsed, answer = post(connection, batch)
                times.append(elapsed * 1000)
            candidates = sum(len(r["result"]) for r in answer.values())
            matches = sum(1 for r in answer.values() for c in r["result"] if c.get("match"))
            print(
                f"| {kind} | {percentile(times, 0.5):.1f} | {percentile(times, 0.9):.1f} | "
                f"{min(times):.1f} | {max(times):.1f} | {candidates} | {matches} |"
            )
        connection.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
