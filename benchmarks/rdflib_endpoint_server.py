"""rdflib-endpoint serving an N-Quads file, for the benchmarks (what `rdflib-endpoint serve`
does, bound to 127.0.0.1, reading gzipped N-Quads too).

    .venv/bin/python benchmarks/rdflib_endpoint_server.py --port 8000 FILE.nq.gz

Loads the file into ``rdflib.Dataset(default_union=True)`` (the default graph is the union of
the named graphs, as in the other engines), prints ``loaded N quads in S s`` on standard
error, then serves ``/`` (SPARQL 1.1 protocol) with uvicorn, one process. Needs the
``rdflib-endpoint`` and ``uvicorn`` packages.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time

import rdflib
import uvicorn
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    for name in args.files:
        opener = gzip.open if name.endswith(".gz") else open
        with opener(name, "rb") as data:
            dataset.parse(data, format="nquads")
    print(
        f"loaded {len(dataset)} quads in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    app = SparqlEndpoint(graph=dataset, path="/sparql", cors_enabled=False)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
