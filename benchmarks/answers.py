"""Memory of the real service under hostile SPARQL answers (issue 13, items 2 and 4).

From the repository root:

    .venv/bin/python benchmarks/answers.py                  # the repository's data
    .venv/bin/python benchmarks/answers.py --json out.json  # also keep the figures

Starts `healthtech-lod serve` (tests/server.py's ``start``: its own process group,
``--workers 2`` as `make serve`, the settings' defaults unless given with --set),
sums the resident set (VmRSS) of every process of the group from /proc, sampled every
20 ms, and sends each hostile request alone: CONSTRUCT with CONCAT doubling as JSON-LD
(with and without ``timeout=1``), 100 000 rows of 4 KiB as SPARQL JSON, one value of
32 MiB as SPARQL JSON, one value doubled to 4 GiB (only its length asked for), then the
same requests again as a burst from two clients at once. For each: status, bytes,
``SPARQL-Results-Truncated``, seconds, and the group's resident memory before, at its
peak and after (once idle for 2 s). Before: after one ordinary query of each kind.

Checks what the issue accepts: no request raises the group's memory by more than
512 MiB, after the burst it is within 1.5x its size before, and no status is 5xx but
the documented 503s (time limit, memory limit, busy).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from server import start, stop, wait_until_up  # noqa: E402

MIB = 2**20
PAGE = os.sysconf("SC_PAGE_SIZE")


def doubled(variable: str, start: str, times: int) -> str:
    """BINDs doubling ``start`` ``times`` times into ?{variable}{times}."""
    binds = [f"BIND({start} AS ?{variable}0)"]
    binds += [
        f"BIND(CONCAT(?{variable}{i}, ?{variable}{i}) AS ?{variable}{i + 1})" for i in range(times)
    ]
    return " ".join(binds)


DIGITS = "{ " + " ".join(str(i) for i in range(10)) + " }"
#: Every statement's object doubled 10 times (x1024), as JSON-LD: the red team's 385
#: characters produced 425 MB of JSON-LD in 22 s before the change.
CONSTRUCT_DOUBLING = (
    "CONSTRUCT { ?s <urn:hostile:v> ?v } WHERE { ?s ?p ?o "
    + doubled("x", "STR(?o)", 10)
    + " BIND(?x10 AS ?v) }"
)
#: 100 000 rows of a 4 KiB value each (12 doublings of 1 byte... of "0123456789abcdef").
ROWS_4K = (
    "SELECT ?v WHERE { "
    + " ".join(f"VALUES ?{n} {DIGITS}" for n in "abcde")
    + " "
    + doubled("x", '"0123456789abcdef"', 8)
    + " BIND(CONCAT(?x8, STR(?a), STR(?b), STR(?c), STR(?d), STR(?e)) AS ?v) }"
)
#: One value of 32 MiB (16 bytes doubled 21 times).
VALUE_32M = "SELECT ?v WHERE { " + doubled("x", '"0123456789abcdef"', 21) + " BIND(?x21 AS ?v) }"
#: A value doubled to 4 GiB, of which only the length is asked for: the memory limit.
VALUE_4G = "SELECT (STRLEN(?x28) AS ?n) WHERE { " + doubled("x", '"0123456789abcdef"', 28) + " }"

SPARQL_JSON = "application/sparql-results+json"
HOSTILE: list[tuple[str, str, str, dict[str, str]]] = [
    ("construct-doubling-jsonld", CONSTRUCT_DOUBLING, "application/ld+json", {}),
    (
        "construct-doubling-jsonld-timeout-1",
        CONSTRUCT_DOUBLING,
        "application/ld+json",
        {"timeout": "1"},
    ),
    ("rows-100k-of-4KiB-json", ROWS_4K, SPARQL_JSON, {}),
    ("value-32MiB-json", VALUE_32M, SPARQL_JSON, {}),
    ("value-4GiB-length", VALUE_4G, SPARQL_JSON, {}),
]
ORDINARY = [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 100", SPARQL_JSON),
    ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 100", "application/ld+json"),
    ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 100", "text/turtle"),
]


def group_rss(pgid: int) -> int:
    """Bytes resident in every process of the process group ``pgid``."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) != pgid:  # pgrp, the fifth field of stat
                continue
            with open(f"/proc/{entry}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


def processes(pgid: int) -> dict[str, list[int]]:
    """MiB resident in each process of the group, by role: the gunicorn master (the
    group's leader), its gunicorn workers, and their query workers."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == pgid:
            parents[int(entry)] = int(fields[1])
    roles: dict[str, list[int]] = {"master": [], "gunicorn": [], "query": []}
    for pid, parent in sorted(parents.items()):
        role = "master" if pid == pgid else "gunicorn" if parent == pgid else "query"
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                roles[role].append(int(statm.read().split()[1]) * PAGE // MIB)
        except FileNotFoundError:
            continue
    return roles


class Sampler:
    """The group's resident set every 20 ms, in a thread; ``peak`` since ``reset``."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            self.peak = max(self.peak, group_rss(self.pgid))
            time.sleep(0.02)

    def reset(self) -> None:
        self.peak = group_rss(self.pgid)

    def stop(self) -> None:
        self.running = False
        self.thread.join()


def send(base: str, query: str, accept: str, params: dict[str, str]) -> dict[str, Any]:
    data = urllib.parse.urlencode({"query": query, **params}).encode()
    request = urllib.request.Request(f"{base}/sparql", data=data, headers={"Accept": accept})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            status, headers, size = response.status, response.headers, len(response.read())
            detail = ""
    except urllib.error.HTTPError as error:
        with error:
            status, headers, body = error.code, error.headers, error.read()
        size = len(body)
        detail = body.decode("utf-8", "replace")[:160]
    return {
        "status": status,
        "bytes": size,
        "truncated": headers.get("SPARQL-Results-Truncated"),
        "seconds": round(time.perf_counter() - started, 2),
        "detail": detail,
    }


def settle(pgid: int, seconds: float = 2.0) -> int:
    time.sleep(seconds)
    return group_rss(pgid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT, help="the repository to serve")
    parser.add_argument("--json", type=Path, help="write the figures there too")
    parser.add_argument("--set", action="append", default=[], help="SETTING=value (repeatable)")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    with tempfile.TemporaryDirectory(prefix="answers-bench-") as folder:
        process, base, log = start(args.data, Path(folder), settings, workers=2)
        pgid = process.pid
        results: dict[str, Any] = {"settings": settings, "requests": [], "burst": {}}
        try:
            wait_until_up(f"{base}/context.jsonld", process, log)
            for query, accept in ORDINARY:
                for _ in range(4):  # reach both gunicorn workers and their query workers
                    send(base, query, accept, {})
            before = settle(pgid)
            results["before"] = before
            results["processes_before"] = processes(pgid)
            sampler = Sampler(pgid)
            print(f"before: {before / MIB:.0f} MiB {results['processes_before']}")
            for name, query, accept, params in HOSTILE:
                start_rss = settle(pgid, 1.0)
                sampler.reset()
                answer = send(base, query, accept, params)
                peak = sampler.peak
                after = settle(pgid)
                row = {
                    "name": name,
                    **answer,
                    "before": start_rss,
                    "peak": peak,
                    "after": after,
                    "rise": peak - start_rss,
                }
                results["requests"].append(row)
                print(
                    f"{name}: {answer['status']} {answer['bytes']} B "
                    f"truncated={answer['truncated']} {answer['seconds']} s; "
                    f"{start_rss / MIB:.0f} -> peak {peak / MIB:.0f} -> {after / MIB:.0f} MiB"
                    + (f"; {answer['detail'][:100]}" if answer["detail"] else "")
                )
            # The burst: every hostile request twice, from two clients at once.
            sampler.reset()
            statuses: list[int] = []
            answers: list[dict[str, Any]] = []
            lock = threading.Lock()

            def client() -> None:
                for name, query, accept, params in HOSTILE:
                    answer = send(base, query, accept, params)
                    with lock:
                        statuses.append(answer["status"])
                        answers.append({"name": name, **answer})

            threads = [threading.Thread(target=client) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            burst_peak = sampler.peak
            sampler.stop()
            after_burst = settle(pgid, 5.0)
            results["burst"] = {
                "statuses": statuses,
                "answers": answers,
                "peak": burst_peak,
                "after": after_burst,
                "processes_after": processes(pgid),
            }
            print(
                f"burst of {len(statuses)}: statuses {sorted(statuses)}; peak "
                f"{burst_peak / MIB:.0f} MiB; after {after_burst / MIB:.0f} MiB "
                f"({after_burst / before:.2f}x before) {results['burst']['processes_after']}"
            )
            for answer in answers:
                print(
                    f"  {answer['name']}: {answer['status']} {answer['bytes']} B "
                    f"{answer['seconds']} s {answer['detail'][:90]}"
                )
            worst = max(r["rise"] for r in results["requests"])
            bad = [
                s
                for s in [*(r["status"] for r in results["requests"]), *statuses]
                if s >= 500 and s != 503
            ]
            results["checks"] = {
                "largest_rise_mib": round(worst / MIB),
                "rise_within_512_mib": worst <= 512 * MIB,
                "after_within_1.5x": after_burst <= 1.5 * before,
                "no_5xx_but_503": not bad,
            }
            print(json.dumps(results["checks"]))
        finally:
            stop(process)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
