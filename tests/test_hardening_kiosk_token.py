"""Another kiosk's token (issue 13, finding 8): the backend would reject every application one
by one, which used to quarantine the whole queue. It is an auth failure: the round stops,
every application stays queued, and `kiosk sync status` says why. Against the real backend."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from core.sealing import generate_key_pair
from kiosk.cli.local_backend import build_services
from kiosk.sync.status import sync_status
from tests.helpers import finalize_juminhyo as finalize
from tests.netutil import free_port
from tests.sync_support import Backend, kiosk_home, kiosk_settings

DEADLINE_S = 30


@pytest.fixture
def backend(tmp_path):
    server = Backend(tmp_path / "backend", free_port())
    generate_key_pair(server.paths.keys)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def wrong_kiosk(backend, kiosk_paths):
    """kiosk-01, configured by mistake with kiosk-02's (valid) token."""
    services = build_services(
        kiosk_settings(backend, backend_token=backend.token("kiosk-02")), kiosk_paths
    )
    yield services
    services.close()


def assert_all_queued_and_said_why(services, backend, count: int) -> None:
    assert services.store.sync_counts() == {"queued": count, "quarantined": 0}
    assert backend.received_ids() == []
    status = sync_status(services.store)
    assert "403" in status["last_error"] and "kiosk backend token kiosk-01" in status["last_error"]
    assert status["next_attempt"]


def test_another_kiosks_token_stops_the_round_and_quarantines_nothing(backend, wrong_kiosk):
    applications = [finalize(wrong_kiosk) for _ in range(3)]
    report = wrong_kiosk.sync.drain_once()
    assert report.needs_configuration and report.error
    assert (report.sent, report.quarantined) == (0, 0)
    assert_all_queued_and_said_why(wrong_kiosk, backend, 3)
    assert not wrong_kiosk.sync.due()  # no hammering with a token that is refused again
    again = wrong_kiosk.sync.drain_once()  # the technician's "send now": still nothing lost
    assert again.needs_configuration and wrong_kiosk.store.sync_counts()["quarantined"] == 0

    # The technician sets the right token: everything goes, once.
    wrong_kiosk.sync.settings = wrong_kiosk.sync.settings.model_copy(
        update={"backend_token": backend.token("kiosk-01")}
    )
    report = wrong_kiosk.sync.drain_once()
    assert (report.sent, report.quarantined, report.error) == (3, 0, None)
    assert sorted(backend.received_ids()) == sorted(a.id for a in applications)
    assert sync_status(wrong_kiosk.store)["last_error"] is None


def test_the_running_worker_keeps_the_queue_with_another_kiosks_token(backend, wrong_kiosk):
    finalize(wrong_kiosk)
    finalize(wrong_kiosk)
    wrong_kiosk.start_sync()
    end = time.monotonic() + DEADLINE_S
    while not sync_status(wrong_kiosk.store)["last_error"]:
        assert time.monotonic() < end, "the worker never recorded the refusal"
        time.sleep(0.05)  # polling for a condition, with a deadline
    wrong_kiosk.stop_sync()
    assert_all_queued_and_said_why(wrong_kiosk, backend, 2)
    assert "403" in sync_status(wrong_kiosk.store)["heartbeat_error"]


def test_the_command_line_send_now_keeps_the_queue_too(backend, wrong_kiosk, kiosk_paths):
    finalize(wrong_kiosk)
    environment = dict(
        os.environ,
        KIOSK_HOME=kiosk_home(kiosk_paths),
        KIOSK_BACKEND_URL=backend.url,
        KIOSK_BACKEND_TOKEN=backend.token("kiosk-02"),
        KIOSK_SEAL_PUBLIC_KEY=str(backend.paths.keys / "public.pem"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "sync", "now"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "403" in done.stderr and "Traceback" not in done.stderr
    assert "quarantined 0" in done.stdout
    assert_all_queued_and_said_why(wrong_kiosk, backend, 1)
