"""The backend's door (backend/limits.py, backend/server.py): token before body, body size per
route, slow bodies and headers cut off, and the memory of the real server process measured
while hundreds of megabytes are pushed at it."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.app import OPENAPI_PATH
from backend.limits import (
    ASSUMED_MAX_CHARS,
    Limits,
    RoutePolicy,
    max_length,
    max_sealed_chars,
    policies,
)
from backend.paths import BackendPaths
from backend.provisioning import issue_token
from backend.server import start_in_thread
from backend.tokens import TokenKind
from core.sealing import generate_key_pair
from core.wire import BATCH_PATH, HEALTH_PATH, HEARTBEAT_PATH, MAX_BATCH, SubmittedApplication
from tests.netutil import free_port
from tests.postgres import backend_database, postgres_server  # noqa: F401
from tests.rawhttp import (
    MiB,
    connect,
    head,
    memory,
    read_response,
    send_until_closed,
    wait_closed,
)
from tests.sync_support import Backend

REPO = Path(__file__).resolve().parents[1]
GRACE_S = 1.0  # the in-process server's body grace and header deadline (defaults: 10 s)
BATCH_LIMIT = Limits().body_limit("POST", BATCH_PATH)


# --- The real server in its own process: memory and the time to refuse --------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`kiosk backend serve` in its own process (its memory is what is measured)."""
    backend = Backend(tmp_path_factory.mktemp("served") / "backend", free_port())
    backend.start()
    try:
        yield backend
    finally:
        backend.stop()


@pytest.mark.parametrize("with_token", [False, True], ids=["no-token", "kiosk-token"])
def test_a_gigabyte_post_is_refused_at_once_and_never_read(served, with_token):
    token = served.token() if with_token else None
    before = memory(served.process.pid)
    with connect(served.port) as sock:
        started = time.monotonic()
        sock.sendall(head("POST", BATCH_PATH, token=token, length=10**9) + b"{" * 65536)
        answer = read_response(sock)
        seconds = time.monotonic() - started
        # Refused as it arrived, and closed rather than read: the rest cannot even be sent.
        pushed = send_until_closed(sock, b"x" * MiB, cap=256 * MiB)
    if with_token:
        assert answer.status == 413, answer
        assert str(BATCH_LIMIT) in json.loads(answer.body)["detail"]
    else:
        assert answer.status == 401, answer
        assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.headers["connection"] == "close"
    assert seconds < 1.0, seconds
    assert pushed < 64 * MiB  # what the sockets' buffers hold, not what was declared
    after = memory(served.process.pid)
    assert after.peak_kib - before.peak_kib < 16 * 1024, (before, after)
    growth_kib = after.peak_kib - before.peak_kib
    print(f"\n{answer.status} after {seconds * 1000:.1f} ms; peak RSS +{growth_kib} KiB")


def test_memory_stays_bounded_while_hundreds_of_megabytes_are_pushed(served):
    """Chunked bodies (no Content-Length to refuse up front) from a kiosk with a valid token:
    each is cut off at the batch limit, and the process never holds much more than that."""
    before = memory(served.process.pid)
    token = served.token()
    pushed = 0
    while pushed < 300 * MiB:
        with connect(served.port, timeout_s=30) as sock:
            sock.sendall(head("POST", BATCH_PATH, token=token, chunked=True))
            chunk = b"%x\r\n%s\r\n" % (MiB, b" " * MiB)
            sent = send_until_closed(sock, chunk, cap=BATCH_LIMIT + 128 * MiB)
            answer = read_response(sock)
        assert answer.status == 413, answer
        assert BATCH_LIMIT <= sent < BATCH_LIMIT + 64 * MiB
        pushed += sent
    after = memory(served.process.pid)
    growth_mib = (after.peak_kib - before.peak_kib) / 1024
    # The door gathers a body up to the limit and drops it when it is cut off: about the
    # limit at most (measured: +29 MiB for a 29 MiB limit), never the hundreds pushed.
    assert growth_mib < 1.5 * BATCH_LIMIT / MiB + 16, (before, after)
    print(
        f"\npushed {pushed / MiB:.0f} MiB; peak RSS {before.peak_kib / 1024:.0f} → "
        f"{after.peak_kib / 1024:.0f} MiB (+{growth_mib:.0f}); RSS now {after.rss_kib / 1024:.0f}"
    )


# --- An in-process server with short deadlines --------------------------------------------


class Door:
    def __init__(self, url: str, port: int, app, limits: Limits, tokens: dict[TokenKind, str]):
        self.url, self.port, self.app, self.limits, self.tokens = url, port, app, limits, tokens


