"""Crafted catalogs (issue 13, finding 5): whatever a backend sends as a catalog, and whatever a
catalog folder holds, ends as a recorded catalog problem, with backoff, while the last good
catalog stays in use. Never an exception in the sync worker, never a stopped kiosk; and the
heartbeat, the worker's other part, never raises either."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.catalog_bundle import build, shipped_catalog
from core.catalog import CatalogError, Category, Procedure
from core.catalog_files import load_with_last_good, read_model
from core.municipality import Municipality
from core.wire import CATALOG_PATH, HEARTBEAT_PATH
from kiosk.config import load_settings
from kiosk.events import EventBus
from kiosk.store import KioskStore
from kiosk.sync.backoff import BackoffPolicy
from kiosk.sync.catalog_pull import VERSIONS_FOLDER
from kiosk.sync.status import sync_status
from kiosk.sync.worker import CATALOG_RETRY_MIN_S, SyncClient, SyncWorker
from tests.test_sync_catalog_heartbeat import copy_catalog

DEADLINE_S = 30
DEEP = 2000  # far past the recursion limit of a recursive parser
GOOD = build(shipped_catalog())
# Not a valid file of any catalog folder: every model forbids unknown keys.
NOT_A_CATALOG_FILE = 'not_a_setting = "x"\n'


def deep_toml(depth: int = DEEP) -> str:
    return "a = " + "[" * depth + "]" * depth + "\n"


class FakeCatalogBackend(BaseHTTPRequestHandler):
    """Serves whatever bundle the test sets (the real backend only ever serves clean names),
    answers heartbeats, and counts requests per path."""

    def do_GET(self):
        self.server.count(self.path)
        body = self.server.bundle
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.count(self.path)
        body = json.dumps({"server_time": self.server.server_time()}).encode()
        self.send_response(200 if self.path == HEARTBEAT_PATH else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class FakeServer(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeCatalogBackend)
        self.requests: dict[str, int] = {}
        self.server_time = lambda: datetime.now().astimezone().isoformat()
        self._lock = threading.Lock()
        self.serve(GOOD.files)

    def count(self, path: str) -> None:
        with self._lock:
            self.requests[path] = self.requests.get(path, 0) + 1

    def serve(self, files: dict[str, str], version: str = "crafted") -> None:
        self.bundle = json.dumps({"version": version, "files": files}).encode()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def fake_backend():
    server = FakeServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(fake_backend, kiosk_paths):
    configured = load_settings(
        environ={}, backend_url=fake_backend.url, backend_token="t", request_timeout_s=5
    )
    store = KioskStore(kiosk_paths.database)
    sync = SyncClient(
        configured,
        store,
        EventBus(),
        paths=kiosk_paths,
        backoff=BackoffPolicy(rng=random.Random(1)),
    )
    yield sync
    store.close()


def wait_for(condition, what: str):
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.02)  # polling for a condition, with a deadline
    raise AssertionError(f"timed out waiting for {what}")


CRAFTED_NAMES = [
    "procedures/juminhyo.toml/inner.toml",  # a file name that is also a folder
    "procedures/nul\x00.toml",
    "procedures/" + "a" * 300 + ".toml",
    "../outside.toml",
    "/etc/outside.toml",
    "procedures/../../outside.toml",
    "procedures/sub/deeper.toml",
    "procedures/",
    "",
    "procedures/line\n.toml",
    "procedures/esc\x1b[2J.toml",
    "i18n/ui.toml",
    "procedures/.hidden.toml",
]


def assert_refused_and_last_good_kept(client, kiosk_paths, in_place: Path, what: str) -> None:
    status = sync_status(client.store)
    assert status["catalog_error"], what
    assert status["catalog_version"] == GOOD.version
    assert kiosk_paths.pulled_catalog.resolve() == in_place
    assert sorted((kiosk_paths.data_dir / VERSIONS_FOLDER).iterdir()) == [in_place]
    assert not (kiosk_paths.data_dir.parent / "outside.toml").exists()


@pytest.mark.parametrize("name", CRAFTED_NAMES)
def test_a_crafted_file_name_is_a_recorded_error_and_the_last_good_catalog_stays(
    fake_backend, client, kiosk_paths, name
):
    fake_backend.serve(GOOD.files, GOOD.version)
    assert client.pull_catalog().changed
    in_place = kiosk_paths.pulled_catalog.resolve()
    crafted = dict(GOOD.files)
    crafted[name] = NOT_A_CATALOG_FILE
    fake_backend.serve(crafted)
    outcome = client.pull_catalog()
    assert not outcome.changed and outcome.error and outcome.version == GOOD.version
    assert_refused_and_last_good_kept(client, kiosk_paths, in_place, repr(name))
    assert "\x00" not in outcome.error and "\x1b" not in outcome.error  # shown as escapes


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.one_of(
        st.text(max_size=400),
        st.builds(
            "/".join,
            st.lists(
                st.sampled_from(["procedures", "a.toml", "..", "", "\x00", "x" * 260]),
                min_size=1,
                max_size=4,
            ),
        ),
    ),
    version=st.one_of(st.just("v1"), st.text(max_size=300)),
)
def test_no_bundle_name_or_version_makes_a_pull_raise(
    fake_backend, client, kiosk_paths, name, version
):
    if not kiosk_paths.pulled_catalog.is_symlink():
        fake_backend.serve(GOOD.files, GOOD.version)
        assert client.pull_catalog().changed
    in_place = kiosk_paths.pulled_catalog.resolve()
    fake_backend.serve({**GOOD.files, name: NOT_A_CATALOG_FILE}, version)
    outcome = client.pull_catalog()  # never raises
    assert outcome.error and not outcome.changed
    assert_refused_and_last_good_kept(client, kiosk_paths, in_place, repr(name))


def test_a_failure_on_the_kiosk_side_of_a_pull_is_recorded_not_raised(
    fake_backend, client, kiosk_paths
):
    (kiosk_paths.data_dir / VERSIONS_FOLDER).write_text("a file where a folder belongs")
    outcome = client.pull_catalog()
    assert outcome.error and "catalog pull failed" in outcome.error
    assert sync_status(client.store)["catalog_error"] == outcome.error


def test_a_deeply_nested_toml_from_the_real_backend_is_refused_with_backoff(tmp_path, kiosk_paths):
    from core.sealing import generate_key_pair
    from kiosk.cli.local_backend import build_services
    from tests.netutil import free_port
    from tests.sync_support import Backend, kiosk_settings

    served = copy_catalog(tmp_path / "served")
    server = Backend(tmp_path / "backend", free_port(), catalog=served)
    generate_key_pair(server.paths.keys)
    server.start()
    services = build_services(kiosk_settings(server), kiosk_paths)
    try:
        good = services.sync.pull_catalog()
        assert good.changed
        (served / "procedures" / "deep.toml").write_text(deep_toml(), encoding="utf-8")
        before = datetime.now().astimezone()
        refused = services.sync.pull_catalog()
        assert not refused.changed and "nested too deeply" in refused.error
        status = sync_status(services.store)
        assert "deep.toml" in status["catalog_error"]
        assert status["catalog_version"] == good.version
        # The next pull is set on failure too, and not for the next round.
        next_pull = datetime.fromisoformat(status["catalog_next_pull"])
        assert next_pull >= before + timedelta(seconds=CATALOG_RETRY_MIN_S)
    finally:
        services.close()
        server.stop()


def test_the_worker_does_not_pull_a_refused_catalog_every_round(fake_backend, client):
    fake_backend.serve({**GOOD.files, "procedures/deep.toml": deep_toml()})
    worker = SyncWorker(client, interval_s=0.01, heartbeat_interval_s=0.01)
    worker.start()
    try:
        wait_for(lambda: sync_status(client.store)["catalog_error"], "the catalog error")
        # Every round sends a heartbeat: thirty of them are thirty rounds.
        wait_for(lambda: fake_backend.requests.get(HEARTBEAT_PATH, 0) >= 30, "30 rounds")
    finally:
        worker.stop()
    assert fake_backend.requests[CATALOG_PATH] == 1
    assert "nested too deeply" in sync_status(client.store)["catalog_error"]


# -- the heartbeat ---------------------------------------------------------------------------

JST = timezone(timedelta(hours=9))


def test_an_alert_the_wire_refuses_does_not_hold_back_the_others(client):
    client.store.record_alert("staff_call", "home", datetime.now(JST))
    client.store.record_alert("staff_call", "menu", datetime(1, 1, 1, tzinfo=JST))  # bad clock
    client.store.record_alert("NOT A KIND", "x", datetime.now(JST))
    client.store.record_alert("printer_paper_out", "\x1b[2J" * 300, datetime.now(JST))
    assert client.heartbeat() is None
    assert client.store.pending_alerts(100) == []  # three delivered, one dropped as unsendable
    assert sync_status(client.store)["heartbeat_error"] is None


def test_a_reply_without_a_usable_time_is_still_an_acknowledgement(client, fake_backend):
    client.store.record_alert("staff_call", "home", datetime.now(JST))
    fake_backend.server_time = lambda: "2026-11-26T10:00:00"  # no time zone
    assert client.heartbeat() is None
    status = sync_status(client.store)
    assert status["last_heartbeat"] and status["clock_skew_s"] is None
    assert client.store.pending_alerts(100) == []


# -- the catalog on the kiosk's own disk ------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda opener, depth, tail: "a = " + opener * depth + tail,
            st.sampled_from(["[", "{b = ", "[{c = "]),
            st.integers(1, 3000),
            st.sampled_from(["", "1", "]" * 3000, "}" * 3000]),
        ),
    ),
    model=st.sampled_from([Procedure, Category, Municipality]),
)
def test_reading_any_file_gives_a_model_or_catalog_error_never_another_exception(
    tmp_path_factory, text, model
):
    path = tmp_path_factory.mktemp("file") / "x.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        read_model(model, path, "procedures/x.toml")
    except CatalogError as error:
        assert error.problems and all(p.startswith("procedures/x.toml") for p in error.problems)


def test_a_bad_local_catalog_falls_back_to_the_last_good_one(tmp_path):
    folder = copy_catalog(tmp_path / "mine")
    snapshot = tmp_path / "data" / "catalog-last-good.json"
    good = load_with_last_good("sample-city", snapshot, folder)
    assert not good.from_snapshot and snapshot.is_file()
    (folder / "procedures" / "deep.toml").write_text(deep_toml(), encoding="utf-8")
    (folder / "categories" / "folder.toml").mkdir()  # a folder where a file is expected
    loaded = load_with_last_good("sample-city", snapshot, folder)
    assert loaded.from_snapshot
    assert loaded.catalog.content_version == good.catalog.content_version
    assert any("deep.toml" in p and "nested too deeply" in p for p in loaded.problems)
    assert any("folder.toml" in p and "cannot be read" in p for p in loaded.problems)

    snapshot.write_text("{ damaged", encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_with_last_good("sample-city", snapshot, folder)
    assert "last good catalog cannot be read" in caught.value.problems[-1]


def test_a_snapshot_that_cannot_be_written_does_not_stop_the_kiosk(tmp_path):
    folder = copy_catalog(tmp_path / "mine")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the data folder belongs")
    loaded = load_with_last_good("sample-city", blocked / "catalog-last-good.json", folder)
    assert not loaded.from_snapshot and loaded.catalog.procedures()


def simulate(home: Path, public_key: Path, catalog_dir: Path) -> subprocess.CompletedProcess:
    environ = {
        "KIOSK_HOME": str(home),
        "KIOSK_SEAL_PUBLIC_KEY": str(public_key),
        "KIOSK_CATALOG_DIR": str(catalog_dir),
        "KIOSK_PRINTER": "sim",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "simulate", "residents", "2", "--no-sync"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_kiosk_simulate_runs_on_the_last_good_catalog_when_catalog_dir_turns_bad(
    tmp_path, key_pair
):
    folder = copy_catalog(tmp_path / "mine")
    home = tmp_path / "home"
    first = simulate(home, key_pair[1], folder)
    assert first.returncode == 0, first.stderr
    (folder / "procedures" / "deep.toml").write_text(deep_toml(), encoding="utf-8")
    second = simulate(home, key_pair[1], folder)
    assert second.returncode == 0, second.stderr
    assert len(second.stdout.splitlines()) == 2 and "Traceback" not in second.stderr
    log = (home / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "using the last good catalog" in log

    fresh = simulate(tmp_path / "fresh-home", key_pair[1], folder)  # no good catalog ever
    assert fresh.returncode == 2 and "Traceback" not in fresh.stderr
    assert "deep.toml" in fresh.stderr and "nested too deeply" in fresh.stderr
