"""What the materialised default graph costs: disk and build time, with and without it.

The build writes the set union of the named graphs into the store's default graph
(``dataset.fill_default_graph``) so that SPARQL's default graph is a set and a
query's ``FROM`` keeps its meaning. This measures what that costs, on the same
generated ecosystem:

    .venv/bin/python benchmarks/default_graph.py --organisations 15000    # about 1 M statements
    .venv/bin/python benchmarks/default_graph.py --organisations 150000   # about 10 M

For each of "named graphs only" and "named graphs + default graph": the store's
size on disk after ``optimize()``, the time to write the default graph, and the
time of ``COUNT(*)`` over the default graph (set) against the multiset union
(Oxigraph's union switch), in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from healthtech_lod.dataset import REPO_ROOT, fill_default_graph, load_oxigraph

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def timed_count(store: ox.Store, **options: bool) -> tuple[int, float]:
    started = time.perf_counter()
    (row,) = store.query(COUNT, **options)  # type: ignore[misc]
    return int(row["n"].value), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=15000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lod-default-graph-") as tmp:
        work = Path(tmp)
        extra = work / "eco.nq"
        command = Path(sys.executable).with_name("healthtech-lod")
        subprocess.run(
            [str(command), "generate", "-n", str(args.organisations), "--out", str(extra)],
            check=True,
        )
        result: dict[str, object] = {"organisations": args.organisations}
        for fill in (False, True):
            folder = work / ("filled" if fill else "named")
            store = ox.Store(str(folder))
            load_oxigraph(REPO_ROOT, store)
            store.bulk_load(path=str(extra), format=ox.RdfFormat.N_QUADS)
            started = time.perf_counter()
            if fill:
                fill_default_graph(store)
            filled = time.perf_counter() - started
            store.optimize()
            store.flush()
            key = "with_default_graph" if fill else "named_graphs_only"
            entry: dict[str, object] = {"bytes": size(folder), "fill_seconds": round(filled, 2)}
            union, union_s = timed_count(store, use_default_graph_as_union=True)
            entry["multiset_union"] = {"count": union, "seconds": round(union_s, 3)}
            if fill:
                default, default_s = timed_count(store)
                entry["default_graph"] = {"count": default, "seconds": round(default_s, 3)}
            result[key] = entry
            del store
        named = result["named_graphs_only"]["bytes"]  # type: ignore[index]
        filled_bytes = result["with_default_graph"]["bytes"]  # type: ignore[index]
        result["disk_ratio"] = round(filled_bytes / named, 2)
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