def start_door(tmp_path: Path, database: str, **limits) -> tuple[Door, object]:
    paths = BackendPaths(tmp_path / "backend")
    generate_key_pair(paths.keys)
    tokens = {
        TokenKind.KIOSK: issue_token(database, "kiosk", "kiosk-01"),
        TokenKind.STAFF: issue_token(database, "staff", "clerk"),
    }
    chosen = Limits(**({"body_grace_s": GRACE_S, "header_timeout_s": GRACE_S} | limits))
    port = free_port()
    running = start_in_thread(paths, "127.0.0.1", port, database=database, limits=chosen)
    assert running is not None, "the backend did not start"
    door = Door(running.url, port, running.server.config.app, chosen, tokens)
    return door, running


@pytest.fixture
def door(tmp_path):
    door, running = start_door(tmp_path, f"sqlite:///{tmp_path / 'door.sqlite3'}")
    yield door
    running.stop()
    running.server.config.app.state.engine.dispose()


@pytest.fixture
def door_on_each_database(tmp_path, backend_database):  # noqa: F811
    door, running = start_door(tmp_path, backend_database)
    yield door
    running.stop()
    running.server.config.app.state.engine.dispose()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def routes(door: Door) -> list[tuple[str, str, RoutePolicy]]:
    return [
        (method, concrete(route.path), policy)
        for route, policy in policies(door.app, door.limits)
        for method in sorted(route.methods)
    ]


def exchange(door: Door, request: bytes, body: bytes = b"") -> tuple:
    with connect(door.port) as sock:
        sock.sendall(request + body)
        return read_response(sock)


def test_every_route_checks_its_token_and_size_before_reading_a_body(door_on_each_database):
    door = door_on_each_database
    found = routes(door)
    # Every operation of the API is covered (the schema itself needs a staff token).
    schema = door.app.openapi()["paths"]
    documented = {(method.upper(), path) for path, ops in schema.items() for method in ops}
    routed = {(m, r.path) for r, _ in policies(door.app, door.limits) for m in r.methods}
    assert documented <= routed
    guarded = 0
    for index, (method, path, policy) in enumerate(found):
        over = policy.body_limit + 1
        # Each route from its own address, so the failed-token budget (30 a minute per
        # address) never decides an answer here, however many routes there are.
        caller = {"X-Forwarded-For": f"10.13.{index // 250}.{index % 250 + 1}"}
        asks = {
            token: head(method, path, token=token, length=over, extra=caller)
            for token in (None, "forged", *door.tokens.values())
        }
        if policy.token is None:
            assert exchange(door, asks[None]).status == 413, path
            continue
        guarded += 1
        other = TokenKind.STAFF if policy.token is TokenKind.KIOSK else TokenKind.KIOSK
        # Declared far over the limit and never sent: each answer comes without the body.
        refused = exchange(door, asks[None])
        assert (refused.status, refused.headers["connection"]) == (401, "close"), path
        assert exchange(door, asks["forged"]).status == 401, path
        assert exchange(door, asks[door.tokens[other]]).status == 403, path
        too_big = exchange(door, asks[door.tokens[policy.token]])
        assert (too_big.status, too_big.headers["connection"]) == (413, "close"), path
    assert guarded >= 8 and (("GET", OPENAPI_PATH) in {(m, p) for m, p, _ in found})


def heartbeat_body() -> bytes:
    now = datetime.now(UTC).isoformat()
    beat = {
        "kiosk_id": "kiosk-01",
        "app_version": "0.1.0",
        "catalog_version": "abc",
        "queue_depth": 0,
        "quarantined": 0,
        "devices": {"printer": "ok"},
        "alerts": [],
        "sent_at": now,
    }
    return json.dumps(beat).encode()


def test_a_body_of_exactly_the_limit_passes_and_one_byte_more_does_not(door):
    limit = door.limits.body_limit("POST", HEARTBEAT_PATH)
    token = door.tokens[TokenKind.KIOSK]
    body = heartbeat_body()
    at_limit = body + b" " * (limit - len(body))  # trailing blanks: still the same JSON
    accepted = exchange(door, head("POST", HEARTBEAT_PATH, token=token, length=limit), at_limit)
    assert accepted.status == 200, accepted
    declared = exchange(door, head("POST", HEARTBEAT_PATH, token=token, length=limit + 1))
    assert declared.status == 413
    # Without a Content-Length the body is counted as it comes, and cut off at the limit.
    with connect(door.port) as sock:
        sock.sendall(head("POST", HEARTBEAT_PATH, token=token, chunked=True))
        chunk = b"%x\r\n%s\r\n" % (limit + 1, at_limit + b" ")
        send_until_closed(sock, chunk, cap=64 * MiB)
        answer = read_response(sock)
    assert (answer.status, answer.headers["connection"]) == (413, "close")


