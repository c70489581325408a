"""The front of `serve` (front.py): slow clients hold sockets, never threads.

The framing is checked on its own; the worker with a real gunicorn on loopback,
against sockets this test opens and trickles itself.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import FIXTURES
from server import serving

from healthtech_lod.front import Budget, Held, frame

LIMITS = {"max_header_bytes": 1024, "max_body_bytes": 100}
GET = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"


def post(body: bytes, *headers: bytes) -> bytes:
    return (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
        + b"".join(h + b"\r\n" for h in headers)
        + (b"\r\n" + body)
    )


@pytest.mark.parametrize(
    "request_bytes",
    [
        GET,
        post(b"query=ASK{}", b"Content-Length: 11"),
        post(b"5\r\nquery\r\n0\r\n\r\n", b"Transfer-Encoding: chunked"),
        post(b"5;ext=1\r\nquery\r\n0\r\nTrailer: x\r\n\r\n", b"Transfer-Encoding: chunked"),
        GET + b"GET /next",  # pipelined: the first request is complete
    ],
)
def test_a_complete_request_is_complete(request_bytes: bytes) -> None:
    assert frame(request_bytes, **LIMITS).complete


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"",
        b"GET /health HTTP/1.1\r\nHost: x\r\n",
        post(b"query=AS", b"Content-Length: 11"),
        post(b"5\r\nquery\r\n", b"Transfer-Encoding: chunked"),
        post(b"5\r\nque", b"Transfer-Encoding: chunked"),
        post(b"5\r\nquery\r\n0\r\nTrailer: x\r\n", b"Transfer-Encoding: chunked"),
    ],
)
def test_a_partial_request_waits(request_bytes: bytes) -> None:
    framing = frame(request_bytes, **LIMITS)
    assert not framing.complete and framing.status is None


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 2000, 431),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 2000 + b"\r\n\r\n", 431),
        (post(b"", b"Content-Length: 101"), 413),
        (post(b"40\r\n" + b"a" * 64 + b"\r\n40\r\n", b"Transfer-Encoding: chunked"), 413),
    ],
)
def test_too_much_is_refused_before_it_is_read(request_bytes: bytes, status: int) -> None:
    assert frame(request_bytes, **LIMITS).status == status


def test_expect_continue_is_noticed_while_the_body_is_awaited() -> None:
    framing = frame(post(b"", b"Content-Length: 11", b"Expect: 100-continue"), **LIMITS)
    assert framing.expects_continue and not framing.complete


def test_what_is_malformed_is_left_to_gunicorn() -> None:
    for bad in (b"Content-Length: x", b"Transfer-Encoding: gzip"):
        assert frame(post(b"", bad), **LIMITS).complete


# -- answers held for the loop ------------------------------------------------------


def test_an_answer_is_held_in_memory_then_spooled_within_the_budget() -> None:
    left, right = socket.socketpair()
    with left, right:
        budget = Budget(100)
        held = Held(left, memory=10, budget=budget, stall=1)
        held.sendall(b"0123456789")
        held.sendall(b"a" * 50)
        assert budget.used == 50
        output = held.take()
        assert output.head == b"0123456789"
        output.spool.seek(0)
        assert output.spool.read() == b"a" * 50
        output.spool.close()
        right.setblocking(False)
        with pytest.raises(BlockingIOError):
            right.recv(1)  # nothing reached the socket: the loop sends it


def test_past_the_budget_the_thread_sends_what_it_held_first() -> None:
    left, right = socket.socketpair()
    with left, right:
        budget = Budget(20)
        held = Held(left, memory=10, budget=budget, stall=1)
        held.sendall(b"0123456789")
        held.sendall(b"b" * 20)
        held.sendall(b"c" * 30)  # no room: everything goes out, in order
        assert budget.used == 0
        received = b""
        while len(received) < 60:
            received += right.recv(100)
        assert received == b"0123456789" + b"b" * 20 + b"c" * 30


def test_a_client_that_stops_reading_a_sent_answer_is_dropped() -> None:
    left, right = socket.socketpair()
    with left, right:
        held = Held(left, memory=0, budget=Budget(0), stall=0.2)
        with pytest.raises(BrokenPipeError):
            held.sendall(b"x" * 50_000_000)  # far more than the socket buffers take


# -- a real server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = {
        "REQUEST_TIMEOUT": "3",
        "MAX_CONTENT_LENGTH": "4096",
        "SEND_TIMEOUT": "2",
        "RESPONSE_BUFFER_BYTES": "65536",
        # The big queries below queue for the 2 query workers of each process: they
        # wait their turn here instead of the 503 a busy service gives after 1 s.
        "QUERY_QUEUE_TIMEOUT": "60",
    }
    with serving(FIXTURES, tmp_path_factory.mktemp("front"), settings, workers=2) as base:
        yield base


def address(base: str) -> tuple[str, int]:
    url = urllib.parse.urlsplit(base)
    return url.hostname or "", url.port or 80


def exchange(base: str, data: bytes, timeout: float = 15) -> bytes:
    """Send raw bytes, return what the server answers before it closes."""
    with socket.create_connection(address(base), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def open_slow_sockets(
    base: str, kind: str, count: int, stop: threading.Event
) -> list[socket.socket]:
    """``count`` connections that have begun a request and trickle it, every 0.5 s,
    until ``stop``; the server's REQUEST_TIMEOUT (3 s) ends them."""
    sockets = [socket.create_connection(address(base)) for _ in range(count)]
    start = {
        "headers": b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        "body": b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4000\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\nquery=",
    }[kind]
    for sock in sockets:
        sock.sendall(start)

    def trickle() -> None:
        while not stop.wait(0.5):
            for sock in sockets:
                try:
                    sock.send(b"X: 1\r\n" if kind == "headers" else b"%20")
                except OSError:
                    pass

    threading.Thread(target=trickle, daemon=True).start()
    return sockets


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["headers", "body"])
def test_two_hundred_slow_sockets_do_not_stop_other_clients(server: str, kind: str) -> None:
    stop = threading.Event()
    sockets = open_slow_sockets(server, kind, 200, stop)
    try:
        ask = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        # 8 threads in all (2 workers × 4): without the front every one of them is
        # held by a slow socket, and these wait until the sockets give up.
        for _ in range(5):
            with urllib.request.urlopen(f"{server}/health", timeout=2.5) as response:
                assert response.status == 200
            with urllib.request.urlopen(f"{server}/sparql?{ask}", timeout=2.5) as response:
                assert b"true" in response.read()
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


