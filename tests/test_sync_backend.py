"""Kiosk → backend over real HTTP: the backend under real uvicorn, in its own process."""

import json
import os
import subprocess
import sys

import pytest
import requests

from core.sealing import generate_key_pair, load_public_key
from kiosk.cli.local_backend import build_services
from tests.helpers import finalize_juminhyo as finalize
from tests.netutil import free_port
from tests.sync_support import Backend, kiosk_home, kiosk_settings


@pytest.fixture
def backend(tmp_path):
    server = Backend(tmp_path / "backend", free_port())
    generate_key_pair(server.paths.keys)  # the municipality's key pair exists before the kiosk
    yield server
    server.stop()


@pytest.fixture
def kiosk(backend, kiosk_paths):
    services = build_services(kiosk_settings(backend, sync_batch=2), kiosk_paths)
    yield services
    services.close()


def test_queue_waits_while_the_backend_is_down_and_drains_in_batches_when_it_starts(backend, kiosk):
    applications = [finalize(kiosk, n) for n in (1, 2, 3, 1, 2)]
    report = kiosk.sync.drain_once()
    assert report.error and "unreachable" in report.error
    assert report.next_attempt_at is not None
    assert kiosk.store.sync_counts()["queued"] == 5

    backend.start()
    report = kiosk.sync.drain_once()  # three batches of at most two
    assert (report.sent, report.duplicates, report.quarantined, report.error) == (5, 0, 0, None)
    assert kiosk.store.sync_counts() == {"queued": 0, "quarantined": 0}
    assert sorted(backend.received_ids()) == sorted(a.id for a in applications)
    assert kiosk.store.application(applications[0].id)["status"] == "acknowledged"
    assert kiosk.store.next_attempt_at() is None
    state = kiosk.store.sync_state()
    assert state["failures"] == "0" and state["last_success"] and "last_error" not in state


def test_a_resend_after_a_lost_reply_is_a_duplicate_not_a_second_application(backend, kiosk):
    backend.start()
    application = finalize(kiosk)
    assert kiosk.sync.drain_once().sent == 1
    # The reply was lost: the kiosk still has it queued and sends it again.
    kiosk.store.db.execute(
        "INSERT INTO outbox (application_id, queued_at, attempts, state) "
        "VALUES (?, '2026-01-01', 0, 'queued')",
        [application.id],
    )
    report = kiosk.sync.drain_once()
    assert (report.sent, report.duplicates) == (0, 1)
    assert backend.received_ids() == [application.id]


def test_a_refused_token_stops_with_a_plain_message_and_nothing_is_lost(backend, kiosk):
    backend.start()
    finalize(kiosk)
    kiosk.sync.settings = kiosk.sync.settings.model_copy(update={"backend_token": "forged"})
    report = kiosk.sync.drain_once()
    assert report.needs_configuration
    assert "401" in report.error and "backend_token" in report.error
    assert "kiosk backend token" in report.error  # says where the right one comes from
    assert kiosk.store.sync_counts()["queued"] == 1 and backend.received_ids() == []
    assert not kiosk.sync.due()  # no hammering with a token that will be refused again


def test_a_refused_application_is_quarantined_requeued_and_never_blocks(backend, kiosk, tmp_path):
    backend.start()
    good_key = kiosk._seal_key
    kiosk._seal_key = load_public_key(generate_key_pair(tmp_path / "wrong")[1])
    wrong = finalize(kiosk)  # sealed to a key the municipality does not hold
    kiosk._seal_key = good_key
    right = [finalize(kiosk) for _ in range(3)]
    report = kiosk.sync.drain_once()
    assert (report.sent, report.quarantined, report.error) == (3, 1, None)
    assert sorted(backend.received_ids()) == sorted(a.id for a in right)
    assert kiosk.store.sync_counts() == {"queued": 0, "quarantined": 1}
    [item] = kiosk.quarantined()
    assert item.application_id == wrong.id and "cannot be opened" in item.reason
    assert kiosk.store.application(wrong.id)["status"] == "finalized"

    assert kiosk.requeue(wrong.id) == 1  # e.g. after the municipality restored its old key
    assert kiosk.store.sync_counts() == {"queued": 1, "quarantined": 0}
    report = kiosk.sync.drain_once()
    assert report.quarantined == 1  # the key is still wrong: back in quarantine, not lost
    assert kiosk.store.quarantined()[0].attempts == 2