def test_a_body_at_one_byte_a_second_is_cut_off_after_the_grace_period(door):
    body = heartbeat_body()
    with connect(door.port) as sock:
        sock.sendall(head("POST", HEARTBEAT_PATH, token=door.tokens[TokenKind.KIOSK], length=50))
        started = time.monotonic()
        sock.settimeout(1.0)
        answer = None
        for byte in body[:50]:  # slowly, as the attacker would: one byte a second
            try:
                sock.sendall(bytes([byte]))
                answer = read_response(sock)  # waits up to 1 s for the server to give up
                break
            except TimeoutError:
                assert time.monotonic() - started < GRACE_S + 5, "never cut off"
        seconds = time.monotonic() - started
        assert answer is not None and answer.status == 408, answer
        assert answer.headers["connection"] == "close"
        wait_closed(sock, deadline_s=5)
    assert GRACE_S <= seconds < GRACE_S + 2.5, seconds


def test_slow_headers_and_idle_connections_are_closed(door):
    with connect(door.port) as idle:
        assert GRACE_S - 0.2 <= wait_closed(idle, deadline_s=GRACE_S + 5) < GRACE_S + 2.5
    with connect(door.port) as slow:
        started = time.monotonic()
        closed = False
        for byte in b"GET /api/v1/health HTTP/1.1\r\nHost: backend\r\n":
            try:
                slow.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            try:
                slow.settimeout(0.25)  # a byte every quarter second: far too slow
                if slow.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
            except ConnectionResetError:  # aborted, as the server does with a slow client
                closed = True
                break
        assert closed, "a request a byte at a time was never cut off"
        assert time.monotonic() - started < GRACE_S + 2.5
    # A prompt request on a fresh connection is served as ever, and the connection is kept.
    with connect(door.port) as prompt:
        for _ in range(2):
            prompt.sendall(head("GET", HEALTH_PATH))
            assert read_response(prompt).status == 200


def test_oversized_headers_and_too_many_connections_are_refused(tmp_path):
    door, running = start_door(tmp_path, f"sqlite:///{tmp_path / 'door.sqlite3'}", concurrency=3)
    try:
        padding = {"X-Padding": "x" * door.limits.max_header_bytes}
        whole = exchange(door, head("GET", HEALTH_PATH, extra=padding))  # one read: counted
        assert (whole.status, whole.headers["connection"]) == (431, "close")
        with connect(door.port) as sock:  # in pieces and never ending: h11 stops buffering
            sock.sendall(head("GET", HEALTH_PATH)[:-2] + b"X-Padding: ")
            for _ in range(door.limits.max_header_bytes // 4096 + 1):
                sock.sendall(b"x" * 4096)
            piecemeal = read_response(sock)
        assert (piecemeal.status, piecemeal.headers["connection"]) == (400, "close")
        # Two connections held open (three with the next one): the limit is reached, and
        # the next request is turned away at once instead of queueing behind them.
        held = [connect(door.port) for _ in range(2)]
        try:
            for sock in held:  # each has a request under way: headers sent, body awaited
                sock.sendall(head("POST", HEARTBEAT_PATH, length=10))
            assert exchange(door, head("GET", HEALTH_PATH)).status == 503
        finally:
            for sock in held:
                sock.close()
    finally:
        running.stop()
        running.server.config.app.state.engine.dispose()


def test_the_batch_limit_holds_max_batch_applications_at_every_bound():
    """The limit is derived, not guessed: MAX_BATCH applications with every field at its
    bound, every text character as its longest JSON escape, pretty-printed, fit; and the
    limit is not much more than that."""
    fields = SubmittedApplication.model_fields
    widest = {}
    for name, info in fields.items():
        if name == "sealed":  # printable ASCII JSON: a quote is the longest, as \"
            widest[name] = '"' * max_sealed_chars()
        elif info.annotation is str:
            widest[name] = "あ" * (max_length(info.metadata) or ASSUMED_MAX_CHARS)
        elif info.annotation is int:
            widest[name] = -(2**63)
        else:
            widest[name] = "2026-11-26T10:00:00.123456+09:00"
    assert set(widest) == set(fields)
    body = json.dumps({"applications": [widest] * MAX_BATCH}, indent=4).encode()
    assert len(body) <= BATCH_LIMIT < 1.1 * len(body), (len(body), BATCH_LIMIT)


def test_the_documented_limits_are_the_real_ones():
    text = (REPO / "docs" / "BACKEND.md").read_text(encoding="utf-8")
    limits = Limits()
    assert f"≈ {round(BATCH_LIMIT / MiB)} MiB" in text
    assert f"{limits.small_body // 1024} KiB" in text
    for seconds in (limits.body_grace_s, limits.header_timeout_s, limits.keep_alive_s):
        assert f"{seconds:g} s" in text
    assert f"{limits.min_body_rate // 1024} KiB/s" in text
    for rate in (limits.tokenless, limits.failed_auth):
        assert f"{rate.count} per {rate.per_s:g} s" in text
