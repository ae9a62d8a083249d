"""Per-address rate limits (backend/ratelimit.py): the token bucket itself (a fake clock,
and hypothesis over any sequence of requests), and over real HTTP the limits the backend puts
on health and on failed token checks, and the dependency the coming endpoints will use."""

from __future__ import annotations

import threading
import time

import pytest
import requests
import uvicorn
from fastapi import Depends, FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.limits import Limits
from backend.paths import BackendPaths
from backend.provisioning import issue_token
from backend.ratelimit import Rate, RateLimiter, client_key
from backend.server import start_in_thread
from core.sealing import generate_key_pair
from core.wire import CATALOG_PATH, HEALTH_PATH
from tests.netutil import free_port

TIMEOUT = 10


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_count_then_429_until_retry_after_has_passed():
    clock = Clock()
    limiter = RateLimiter(Rate(5, 60), clock=clock)
    assert all(limiter.hit("a").allowed for _ in range(5))
    refused = limiter.hit("a")
    assert not refused.allowed and refused.retry_after_s == 12  # one request per 12 s
    assert limiter.hit("b").allowed  # another address has its own budget
    clock.now += refused.retry_after_s - 1
    assert not limiter.hit("a").allowed
    clock.now += 1
    assert limiter.hit("a").allowed and not limiter.hit("a").allowed


def test_blocked_only_looks_and_hit_counts():
    clock = Clock()
    limiter = RateLimiter(Rate(2, 10), clock=clock)
    for _ in range(10):
        assert limiter.blocked("a").allowed  # looking costs nothing
    limiter.hit("a")
    limiter.hit("a")
    decision = limiter.blocked("a")
    assert not decision.allowed and decision.retry_after_s == 5


def test_the_table_is_bounded_and_forgets_the_least_recently_seen():
    clock = Clock()
    limiter = RateLimiter(Rate(1, 3600), max_keys=3, clock=clock)
    for key in "abc":
        limiter.hit(key)
    limiter.hit("a")  # a seen again: b is now the oldest
    limiter.hit("d")
    assert len(limiter) == 3
    assert limiter.hit("b").allowed  # forgotten, so a fresh budget
    assert not limiter.hit("a").allowed


def test_client_keys_count_ipv6_per_64_and_mapped_ipv4_as_ipv4():
    assert client_key(("192.0.2.7", 5000)) == "192.0.2.7"
    assert client_key(("::ffff:192.0.2.7", 5000)) == "192.0.2.7"
    same = client_key(("2001:db8:1:2:aaaa::1", 1)), client_key(("2001:db8:1:2:bbbb::9", 2))
    assert same[0] == same[1] == "2001:db8:1:2::/64"
    assert client_key(("2001:db8:1:3::1", 1)) != same[0]
    assert client_key(None) == "unknown"


events = st.lists(
    st.tuples(st.floats(min_value=0, max_value=30), st.sampled_from("abc")), max_size=200
)


@settings(max_examples=200, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=10),
    per_s=st.floats(min_value=0.5, max_value=100),
    events=events,
)
def test_no_window_lets_more_through_than_the_burst_plus_the_rate(count, per_s, events):
    clock = Clock()
    limiter = RateLimiter(Rate(count, per_s), clock=clock)
    allowed: dict[str, list[float]] = {}
    for delay, key in events:
        clock.now += delay
        decision = limiter.hit(key)
        if decision.allowed:
            allowed.setdefault(key, []).append(clock.now)
        else:
            assert decision.retry_after_s >= 1
    for times in allowed.values():
        for i, start in enumerate(times):
            for j in range(i, len(times)):
                window = times[j] - start
                assert j - i + 1 <= count + window * count / per_s + 1e-6


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 10), per_s=st.floats(0.5, 100), hits=st.integers(1, 30))
def test_retry_after_is_honest(count, per_s, hits):
    clock = Clock()
    limiter = RateLimiter(Rate(count, per_s), clock=clock)
    decisions = [limiter.hit("a") for _ in range(hits)]
    refused = [d for d in decisions if not d.allowed]
    if refused:
        clock.now += refused[-1].retry_after_s
        assert limiter.hit("a").allowed


# --- Over real HTTP ------------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path):
    """The backend with small budgets: 5 tokenless requests and 3 failed token checks a minute
    per address. Its clients are on loopback, which uvicorn trusts to say X-Forwarded-For."""
    paths = BackendPaths(tmp_path / "backend")
    generate_key_pair(paths.keys)
    token = issue_token(paths, "kiosk", "kiosk-01")
    limits = Limits(tokenless=Rate(5, 60), failed_auth=Rate(3, 60))
    port = free_port()
    running = start_in_thread(paths, "127.0.0.1", port, limits=limits)
    assert running is not None
    yield running.url, token
    running.stop()
    running.server.config.app.state.engine.dispose()


def get(url: str, path: str, address: str, token: str | None = None) -> requests.Response:
    headers = {"X-Forwarded-For": address}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(url + path, headers=headers, timeout=TIMEOUT)


def test_health_is_limited_per_address_with_429_and_retry_after(limited):
    url, _ = limited
    assert [get(url, HEALTH_PATH, "198.51.100.1").status_code for _ in range(5)] == [200] * 5
    refused = get(url, HEALTH_PATH, "198.51.100.1")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 12  # 5 a minute: the next in 12 s
    assert "too many requests without a token" in refused.json()["detail"]
    assert get(url, HEALTH_PATH, "198.51.100.2").status_code == 200


def test_failed_token_checks_are_limited_and_then_no_token_is_even_tried(limited):
    url, token = limited
    guesser = "203.0.113.9"
    assert [get(url, CATALOG_PATH, guesser, "guess").status_code for _ in range(3)] == [401] * 3
    # Spent: refused before the token is looked up, so even the right one does not get in
    # (a guesser learns nothing from the answer)...
    blocked = get(url, CATALOG_PATH, guesser, token)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == 20
    assert get(url, CATALOG_PATH, guesser).status_code == 429
    # ...while kiosks elsewhere, and requests that need no token, go on.
    assert get(url, CATALOG_PATH, "203.0.113.10", token).status_code == 200
    assert get(url, HEALTH_PATH, guesser).status_code == 200
    # A valid token is no failure: it never spends the budget.
    assert all(get(url, CATALOG_PATH, "203.0.113.11", token).ok for _ in range(10))


def test_the_dependency_limits_a_route_of_its_own():
    """How the coming staff login, phone form and enrollment codes take their own budget."""
    limiter = RateLimiter(Rate(2, 60), "login attempts")
    app = FastAPI()

    @app.post("/login", dependencies=[Depends(limiter.dependency)])
    def login() -> dict:
        return {"ok": True}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    end = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < end, "did not start"
        time.sleep(0.05)  # polling for the server's started flag, with a deadline
    try:
        url = f"http://127.0.0.1:{port}/login"
        answers = [requests.post(url, timeout=TIMEOUT) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[2].headers["Retry-After"] == "30"
        assert "too many login attempts" in answers[2].json()["detail"]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
