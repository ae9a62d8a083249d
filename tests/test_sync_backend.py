"""Kiosk → backend over real HTTP: the backend under real uvicorn, in its own process."""

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from backend.paths import BackendPaths, kiosk_token
from kiosk.app import build_services
from kiosk.config import load_settings
from kiosk.sealing import generate_key_pair
from kiosk.wire import HEALTH_PATH
from tests.helpers import finalize_juminhyo as finalize
from tests.netutil import free_port

START_DEADLINE_S = 60


class Backend:
    def __init__(self, root: Path, port: int) -> None:
        self.paths = BackendPaths(root)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kiosk",
                "backend",
                "serve",
                "--port",
                str(self.port),
                "--data",
                str(self.paths.root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        end = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < end and self.process.poll() is None:
            try:
                if requests.get(self.url + HEALTH_PATH, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"backend did not start: {self.process.stderr.read()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def received_ids(self) -> list[str]:
        with sqlite3.connect(self.paths.database) as connection:
            return [row[0] for row in connection.execute("SELECT id FROM applications")]


@pytest.fixture
def backend(tmp_path):
    server = Backend(tmp_path / "backend", free_port())
    generate_key_pair(server.paths.keys)  # the municipality's key pair exists before the kiosk
    yield server
    server.stop()


@pytest.fixture
def kiosk(backend, kiosk_paths):
    settings = load_settings(
        environ={},
        backend_url=backend.url,
        seal_public_key=backend.paths.keys / "public.pem",
        backend_token=kiosk_token(backend.paths, "kiosk-01"),
        request_timeout_s=5,
    )
    services = build_services(settings, kiosk_paths)
    yield services
    services.close()


def test_queue_waits_while_the_backend_is_down_and_drains_when_it_starts(backend, kiosk):
    applications = [finalize(kiosk, n) for n in (1, 2, 3)]
    report = kiosk.sync.drain_once()
    assert report.error and "unreachable" in report.error
    assert kiosk.store.sync_counts()["queued"] == 3

    backend.start()
    report = kiosk.sync.drain_once()
    assert (report.sent, report.duplicates, report.rejected, report.error) == (3, 0, 0, None)
    assert kiosk.store.sync_counts() == {"queued": 0, "rejected": 0}
    assert sorted(backend.received_ids()) == sorted(a.id for a in applications)
    assert kiosk.store.application(applications[0].id)["status"] == "acknowledged"


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


def test_unknown_token_is_refused_and_nothing_is_lost(backend, kiosk):
    backend.start()
    finalize(kiosk)
    kiosk.sync.settings = kiosk.sync.settings.model_copy(update={"backend_token": "forged"})
    report = kiosk.sync.drain_once()
    assert "401" in report.error
    assert kiosk.store.sync_counts()["queued"] == 1 and backend.received_ids() == []


def test_a_refused_application_is_set_aside_and_does_not_block_the_queue(backend, kiosk, tmp_path):
    backend.start()
    from kiosk.sealing import load_public_key

    good_key = kiosk._seal_key
    kiosk._seal_key = load_public_key(generate_key_pair(tmp_path / "wrong")[1])
    wrong = finalize(kiosk)  # sealed to a key the municipality does not hold
    kiosk._seal_key = good_key
    right = finalize(kiosk)
    report = kiosk.sync.drain_once()
    assert (report.sent, report.rejected) == (1, 1)
    assert backend.received_ids() == [right.id]
    assert kiosk.store.sync_counts() == {"queued": 0, "rejected": 1}
    assert "cannot be opened" in kiosk.store.last_sync_error()
    assert kiosk.store.application(wrong.id)["status"] == "finalized"


def test_backend_refuses_an_idempotency_key_that_is_not_the_application_id(backend, kiosk):
    backend.start()
    token = kiosk_token(backend.paths, "kiosk-01")
    response = requests.post(
        backend.url + "/api/v1/applications",
        timeout=10,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "other"},
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


def test_sync_status_and_now_from_the_command_line(backend, kiosk, kiosk_paths):
    finalize(kiosk)
    environment = dict(
        os.environ,
        KIOSK_HOME=str(kiosk_paths.config_dir.parent),
        KIOSK_BACKEND_URL=backend.url,
        KIOSK_BACKEND_TOKEN=kiosk_token(backend.paths, "kiosk-01"),
    )

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "sync", *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    status = json.loads(cli("status", "--json").stdout)
    assert status["queued"] == 1 and status["online"] is False
    failed = cli("now")
    assert failed.returncode == 2 and "unreachable" in failed.stderr
    backend.start()
    assert cli("now").returncode == 0
    status = json.loads(cli("status", "--json").stdout)
    assert status["queued"] == 0 and status["online"] is True and status["last_acknowledged"]
