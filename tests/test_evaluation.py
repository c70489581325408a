"""The query worker's side (evaluation.py), called directly in this process: the
replies of ``answer_request``, the deep stack it runs on, and what a worker measures.

The answers a worker writes through the pool (every format, each limit) are tested
in test_executor.py; here there is no pool and no worker process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pyoxigraph as ox
import pytest

from healthtech_lod.evaluation import UpdateProbe, answer_request, on_deep_stack, resident_bytes
from healthtech_lod.queries import READ_ONLY

EX = "https://example.org/"
THINGS = 20
FORMATS = {"select": "json", "ask": "xml", "graph": "ntriples"}
ORDERED = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s"
#: 4 500 objects of one triple pattern: a query tree 4 500 levels deep, which
#: overflows an 8 MiB stack (a process dies of it) and takes Oxigraph a second to
#: parse; queries run on a deep stack (test_executor's DEEP).
DEEP_OBJECTS = f"ASK {{ <{EX}s> <{EX}p> " + ",".join(["1"] * 4500) + " }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(THINGS):
        store.add(
            ox.Quad(
                ox.NamedNode(f"{EX}thing-{i:02}"),
                ox.NamedNode(f"{EX}label"),
                ox.Literal(f"Thing {i}"),
            )
        )
    return store


@pytest.fixture(scope="module")
def probe() -> UpdateProbe:
    return UpdateProbe()


def answer(
    store: ox.Store,
    probe: UpdateProbe,
    query: str,
    formats: dict[str, str] = FORMATS,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    max_nesting: int | None = None,
) -> tuple[tuple[Any, ...], bytes]:
    """``answer_request`` as a worker calls it: the reply's header and the body."""
    request = (query, formats, max_rows, False, None, None, None, max_bytes, None)
    reply, body = answer_request(store, probe, frozenset(), request, max_nesting)
    return reply, bytes(body)


def bindings(body: bytes) -> list[Any]:
    return list(json.loads(body)["results"]["bindings"])


# --- Replies ----------------------------------------------------------------------------


def test_a_select_is_written_whole_in_its_format(store: ox.Store, probe: UpdateProbe) -> None:
    reply, body = answer(store, probe, ORDERED)
    assert reply == ("ok", "select", THINGS, None, None)
    assert len(bindings(body)) == THINGS


def test_an_ask_carries_its_boolean(store: ox.Store, probe: UpdateProbe) -> None:
    reply, body = answer(store, probe, f"ASK {{ <{EX}thing-01> ?p ?o }}")
    assert reply == ("ok", "ask", 1, None, True)
    assert bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML))


def test_max_rows_and_max_bytes_keep_whole_solutions(store: ox.Store, probe: UpdateProbe) -> None:
    reply, body = answer(store, probe, ORDERED, max_rows=5)
    assert (reply[2], reply[3], len(bindings(body))) == (5, "rows", 5)
    _, whole = answer(store, probe, ORDERED)
    limit = len(whole) // 2
    reply, body = answer(store, probe, ORDERED, max_bytes=limit)
    assert reply[3] == "bytes" and len(body) <= limit
    assert 0 < reply[2] == len(bindings(body)) < THINGS


def test_max_bytes_keeps_whole_triples(store: ox.Store, probe: UpdateProbe) -> None:
    query = "CONSTRUCT WHERE { ?s ?p ?o }"
    _, whole = answer(store, probe, query)
    limit = len(whole) // 2
    reply, body = answer(store, probe, query, max_bytes=limit)
    assert reply[:2] == ("ok", "graph") and reply[3] == "bytes" and len(body) <= limit
    assert 0 < reply[2] == len(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) < THINGS


def test_what_is_not_answered_says_why(store: ox.Store, probe: UpdateProbe) -> None:
    service = answer(store, probe, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { } }")
    assert service[0][0] == "refused" and "disabled" in service[0][1]
    assert answer(store, probe, f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}")[0] == (
        "refused",
        READ_ONLY,
    )
    assert len(store) == THINGS  # nothing changed
    (status, _, line, column), _ = answer(store, probe, "SELECT * WHERE {\n FILTER(?o = ) }")
    assert (status, line) == ("syntax", 2) and isinstance(column, int)
    nested = answer(store, probe, "ASK { { { } } }", max_nesting=2)
    assert nested[0][0] == "refused" and "3 deep" in nested[0][1]
    assert answer(store, probe, "ASK {}", formats={"select": "json"})[0] == ("unavailable", "ask")
    rdf_li = "http://www.w3.org/1999/02/22-rdf-syntax-ns#li"
    query = f'CONSTRUCT {{ <{EX}s> <{rdf_li}> "x" }} WHERE {{}}'
    unwritable = answer(store, probe, query, formats={"graph": "rdfxml"})
    assert unwritable[0][:3] == ("unwritable", "graph", "rdfxml")


def test_the_update_probe_tells_an_update_from_a_malformed_text(probe: UpdateProbe) -> None:
    assert probe.update_error(f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}") is None
    assert probe.update_error("LOAD <http://127.0.0.1:9/data.ttl>") is None  # nothing fetched
    assert isinstance(probe.update_error(f"INSERT DATA {{ <{EX}a> <{EX}b> }}"), SyntaxError)


# --- The deep stack ---------------------------------------------------------------------


def test_on_deep_stack_runs_on_a_thread_of_its_own() -> None:
    assert on_deep_stack(lambda a, b: (a + b, threading.current_thread().name), 1, 2) == (
        3,
        "healthtech-lod-query",
    )

    def fail() -> None:
        raise ValueError("raised on the deep stack")

    with pytest.raises(ValueError, match="raised on the deep stack"):
        on_deep_stack(fail)


REMOTE_DEEP = """
from healthtech_lod.remote import RemoteExecutor, RemoteStore
from healthtech_lod.queries import WorkerError
executor = RemoteExecutor(RemoteStore("http://127.0.0.1:9/sparql", ("http://g",), 1.0))
try:
    executor.execute({query!r}, result_format="json", use_default_graph_as_union=False)
except WorkerError as err:
    print(err)
"""


def test_a_remote_backend_checks_a_deep_query_without_crashing() -> None:
    """With a SPARQL backend, Oxigraph parses each query in the service's own process
    before sending it: that process must survive a deep one (run apart, to watch it)."""
    script = REMOTE_DEEP.format(query=DEEP_OBJECTS)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "cannot be reached" in done.stdout


# --- Measures ---------------------------------------------------------------------------


def test_resident_bytes_reads_proc() -> None:
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    assert abs(resident_bytes() - kib * 1024) < 64 * 2**20