@pytest.mark.e2e
def test_a_request_that_does_not_arrive_in_time_is_408(server: str) -> None:
    with socket.create_connection(address(server), timeout=15) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive in time" in answer


@pytest.mark.e2e
def test_a_chunked_body_over_the_limit_is_413(server: str) -> None:
    chunk = b"1000\r\n" + b"a" * 4096 + b"\r\n"
    answer = exchange(
        server,
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + chunk * 2 + b"0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"over 4096 bytes" in answer


@pytest.mark.e2e
def test_a_chunked_query_within_the_limit_is_answered(server: str) -> None:
    body = b"query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
    answer = exchange(
        server,
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Accept: application/sparql-results+json\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"boolean":true' in answer.replace(b" ", b"")


@pytest.mark.e2e
def test_headers_over_the_limit_are_431(server: str) -> None:
    answer = exchange(
        server, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 431 ")


@pytest.mark.e2e
def test_kept_alive_and_pipelined_requests_are_all_answered(server: str) -> None:
    connection = http.client.HTTPConnection(*address(server), timeout=10)
    for _ in range(3):  # one connection, kept alive
        connection.request("GET", "/health")
        assert connection.getresponse().read().startswith(b"{")
    connection.close()
    two = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    two += b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    assert exchange(server, two).count(b"HTTP/1.1 200 ") == 2


@pytest.mark.e2e
def test_expect_continue_gets_its_interim_answer(server: str) -> None:
    body = b"query=ASK%20%7B%7D"
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert b"HTTP/1.1 200 " in answer


#: About 20 MB as SPARQL JSON over the fixture data: more than any socket buffers.
BIG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } LIMIT 20000"


def ask_big(base: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
    sock.connect(address(base))
    query = urllib.parse.quote(BIG)
    sock.sendall(
        f"GET /sparql?query={query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: application/sparql-results+json\r\nConnection: close\r\n\r\n".encode()
    )
    return sock


def status_line(sock: socket.socket, deadline: float) -> str:
    """The status line of the answer that reached ``sock`` by ``deadline`` (a
    time.monotonic() time), or "nothing" (peeked: the client still reads nothing)."""
    sock.settimeout(max(deadline - time.monotonic(), 0.01))
    try:
        return sock.recv(64, socket.MSG_PEEK).partition(b"\r\n")[0].decode()
    except TimeoutError:
        return "nothing"


@pytest.mark.e2e
def test_clients_that_do_not_read_their_answers_hold_no_thread(server: str) -> None:
    readers = [ask_big(server) for _ in range(16)]
    try:
        # Every answer is made (about 200 MB in all, on 8 threads: 2 workers x 4)
        # and begins to leave. Without the loop sending answers, each thread blocks
        # writing to the first client it serves, which never reads: 8 answers
        # never begin.
        deadline = time.monotonic() + 120
        assert [status_line(sock, deadline) for sock in readers] == 16 * ["HTTP/1.1 200 OK"]
        # No thread is held by those clients: the service answers at once, whichever
        # worker takes the request.
        for _ in range(5):
            with urllib.request.urlopen(f"{server}/health", timeout=2.5) as response:
                assert response.status == 200
    finally:
        for sock in readers:
            sock.close()


@pytest.mark.e2e
def test_a_slow_reader_gets_the_whole_answer(server: str) -> None:
    with ask_big(server) as sock:
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert len(json.loads(body)["results"]["bindings"]) == 20000
