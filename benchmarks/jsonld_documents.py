"""Milliseconds per JSON-LD document, in process, with compaction.py and with pyld
(issue 15: JSON-LD compaction without pyld on the hot path).

Opens a built folder (``healthtech-lod build``; by default /work/scale/100k-built) with
the document cache off, and asks the app's test client for ``/doc/{slug}`` of
``--count`` generated organisations spread over the dataset (``mix.organisation_slugs``),
``--rounds`` times each: as JSON-LD written by compaction.py, as JSON-LD written by
pyld (compaction.py made to decline every document, which is jsonld.compact before
it), and as Turtle, the three interleaved so that a busy machine slows them alike.
Then times ``jsonld.document`` alone on the same statements, both ways, and checks
that both give the same bytes. Prints the median, mean and p90 of each, in ms.

    .venv/bin/python benchmarks/jsonld_documents.py [--store BUILT] [--count 60] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mix  # noqa: E402
import pyoxigraph as ox  # noqa: E402
from pyld_only import documents_by_pyld  # noqa: E402

from healthtech_lod import jsonld  # noqa: E402
from healthtech_lod.app import create_app  # noqa: E402
from healthtech_lod.negotiation import BY_KEY  # noqa: E402
from healthtech_lod.opening import get_store  # noqa: E402
from healthtech_lod.rdf import triples  # noqa: E402
from healthtech_lod.responses import described, entity_base  # noqa: E402


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (
        f"{name:<32} median {statistics.median(times):7.2f} ms   "
        f"mean {statistics.fmean(times):7.2f} ms   p90 {p90:7.2f} ms   (n={len(times)})"
    )


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("/work/scale/100k-built"))
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    slugs = mix.organisation_slugs(args.store / "store", args.count)
    app = create_app(
        {"STORE_PATH": str(args.store), "DOCUMENT_CACHE_BYTES": 0, "ACCESS_LOG": False}
    )
    client = app.test_client()
    jsonld_type, turtle = {"Accept": "application/ld+json"}, {"Accept": "text/turtle"}

    def get(slug: str, headers: dict[str, str]) -> bytes:
        response = client.get(f"/doc/{slug}", headers=headers)
        assert response.status_code == 200
        return response.data

    times: dict[str, list[float]] = {"compaction.py": [], "pyld": [], "Turtle": []}
    for slug in slugs:  # warm-up: store pages, the caches of terms and IRIs
        get(slug, jsonld_type), get(slug, turtle)
        with documents_by_pyld():
            get(slug, jsonld_type)
    for _ in range(args.rounds):
        for slug in slugs:
            ms, ours = timed(lambda: get(slug, jsonld_type))  # noqa: B023
            times["compaction.py"].append(ms)
            with documents_by_pyld():
                ms, theirs = timed(lambda: get(slug, jsonld_type))  # noqa: B023
            times["pyld"].append(ms)
            assert ours == theirs, slug
            times["Turtle"].append(timed(lambda: get(slug, turtle))[0])  # noqa: B023

    alone: dict[str, list[float]] = {"compaction.py": [], "pyld": []}
    sizes = []
    with app.test_request_context("/"):
        store = get_store()
        documents = []
        for slug in slugs:
            iri = ox.NamedNode(app.config["BASE_URI"] + "id/" + slug)
            page = iri.value.replace("/id/", "/doc/", 1)
            statements = triples(described(store.describe(iri), BY_KEY["jsonld"], page, iri.value))
            documents.append((statements, iri.value))
            sizes.append(len(statements))
        base, context_url = entity_base(), "http://localhost/context.jsonld"
        for _ in range(args.rounds):
            for statements, first in documents:

                def write() -> Any:
                    return jsonld.document(statements, base, context_url, first)  # noqa: B023

                ms, ours = timed(write)
                alone["compaction.py"].append(ms)
                with documents_by_pyld():
                    ms, theirs = timed(write)
                alone["pyld"].append(ms)
                assert jsonld.dumps(ours) == jsonld.dumps(theirs)
    print(
        f"{len(slugs)} organisations of {args.store}, median {statistics.median(sizes)} statements"
    )
    for kind, found in times.items():
        label = f"GET /doc, {kind}" if kind == "Turtle" else f"GET /doc JSON-LD, {kind}"
        print(summary(label, found))
    for kind, found in alone.items():
        print(summary(f"jsonld.document, {kind}", found))


if __name__ == "__main__":
    main()