def test_backend_refuses_an_idempotency_key_that_is_not_the_application_id(backend):
    backend.start()
    response = requests.post(
        backend.url + "/api/v1/applications",
        timeout=10,
        headers={"Authorization": f"Bearer {backend.token()}", "Idempotency-Key": "other"},
        json={
            "id": "6f1c0a5e-0000-4000-8000-000000000001",
            "kiosk_id": "kiosk-01",
            "reception_number": "A-001",
            "procedure_id": "juminhyo",
            "procedure_version": 1,
            "created_at": "2026-11-26T10:00:00+09:00",
            "sealed": "{}",
        },
    )
    assert response.status_code == 422
    assert backend.received_ids() == []


def cli_runner(backend, kiosk_paths):
    environment = dict(
        os.environ,
        KIOSK_HOME=kiosk_home(kiosk_paths),
        KIOSK_BACKEND_URL=backend.url,
        KIOSK_BACKEND_TOKEN=backend.token(),
        KIOSK_SEAL_PUBLIC_KEY=str(backend.paths.keys / "public.pem"),
    )

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "sync", *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return cli


STATUS_FIELDS = {
    "online",
    "pending",
    "quarantined",
    "last_success",
    "last_error",
    "next_attempt",
    "catalog_version",
    "clock_skew_s",
    "last_heartbeat",
}


def test_sync_status_and_now_from_the_command_line(backend, kiosk, kiosk_paths):
    finalize(kiosk)
    cli = cli_runner(backend, kiosk_paths)
    status = json.loads(cli("status", "--json").stdout)
    assert status.keys() >= STATUS_FIELDS
    assert status["pending"] == 1 and status["online"] is False
    failed = cli("now")
    assert failed.returncode == 2 and "unreachable" in failed.stderr
    status = json.loads(cli("status", "--json").stdout)
    assert "unreachable" in status["last_error"] and status["next_attempt"]

    backend.start()
    assert cli("now").returncode == 0  # backoff or not: the technician asked
    kiosk.sync.heartbeat()
    kiosk.sync.pull_catalog()
    status = json.loads(cli("status", "--json").stdout)
    assert status["pending"] == 0 and status["online"] is True and status["last_success"]
    assert status["last_error"] is None and status["next_attempt"] is None
    assert status["last_heartbeat"] and abs(status["clock_skew_s"]) < 60
    assert len(status["catalog_version"]) == 64
    text = cli("status")
    assert text.returncode == 0 and "clock_skew_s" in text.stdout


def test_quarantine_and_requeue_from_the_command_line(backend, kiosk, kiosk_paths, tmp_path):
    kiosk._seal_key = load_public_key(generate_key_pair(tmp_path / "wrong")[1])
    wrong = finalize(kiosk)
    backend.start()
    kiosk.sync.drain_once()
    cli = cli_runner(backend, kiosk_paths)
    [listed] = json.loads(cli("quarantine", "--json").stdout)
    assert listed["application_id"] == wrong.id and "cannot be opened" in listed["reason"]
    assert wrong.id in cli("quarantine").stdout
    assert cli("requeue", "no-such-id").returncode == 2
    assert cli("requeue").returncode == 2  # ID or --all: never a guess
    done = cli("requeue", wrong.id)
    assert done.returncode == 0 and "re-queued 1" in done.stdout
    assert json.loads(cli("status", "--json").stdout)["pending"] == 1
    kiosk.sync.drain_once()
    assert cli("requeue", "--all").stdout.startswith("re-queued 1")
