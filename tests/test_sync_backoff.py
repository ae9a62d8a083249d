"""Backoff: exponential with full jitter, Retry-After as a minimum, reset on success; and the
whole-request failures that leave the queue as it is (a tiny local HTTP server plays the
unwell backend)."""

import random
import threading
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.wire import HEARTBEAT_PATH
from kiosk.config import load_settings
from kiosk.events import EventBus
from kiosk.store import KioskStore
from kiosk.sync.backoff import BackoffPolicy, parse_retry_after
from kiosk.sync.worker import SyncClient

NOW = datetime(2026, 11, 26, 10, 0).astimezone()


def test_delays_grow_exponentially_with_full_jitter_up_to_the_cap():
    policy = BackoffPolicy(base_s=2, cap_s=60, rng=random.Random(7))
    ceilings = [2, 4, 8, 16, 32, 60, 60]
    for failures, ceiling in enumerate(ceilings, start=1):
        delays = [policy.delay(failures) for _ in range(400)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert max(delays) > ceiling * 0.9 and min(delays) < ceiling * 0.1  # full jitter
    assert BackoffPolicy(rng=random.Random(1)).delay(10_000) <= 300  # no overflow


def test_the_same_seed_gives_the_same_delays():
    first = BackoffPolicy(rng=random.Random(42))
    second = BackoffPolicy(rng=random.Random(42))
    assert [first.delay(n) for n in range(1, 8)] == [second.delay(n) for n in range(1, 8)]


def test_retry_after_is_a_minimum():
    policy = BackoffPolicy(base_s=2, cap_s=60, rng=random.Random(3))
    assert all(policy.delay(1, retry_after_s=30) >= 30 for _ in range(50))
    assert policy.delay(1, retry_after_s=600) == 600  # the server knows best, even past the cap


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2", 2.0),
        (" 120 ", 120.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=False), 90.0),
        (format_datetime(NOW - timedelta(seconds=90), usegmt=False), 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(header, seconds):
    assert parse_retry_after(header, NOW) == seconds


class Unwell(BaseHTTPRequestHandler):
    """Answers every request with the class's canned reply."""

    status = 503
    headers_out: tuple[tuple[str, str], ...] = ()
    body = b'{"detail": "maintenance"}'
    cut_short = False

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == HEARTBEAT_PATH:  # the token check before a first batch
            self.server.heartbeats += 1
        else:
            self.server.requests += 1
        self.server.verify = self.headers.get("Authorization")
        self.send_response(self.status)
        for name, value in self.headers_out:
            self.send_header(name, value)
        length = len(self.body) + (100 if self.cut_short else 0)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(self.body)
        if self.cut_short:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def unwell_backend():
    servers = []

    def start(**reply):
        handler = type("Reply", (Unwell,), reply)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.requests = server.heartbeats = 0
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def client_for(server, tmp_path, seed=1):
    settings = load_settings(
        environ={},
        backend_url=f"http://127.0.0.1:{server.server_address[1]}",
        backend_token="t",
        request_timeout_s=2,
    )
    store = KioskStore(tmp_path / "k.sqlite3")
    for _ in range(3):
        store.finalize(
            procedure_id="juminhyo",
            procedure_version=1,
            letter="A",
            seal=lambda app_id: b'{"v": 1}',
            practice=False,
        )
    return SyncClient(settings, store, EventBus(), backoff=BackoffPolicy(rng=random.Random(seed)))


def test_503_with_retry_after_sets_the_next_attempt_and_keeps_the_queue(unwell_backend, tmp_path):
    server = unwell_backend(status=503, headers_out=(("Retry-After", "2"),))
    client = client_for(server, tmp_path)
    before = datetime.now().astimezone()
    report = client.drain_once()
    assert "503" in report.error and "maintenance" in report.error
    assert report.next_attempt_at >= before + timedelta(seconds=2)
    assert client.store.next_attempt_at() == report.next_attempt_at
    assert not client.due()
    assert client.store.sync_counts() == {"queued": 3, "quarantined": 0}
    assert server.requests == 1  # one batch; the round stops at the first failure
    assert server.heartbeats == 1  # asked once whether the token is this kiosk's: no answer


@pytest.mark.parametrize(
    "reply",
    [
        {"status": 500},
        {"status": 429},
        {"status": 200, "body": b'{"results": [], "server_ti'},  # invalid JSON
        {"status": 200, "body": b'{"results": []', "cut_short": True},  # truncated
        {"status": 200, "body": b'{"results": [], "server_time": "2026-11-26T10:00:00Z"}'},
    ],
    ids=["500", "429", "invalid-json", "truncated", "ids-missing"],
)
def test_whole_request_failures_leave_everything_queued(unwell_backend, tmp_path, reply):
    client = client_for(unwell_backend(**reply), tmp_path)
    report = client.drain_once()
    assert report.error and report.next_attempt_at is not None
    assert client.store.sync_counts() == {"queued": 3, "quarantined": 0}
    assert all(row["status"] == "finalized" for row in client.store.queued_for_sync(10))


def test_failures_in_a_row_grow_the_ceiling(unwell_backend, tmp_path):
    server = unwell_backend(status=503)
    client = client_for(server, tmp_path, seed=5)
    expected = BackoffPolicy(rng=random.Random(5))
    for failures in range(1, 5):
        started = datetime.now().astimezone()
        report = client.drain_once()
        waited = (report.next_attempt_at - started).total_seconds()
        assert waited == pytest.approx(expected.delay(failures), abs=0.5)
        assert client.store.sync_state()["failures"] == str(failures)
    # (a success resetting it is checked against the real backend in test_sync_backend)


def test_tls_is_always_verified_with_the_configured_ca_bundle(tmp_path):
    calls = []

    class Session:
        def request(self, method, url, **options):
            calls.append(options)
            raise OSError("stop here")

    bundle = tmp_path / "ca.pem"
    for ca_bundle, expected in ((None, True), (bundle, str(bundle))):
        settings = load_settings(
            environ={}, backend_url="https://city.example", backend_token="t", ca_bundle=ca_bundle
        )
        store = KioskStore(tmp_path / f"{expected is True}.sqlite3")
        store.finalize(
            procedure_id="p", procedure_version=1, letter="A", seal=lambda i: b"{}", practice=False
        )
        SyncClient(settings, store, EventBus(), http=Session()).drain_once()
        assert calls[-1]["verify"] == expected and calls[-1]["timeout"] == 5.0
