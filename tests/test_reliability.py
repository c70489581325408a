"""The service stays up and the data stays intact: a real gunicorn server on loopback.

Runaway queries are stopped while other clients are served, SERVICE never
reaches the network, updates in every form change no byte of the dataset, and
SIGTERM lets requests in flight finish.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES
from server import serving, start, stop, wait_until_up

pytestmark = pytest.mark.e2e

#: Four patterns sharing no variable: 115^4 rows over the fixture data, far past any limit.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
QUERY_TIMEOUT = "3"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = {"QUERY_TIMEOUT": QUERY_TIMEOUT, "QUERY_WORKERS": "2"}
    with serving(FIXTURES, tmp_path_factory.mktemp("reliability"), settings) as base:
        yield base


def send(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def query_url(base: str, query: str, **params: str) -> str:
    return f"{base}/sparql?" + urllib.parse.urlencode({"query": query, **params})


def test_runaway_query_is_stopped_while_an_ask_is_answered(server: str) -> None:
    finished: list[str] = []
    results: dict[str, tuple[int, bytes]] = {}

    def runaway() -> None:
        status, _, body = send(query_url(server, RUNAWAY), headers={"Accept": "text/csv"})
        results["runaway"] = (status, body)
        finished.append("runaway")

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.5)  # the runaway query is running in one query worker
    status, _, body = send(query_url(server, "ASK { ?s ?p ?o }"), headers={"Accept": "text/csv"})
    finished.append("ask")
    thread.join()
    assert (status, body.strip()) == (200, b"true")
    assert finished == ["ask", "runaway"]
    status, body = results["runaway"]
    assert status == 503
    assert f"limit of {QUERY_TIMEOUT} seconds" in body.decode()
    assert b"LIMIT" in body, "the message says how to narrow the query"


def test_the_service_answers_normally_after_a_runaway(server: str) -> None:
    status, _, _ = send(query_url(server, RUNAWAY, timeout="1"), headers={"Accept": "text/csv"})
    assert status == 503
    for i in range(3):  # both query workers, the replaced one included; never cached
        ask = f"ASK {{}} # after the runaway {i}"
        status, _, body = send(query_url(server, ask), headers={"Accept": "text/csv"})
        assert (status, body.strip()) == (200, b"true")


def test_a_shorter_timeout_is_honoured_a_longer_one_is_not(server: str) -> None:
    status, _, body = send(query_url(server, RUNAWAY, timeout="1"), headers={"Accept": "text/csv"})
    assert status == 503 and b"limit of 1 seconds" in body
    status, _, body = send(
        query_url(server, RUNAWAY, timeout="3600"), headers={"Accept": "text/csv"}
    )
    assert status == 503 and f"limit of {QUERY_TIMEOUT} seconds".encode() in body


def test_service_is_refused_and_nothing_is_contacted(server: str) -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", 9999))
    except OSError:
        pytest.fail("port 9999 is taken: the test needs it to watch for connections")
    listener.listen()
    listener.settimeout(0.5)
    try:
        query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9999/sparql> { ?s ?p ?o } }"
        for how in ("get", "post"):
            if how == "get":
                status, _, body = send(query_url(server, query))
            else:
                status, _, body = send(
                    f"{server}/sparql",
                    query.encode(),
                    {"Content-Type": "application/sparql-query"},
                )
            assert status == 400
            assert b"disabled" in body
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


def post_chunked(base: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    """POST ``body`` with ``Transfer-Encoding: chunked`` over a raw socket (urllib would
    send a Content-Length): the status and the answer's body."""
    url = urllib.parse.urlsplit(base)
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall(
            f"POST /sparql HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: {content_type}\r\n"
            "Accept: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
        )
        try:
            for start in range(0, len(body), 4096):
                chunk = body[start : start + 4096]
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the body ended (413): the answer is there to read
        answer = b""
        while data := sock.recv(65536):
            answer += data
    head, _, content = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), content


#: A query of 68 022 bytes in 17 022 characters: over MAX_CONTENT_LENGTH (65 536 bytes),
#: under MAX_QUERY_LENGTH, and still a query wherever it is cut.
OVER_THE_LIMIT = ("ASK { FILTER(true) } #" + "\U0001d11e" * 17_000).encode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (OVER_THE_LIMIT, "application/sparql-query"),
        (b"query=ASK%20%7B%7D&padding=" + b"x" * 70_000, "application/x-www-form-urlencoded"),
    ],
    ids=["query", "form"],
)
def test_a_chunked_body_over_the_limit_is_413(server: str, body: bytes, content_type: str) -> None:
    """gunicorn hands a chunked body on without a Content-Length; it was cut at 65 536
    bytes and what was left ran as the query (200)."""
    status, answer = post_chunked(server, body, content_type)
    assert status == 413, answer[:300]
    assert b"over 65536 bytes" in answer


def test_a_chunked_body_under_the_limit_is_answered(server: str) -> None:
    status, answer = post_chunked(
        server, b"ASK { FILTER(true) } # chunked", "application/sparql-query"
    )
    assert (status, answer.strip()) == (200, b"true")


