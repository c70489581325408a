"""The per-client rate limit: a token bucket per client address."""

from __future__ import annotations

from conftest import MakeApp

from healthtech_lod.limits import RateLimiter


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
    assert again.status_code == 200, "an answer from the cache runs nothing and costs nothing"
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
