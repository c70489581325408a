"""Hostile clients against the default `serve`, and what the others see meanwhile.

Starts `healthtech-lod serve` (default settings, 2 workers × 4 threads) on the
repository's data, with TRUSTED_PROXIES=1 so that each simulated client has an address
of its own (X-Forwarded-For), and runs, one after the other:

- runaway: one client with 8 connections sending a cartesian-product query every 2 s
  (under its rate limit) while another asks an ASK every 0.25 s;
- nesting: 300 queries nested 5 000 deep, of each bracket kind, GET and POST;
- headers: 100 requests of `/` with an Accept-Language of 500 entries, and 100 with an
  Accept of 500 entries: the service's CPU time for them;
- hosts: a foreign Host and a malformed one.

Prints one Markdown table row per attack: what the attacker got, what the others got,
the service's CPU and resident memory. Standard library only.

    .venv/bin/python benchmarks/hostile.py
"""

from __future__ import annotations

import collections
import http.client
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Server  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASK = "ASK { ?s ?p ?o }"


def group_pids(leader: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == leader:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def cpu_seconds(leader: int) -> float:
    """User and system time of every process of the service, children included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in group_pids(leader):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def rss_mib(leader: int) -> float:
    total = 0
    for pid in group_pids(leader):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def request(
    port: int,
    path: str,
    client: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, float]:
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            method, path, body=body, headers={"X-Forwarded-For": client, **(headers or {})}
        )
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - began
    except OSError:
        return 0, time.perf_counter() - began
    finally:
        connection.close()


def query_path(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def runaway(port: int, seconds: float = 20) -> dict[str, object]:
    stop = threading.Event()
    attacker: collections.Counter[int] = collections.Counter()

    def attack(n: int) -> None:
        while not stop.is_set():
            status, _ = request(port, query_path(RUNAWAY + f" # {n} {time.time()}"), "10.0.0.1")
            attacker[status] += 1
            stop.wait(2)

    threads = [threading.Thread(target=attack, args=(n,), daemon=True) for n in range(8)]
    for thread in threads:
        thread.start()
    other: list[float] = []
    statuses: collections.Counter[int] = collections.Counter()
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        status, took = request(port, query_path(f"{ASK} # {n}"), "10.0.0.2")
        statuses[status] += 1
        other.append(took)
        time.sleep(0.25)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return {
        "attacker": dict(attacker),
        "other": dict(statuses),
        "median_ms": statistics.median(other) * 1000,
        "worst_ms": max(other) * 1000,
    }


def nesting(port: int) -> dict[str, object]:
    statuses: collections.Counter[int] = collections.Counter()
    for n in range(50):
        for left, right in ("()", "{}", "[]"):
            depth = 5000
            query = f"SELECT * WHERE {left * depth}{right * depth} # {n}"
            statuses[request(port, query_path(query), "10.0.0.3")[0]] += 1
            body = urllib.parse.urlencode({"query": query}).encode()
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            statuses[request(port, "/sparql", "10.0.0.3", "POST", body, form)[0]] += 1
    status, took = request(port, query_path(ASK + " # after"), "10.0.0.4")
    return {"attacker": dict(statuses), "ask_after": status, "ask_ms": took * 1000}


def headers(port: int, leader: int) -> dict[str, object]:
    figures: dict[str, object] = {}
    languages = ", ".join(f"x{i}-y{i};q=0.{i % 9 + 1}" for i in range(500))
    accept = ", ".join(f"application/x-{i};q=0.{i % 9 + 1}" for i in range(500))
    for name, value in (("Accept-Language", languages), ("Accept", accept)):
        statuses: collections.Counter[int] = collections.Counter()
        before = cpu_seconds(leader)
        for n in range(100):
            statuses[request(port, "/", f"10.0.1.{n}", headers={name: value})[0]] += 1
        figures[name] = {"statuses": dict(statuses), "cpu_s": cpu_seconds(leader) - before}
    return figures


def hosts(port: int) -> dict[str, int]:
    found = {}
    for host in ("evil.example", "exa mple", "[::1", ""):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"GET /id/voicemed HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            found[host or "(empty)"] = int(sock.recv(100).split(b" ")[1])
    return found


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = {"STORE_CACHE_DIR": f"{folder}/stores", "TRUSTED_PROXIES": "1"}
        server = Server(Path(folder), 2, settings)
        server.start()
        assert server.process is not None
        port, leader = server.port, server.process.pid
        try:
            start = rss_mib(leader)
            print(f"resident memory at start: {start:.0f} MiB")
            for name, run in (
                ("runaway", lambda: runaway(port)),
                ("nesting", lambda: nesting(port)),
                ("headers", lambda: headers(port, leader)),
                ("hosts", lambda: hosts(port)),
            ):
                before = cpu_seconds(leader)
                figures = run()
                print(
                    f"| {name} | {figures} | CPU {cpu_seconds(leader) - before:.2f} s"
                    f" | RSS {rss_mib(leader):.0f} MiB |"
                )
            print(f"resident memory at the end: {rss_mib(leader):.0f} MiB")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
