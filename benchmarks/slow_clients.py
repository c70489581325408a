"""Slow clients against the default `serve`: does anyone else still get an answer?

Starts `healthtech-lod serve` (default settings: 2 workers × 4 threads) on the
repository's data, opens SOCKETS slow connections of one kind, and times `/health`
and a small SPARQL query (an ASK) from another client while they are open:

- ``headers``: a request line, then one header line every 2 s, never finished;
- ``body``: a POST announcing 60 000 bytes, sending 10 bytes every 2 s;
- ``idle``: connected, sending nothing;
- ``readers``: asking for a 27 MB SPARQL JSON answer, never reading it.

    .venv/bin/python benchmarks/slow_clients.py --sockets 200 --kind headers

Prints one line per kind with the median and worst latency of the other client.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Server  # noqa: E402

ASK = "ASK { ?s ?p ?o }"
#: 50 000 rows of every pair of statements: 27 MB as SPARQL JSON on the real data.
BIG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 50000"


def trickle(port: int, kind: str, stop: threading.Event) -> None:
    sock = socket.socket()
    if kind == "readers":  # a small window: the server cannot hand the answer to the kernel
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    try:
        if kind == "headers":
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not stop.wait(2):
                sock.sendall(b"X-Slow: 1\r\n")
        elif kind == "body":
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 60000\r\n\r\nquery="
            )
            while not stop.wait(2):
                sock.sendall(b"%20%20%20%20")
        elif kind == "readers":
            query = urllib.parse.quote(BIG)
            sock.sendall(
                f"GET /sparql?query={query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Accept: application/sparql-results+json\r\n\r\n".encode()
            )
            stop.wait()
        else:
            stop.wait()
    except OSError:
        pass  # the server closed it: that is the point
    finally:
        sock.close()


def timed(url: str) -> float:
    began = time.perf_counter()
    try:
        urllib.request.urlopen(url, timeout=30).read()
    except OSError:
        return float("inf")
    return time.perf_counter() - began


def attack(port: int, kind: str, sockets: int, seconds: float) -> dict[str, float]:
    stop = threading.Event()
    threads = [
        threading.Thread(target=trickle, args=(port, kind, stop), daemon=True)
        for _ in range(sockets)
    ]
    for thread in threads:
        thread.start()
    time.sleep(6)  # every slow socket has sent its request, and its answer was made
    base = f"http://127.0.0.1:{port}"
    ask = f"{base}/sparql?" + urllib.parse.urlencode({"query": ASK})
    latencies: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        latencies.append(timed(f"{base}/health"))
        latencies.append(timed(ask))
        time.sleep(0.2)
    stop.set()
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "worst_ms": max(latencies) * 1000,
        "requests": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument(
        "--kind", choices=["headers", "body", "idle", "readers", "all"], default="all"
    )
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder), 2, {"STORE_CACHE_DIR": f"{folder}/stores"})
        server.start()
        port = server.port
        try:
            quiet = attack(port, "idle", 0, 3)
            print(
                f"no attack: median {quiet['median_ms']:.1f} ms, worst {quiet['worst_ms']:.1f} ms"
            )
            kinds = ["headers", "body", "idle", "readers"] if args.kind == "all" else [args.kind]
            for kind in kinds:
                figures = attack(port, kind, args.sockets, args.seconds)
                print(
                    f"{args.sockets} slow sockets ({kind}): others' median "
                    f"{figures['median_ms']:.1f} ms, worst {figures['worst_ms']:.1f} ms "
                    f"over {figures['requests']} requests"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
