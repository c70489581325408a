"""Per-client limits: a token bucket per client address, and the queries one client
may have running at once."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import MakeApp
from flask import Flask
from werkzeug.test import EnvironBuilder, TestResponse, run_wsgi_app

from healthtech_lod.limits import ClientSlots, RateLimiter


def test_a_burst_up_to_the_rate_then_a_wait() -> None:
    limiter = RateLimiter(rate=3, period=60)
    assert [limiter.take("a", now=0) for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a", now=0) == 20  # one token comes back every 20 s
    assert limiter.take("b", now=0) == 0, "each client has its own bucket"


def test_tokens_come_back_with_time() -> None:
    limiter = RateLimiter(rate=2, period=60)
    limiter.take("a", now=0)
    limiter.take("a", now=0)
    assert limiter.take("a", now=15) == 15
    assert limiter.take("a", now=30) == 0
    assert limiter.take("a", now=1000) == 0 and limiter.buckets["a"].tokens == 1, "capped"


def test_idle_clients_are_forgotten() -> None:
    limiter = RateLimiter(rate=1, period=1)
    for client in range(2000):
        limiter.take(str(client), now=0)
    limiter.take("late", now=10)
    assert len(limiter.buckets) < 1100


def test_beyond_the_limit_is_429_with_retry_after(make_app: MakeApp) -> None:
    client = make_app(RATE_LIMIT=2).test_client()
    statuses = [client.get("/sparql", query_string={"query": f"ASK {{}} # {i}"}) for i in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    again = client.get("/sparql", query_string={"query": "ASK {} # 0"})
    assert again.status_code == 429, "an answer from the cache is not a way around the limit"
    refused = statuses[-1]
    # One request comes back every 30 s; the time the first two took is already spent.
    assert 0 < int(refused.headers["Retry-After"]) <= 30
    assert "more than 2 sparql queries in a minute" in refused.text
    other = client.get(
        "/sparql", query_string={"query": "ASK {}"}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    assert other.status_code == 200, "another client is not limited"
    assert client.get("/doc/voicemed").status_code == 200, "pages are not limited"


def test_zero_turns_the_limit_off(make_app: MakeApp) -> None:
    client = make_app(RATE_LIMIT=0).test_client()
    statuses = {
        client.get("/sparql", query_string={"query": "ASK {}"}).status_code for _ in range(5)
    }
    assert statuses == {200}


def test_a_cached_answer_costs_a_token_too(make_app: MakeApp) -> None:
    client = make_app(RATE_LIMIT=3).test_client()
    query = {"query": "ASK { ?s ?p ?o }"}
    statuses = [client.get("/sparql", query_string=query).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429], "one run, two answers from the cache, then none"


def test_slots_per_key() -> None:
    slots = ClientSlots(limit=2)
    assert [slots.acquire("a"), slots.acquire("a"), slots.acquire("a")] == [True, True, False]
    assert slots.acquire("b"), "each client has its own slots"
    slots.release("a")
    assert slots.acquire("a")
    for key in ("a", "a", "b"):
        slots.release(key)
    assert slots.held == {}, "a client with nothing running is forgotten"


#: Four patterns sharing no variable: far more rows than any limit, so it runs until killed.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def test_one_client_cannot_hold_every_query_worker(make_app: MakeApp) -> None:
    """With MAX_QUERIES_PER_CLIENT=1, a client whose runaway query is running gets 429 for
    the next one while a query worker is still free, and another client is answered. The
    client is its address as ProxyFix gives it behind TRUSTED_PROXIES, as for RATE_LIMIT."""
    app = make_app(MAX_QUERIES_PER_CLIENT=1, QUERY_WORKERS=2, TRUSTED_PROXIES=1)
    executor = app.extensions["healthtech_lod.executor"]

    def ask(address: str, query: str, **params: str) -> TestResponse:
        headers = {"X-Forwarded-For": address, "Accept": "text/csv"}
        return app.test_client().get(
            "/sparql", query_string={"query": query, **params}, headers=headers
        )

    assert ask("192.0.2.1", "ASK {}").status_code == 200  # the query workers are up
    answers: dict[str, TestResponse] = {}
    runaway = threading.Thread(
        target=lambda: answers.update(runaway=ask("192.0.2.1", RUNAWAY, timeout="1"))
    )
    runaway.start()
    for _ in range(3000):  # until the runaway holds a query worker
        if executor.busy:
            break
        time.sleep(0.001)
    refused = ask("192.0.2.1", "ASK { ?s ?p ?o } # the same client")
    other = ask("192.0.2.2", "ASK { ?s ?p ?o } # another client")
    held = executor.busy
    runaway.join()
    assert held == 1, "the runaway was still running: one query worker was free"
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    assert "already has 1 SPARQL query running" in refused.text
    assert (other.status_code, other.text.strip()) == (200, "true")
    assert answers["runaway"].status_code == 503, "stopped at its time limit"
    again = ask("192.0.2.1", "ASK { ?s ?p ?o } # the same client, once its query is done")
    assert again.status_code == 200, "the slot was given back"


def test_zero_turns_the_per_client_cap_off(make_app: MakeApp) -> None:
    app = make_app(MAX_QUERIES_PER_CLIENT=0)
    assert app.extensions["healthtech_lod.limits.slots"] is None
    assert app.test_client().get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


# --- the body limit, whatever the framing ------------------------------------------------

#: 65 536 bytes exactly (MAX_CONTENT_LENGTH), in 16 402 characters (under
#: MAX_QUERY_LENGTH): a query that still parses wherever it is cut.
AT_THE_LIMIT = ("ASK { FILTER(true) } #ab" + "\U0001d11e" * 16_378).encode()


def post_chunked(app: Flask, body: bytes, content_type: str) -> tuple[str, bytes]:
    """POST ``body`` as a server hands on a chunked request: no Content-Length, the
    stream ended by the server (``wsgi.input_terminated``)."""
    environ = EnvironBuilder(
        path="/sparql", method="POST", data=body, content_type=content_type
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["HTTP_ACCEPT"] = "text/csv"
    answer, status, _ = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    return status, b"".join(answer)


@pytest.fixture(scope="module")
def body_app(make_app: MakeApp) -> Flask:
    return make_app()


def test_a_chunked_body_at_the_limit_is_read_whole(body_app: Flask) -> None:
    assert len(AT_THE_LIMIT) == body_app.config["MAX_CONTENT_LENGTH"] == 65_536
    status, body = post_chunked(body_app, AT_THE_LIMIT, "application/sparql-query")
    assert (status, body.strip()) == ("200 OK", b"true")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (AT_THE_LIMIT + b"!", "application/sparql-query"),
        (b"query=ASK%20%7B%7D&padding=" + b"x" * 70_000, "application/x-www-form-urlencoded"),
    ],
    ids=["query", "form"],
)
def test_a_chunked_body_past_the_limit_is_413_and_never_runs_cut(
    body_app: Flask, body: bytes, content_type: str
) -> None:
    """Werkzeug read such a body up to MAX_CONTENT_LENGTH and dropped the rest without a
    word: the first 65 536 bytes ran as the query."""
    status, answer = post_chunked(body_app, body, content_type)
    assert status.startswith("413"), answer
    assert b"over 65536 bytes (MAX_CONTENT_LENGTH)" in answer