UPDATES = [
    'INSERT DATA { <http://example.org/a> <http://example.org/b> "c" }',
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "LOAD SILENT <http://127.0.0.1:9/data.ttl> INTO GRAPH <http://example.org/g>",
    "CLEAR ALL",
    "CLEAR DEFAULT",
    "CLEAR NAMED",
    "CLEAR GRAPH <https://w3id.org/lu-healthtech/graph/alpha>",
    "CLEAR SILENT GRAPH <https://w3id.org/lu-healthtech/graph/beta>",
    "DROP ALL",
    "DROP DEFAULT",
    "DROP NAMED",
    "DROP GRAPH <https://w3id.org/lu-healthtech/graph/alpha>",
    "DROP SILENT GRAPH <https://w3id.org/lu-healthtech/graph/beta>",
    "CREATE GRAPH <http://example.org/g>",
    "COPY <https://w3id.org/lu-healthtech/graph/alpha> TO DEFAULT",
    "MOVE <https://w3id.org/lu-healthtech/graph/alpha> TO <http://example.org/g>",
    "ADD DEFAULT TO <https://w3id.org/lu-healthtech/graph/beta>",
]


def digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and the SHA-256 of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_updates_in_every_form_leave_every_byte_as_it_was(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES, root)
    state = tmp_path / "state"
    state.mkdir()
    with serving(root, state) as base:
        status, _, _ = send(query_url(base, "ASK {}"))  # the store is built and open
        assert status == 200
        before_repo, before_store = digest(root), digest(state / "stores")
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        _, _, counted = send(query_url(base, count), headers={"Accept": "text/csv"})
        for update in UPDATES:
            answers = [
                send(query_url(base, update)),
                send(f"{base}/sparql", urllib.parse.urlencode({"query": update}).encode()),
                send(f"{base}/sparql", urllib.parse.urlencode({"update": update}).encode()),
                send(
                    f"{base}/sparql",
                    update.encode(),
                    {"Content-Type": "application/sparql-update"},
                ),
                send(
                    f"{base}/sparql",
                    update.encode(),
                    {"Content-Type": "application/sparql-query"},
                ),
            ]
            assert [status for status, _, _ in answers] == [400] * 5, update
            assert all(b"read-only" in body for _, _, body in answers), update
        _, _, recounted = send(query_url(base, count), headers={"Accept": "text/csv"})
        assert recounted == counted
        assert digest(root) == before_repo, "no request wrote under the repository"
    assert digest(state / "stores") == before_store, "the store's files are byte-identical"


def test_sigterm_lets_requests_in_flight_finish(tmp_path: Path) -> None:
    process, base, log = start(FIXTURES, tmp_path)
    try:
        wait_until_up(f"{base}/health", process, log)
        results: dict[str, tuple[int, bytes]] = {}

        def slow() -> None:
            # Stopped at its 2 s limit: a request that is still running at SIGTERM.
            status, _, body = send(query_url(base, RUNAWAY, timeout="2"))
            results["slow"] = (status, body)

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.7)
        os.killpg(process.pid, signal.SIGTERM)
        thread.join(30)
        status, body = results["slow"]
        assert status == 503 and b"limit of 2 seconds" in body, "answered, not cut off"
        assert process.wait(timeout=30) == 0
        # This start built the store (a fresh cache): its workers must still exit cleanly.
        text = log.read_text(errors="replace")
        assert "SIGSEGV" not in text and "Traceback" not in text, text[-2000:]
    finally:
        stop(process)


def gunicorn_workers(master: int) -> set[int]:
    """The gunicorn workers of ``master``: its children running the app (not
    multiprocessing's resource tracker)."""
    workers = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if parent == master and b"resource_tracker" not in command:
            workers.add(int(entry.name))
    return workers


@pytest.mark.parametrize(("limit", "replaced"), [(None, False), (1, True)])
def test_a_gunicorn_worker_past_web_worker_max_rss_is_replaced(
    tmp_path: Path, limit: int | None, replaced: bool
) -> None:
    settings = {} if limit is None else {"WEB_WORKER_MAX_RSS": str(limit)}
    process, base, log = start(FIXTURES, tmp_path, settings)
    try:
        wait_until_up(f"{base}/health", process, log)
        (first,) = gunicorn_workers(process.pid)
        status, _, _ = send(query_url(base, "ASK {}"))
        assert status == 200
        for _ in range(600):  # the first exits once done; its replacement starts
            if not replaced or first not in gunicorn_workers(process.pid):
                break
            time.sleep(0.05)
        status, _, body = send(query_url(base, "ASK { ?s ?p ?o }"), headers={"Accept": "text/csv"})
        assert (status, body.strip()) == (200, b"true")  # answered by the replacement
        workers = gunicorn_workers(process.pid)
        assert (first not in workers) == replaced, workers
        text = log.read_text(errors="replace")
        assert ("past WEB_WORKER_MAX_RSS" in text) == replaced, text[-2000:]
        assert "Traceback" not in text, text[-2000:]
    finally:
        stop(process)
