"""Milliseconds per HTML entity page, in process, with its embedded JSON-LD written by
embedding.py and framed by pyld (issue 15: documents at the speed of static files).

Opens a built folder (``healthtech-lod build``; by default /work/scale/1m-built) with
the document cache off, and asks the app's test client for ``/doc/{slug}`` as HTML for
``--count`` generated organisations spread over the dataset (``mix.organisation_slugs``),
``--rounds`` times each, both ways interleaved so that a busy machine slows them alike,
checking that both give the same bytes. Then times ``jsonld.embedded`` alone on the
same pages. Prints the median, mean and p90 of each, in ms.

    .venv/bin/python benchmarks/html_pages.py [--store BUILT] [--count 60] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mix  # noqa: E402
import pyoxigraph as ox  # noqa: E402
from jsonld_documents import summary, timed  # noqa: E402
from pyld_only import pages_by_pyld  # noqa: E402

from healthtech_lod import jsonld  # noqa: E402
from healthtech_lod.app import create_app  # noqa: E402
from healthtech_lod.negotiation import languages  # noqa: E402
from healthtech_lod.opening import get_store  # noqa: E402
from healthtech_lod.pages import embedded_data  # noqa: E402

HTML = {"Accept": "text/html"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("/work/scale/1m-built"))
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    slugs = mix.organisation_slugs(args.store / "store", args.count)
    app = create_app(
        {"STORE_PATH": str(args.store), "DOCUMENT_CACHE_BYTES": 0, "ACCESS_LOG": False}
    )
    client = app.test_client()

    def get(slug: str) -> bytes:
        response = client.get(f"/doc/{slug}", headers=HTML)
        assert response.status_code == 200
        return response.data

    times: dict[str, list[float]] = {"embedding.py": [], "pyld": []}
    for slug in slugs:  # warm-up: store pages, templates, the caches of terms and IRIs
        get(slug)
        with pages_by_pyld():
            get(slug)
    for _ in range(args.rounds):
        for slug in slugs:
            ms, ours = timed(lambda: get(slug))  # noqa: B023
            times["embedding.py"].append(ms)
            with pages_by_pyld():
                ms, theirs = timed(lambda: get(slug))  # noqa: B023
            times["pyld"].append(ms)
            assert ours == theirs, slug

    alone: dict[str, list[float]] = {"embedding.py": [], "pyld": []}
    with app.test_request_context("/"):
        store = get_store()
        pages = []
        for slug in slugs:
            iri = ox.NamedNode(app.config["BASE_URI"] + "id/" + slug)
            pages.append((store, iri, store.describe(iri)))
        print(f"{len(slugs)} organisations of {args.store}, page languages {languages()}")
        for _ in range(args.rounds):
            for page in pages:
                ms, ours = timed(lambda: embedded_data(*page))  # noqa: B023
                alone["embedding.py"].append(ms)
                with pages_by_pyld():
                    ms, theirs = timed(lambda: embedded_data(*page))  # noqa: B023
                alone["pyld"].append(ms)
                assert jsonld.dumps(ours) == jsonld.dumps(theirs)
    for kind, found in times.items():
        print(summary(f"GET /doc HTML, {kind}", found))
    for kind, found in alone.items():
        print(summary(f"pages.embedded_data, {kind}", found))


if __name__ == "__main__":
    main()
