"""Enrollment end to end, every part real: `kiosk backend serve` in its own process,
`kiosk backend kiosk enroll|revoke` and `kiosk setup enroll URL CODE` as the technician runs
them, then the kiosk's own commands (simulate, sync) with the token it received."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from backend import db, enrollment
from backend.keys import load_private_key
from backend.paths import BackendPaths
from core.enrollment import grouped, normalize_code
from core.wire import ENROLL_PATH, HEALTH_PATH
from tests.netutil import free_port

START_DEADLINE_S = 60
COMMAND_TIMEOUT_S = 120
REFUSED = "この登録コードは使えません"


class BackendProcess:
    """`kiosk backend serve` with its output kept in a file (read for secrets at the end)."""

    def __init__(self, root: Path) -> None:
        self.paths = BackendPaths(root / "backend")
        self.output = root / "backend-output.txt"
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        command = [sys.executable, "-m", "kiosk", "backend", "serve", "--port", port]
        with self.output.open("w") as sink:
            self.process = subprocess.Popen(
                [*command, "--data", str(self.paths.root)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=clean_environ(),
            )
        end = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < end and self.process.poll() is None:
            try:
                if requests.get(self.url + HEALTH_PATH, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)  # polling for a condition, with a deadline
        self.stop()
        raise AssertionError(f"backend did not start: {self.output.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def kiosk(self, *words: str) -> subprocess.CompletedProcess:
        """`kiosk backend kiosk …` on this backend's data, as an administrator runs it."""
        return run("backend", "kiosk", *words, "--data", str(self.paths.root))

    def code(self, kiosk_id: str, location: str = "本庁舎1階 市民課前") -> str:
        made = self.kiosk("enroll", kiosk_id, "--location", location)
        assert made.returncode == 0, made.stderr
        return made.stdout.strip().splitlines()[-1]  # the code, alone on the last line

    def expired_code(self, kiosk_id: str) -> str:
        """A code made 24 hours and a minute ago, straight in this backend's database."""
        engine = db.connect(f"sqlite:///{self.paths.database}")
        try:
            key = enrollment.code_key(load_private_key(self.paths, create=False))
            made_yesterday = datetime.now(UTC) - timedelta(hours=24, minutes=1)
            made = enrollment.create_code(engine, key, kiosk_id, who="test", now=made_yesterday)
            return made.code
        finally:
            engine.dispose()

    def everything_it_wrote(self) -> str:
        logs = self.paths.root / "logs"
        texts = [self.output.read_text(errors="replace")]
        texts += [path.read_text(errors="replace") for path in logs.rglob("*") if path.is_file()]
        return "\n".join(texts)


def clean_environ(home: Path | None = None) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    if home is not None:
        environ["KIOSK_HOME"] = str(home)
    return environ


def run(*words: str, home: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *words],
        capture_output=True,
        text=True,
        env=clean_environ(home),
        timeout=COMMAND_TIMEOUT_S,
    )


@pytest.fixture
def backend(tmp_path):
    running = BackendProcess(tmp_path)
    running.start()
    yield running
    running.stop()


def received(backend: BackendProcess) -> dict[str, str]:
    """Application id → kiosk id, of what the backend stored."""
    engine = db.connect(f"sqlite:///{backend.paths.database}", migrate=False)
    try:
        with engine.connect() as connection:
            rows = connection.execute(db.applications.select()).mappings().all()
        return {row["id"]: row["kiosk_id"] for row in rows}
    finally:
        engine.dispose()


def simulate_one(home: Path) -> str:
    """One resident finalizes a 住民票; the application's id (the kiosk sends it at once)."""
    result = run("simulate", "residents", "1", "--procedure", "juminhyo", home=home)
    assert result.returncode == 0, result.stderr
    return re.search(r"^[A-Z]-\d{3} (\S+)$", result.stdout, re.M).group(1)


def test_a_kiosk_enrolls_from_an_empty_home_syncs_is_revoked_and_enrolls_again(backend, tmp_path):
    home = tmp_path / "kiosk-home"
    config = home / "config" / "kiosk.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# 設置: 本庁舎1階、2026-12-01 佐藤\nprinter = "sim"  # 試験用\n')
    code = backend.code("kiosk-21")
    assert re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", code)

    enrolled = run("setup", "enroll", backend.url, code, home=home)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "enrolled: kiosk kiosk-21, reception letter A, municipality sample-city" in (
        enrolled.stdout
    )
    token_file = home / "data" / "backend-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    written = config.read_text()
    assert written.startswith('# 設置: 本庁舎1階、2026-12-01 佐藤\nprinter = "sim"  # 試験用\n')
    values = tomllib.loads(written)
    assert (values["backend_url"], values["kiosk_id"], values["kiosk_letter"]) == (
        backend.url,
        "kiosk-21",
        "A",
    )
    assert re.fullmatch(r"[0-9a-f]{16}", values["seal_key_fingerprint"])
    assert "backend_token" not in values and token_file.read_text().strip() not in written

    # The kiosk's own commands use the new token: an application reaches the backend.
    first = simulate_one(home)
    assert received(backend) == {first: "kiosk-21"}

    again = run("setup", "enroll", backend.url, code, home=home)
    assert again.returncode == 2
    assert REFUSED in again.stderr and len(again.stderr.strip().splitlines()) == 1

    revoked = backend.kiosk("revoke", "kiosk-21")
    assert revoked.returncode == 0, revoked.stderr
    assert "無効にしました" in revoked.stderr
    second = simulate_one(home)  # kept in the queue: the token no longer works
    stuck = run("sync", "now", home=home)
    assert stuck.returncode == 2 and "401" in stuck.stderr
    assert "kiosk setup enroll URL CODE" in stuck.stderr  # what to do, in the refusal
    assert second not in received(backend)

    new_code = backend.code("kiosk-21")
    assert run("setup", "enroll", backend.url, new_code, home=home).returncode == 0
    drained = run("sync", "now", home=home)
    assert drained.returncode == 0, drained.stderr
    assert "still queued 0" in drained.stdout
    assert received(backend) == {first: "kiosk-21", second: "kiosk-21"}
    assert tomllib.loads(config.read_text())["kiosk_letter"] == "A"  # free again, its own

    backend.stop()
    # Nothing of any code is in what the backend or the kiosk wrote: logs, output.
    kiosk_logs = "\n".join(p.read_text() for p in (home / "logs").rglob("*") if p.is_file())
    for shown in (code, new_code):
        for form in (shown, normalize_code(shown)):
            assert form not in backend.everything_it_wrote()
            assert form not in kiosk_logs
    assert "enrolled from 127.0.0.1 with letter A" in backend.everything_it_wrote()


def test_an_expired_code_is_refused_in_plain_words(backend, tmp_path):
    expired = backend.expired_code("kiosk-22")
    home = tmp_path / "kiosk-home"
    refused = run("setup", "enroll", backend.url, grouped(expired), home=home)
    assert refused.returncode == 2
    assert REFUSED in refused.stderr and "有効期限切れ" in refused.stderr
    assert not (home / "data" / "backend-token").exists()
    assert not (home / "config" / "kiosk.toml").exists()


def test_two_kiosks_get_different_letters(backend, tmp_path):
    letters = []
    for kiosk_id in ("kiosk-31", "kiosk-32"):
        home = tmp_path / kiosk_id
        assert (
            run("setup", "enroll", backend.url, backend.code(kiosk_id), home=home).returncode == 0
        )
        letters.append(tomllib.loads((home / "config" / "kiosk.toml").read_text())["kiosk_letter"])
    assert letters == ["A", "B"]


def test_wrong_codes_from_an_address_end_in_429_and_a_plain_line(backend, tmp_path):
    good = backend.code("kiosk-41")
    for _ in range(5):
        wrong = requests.post(backend.url + ENROLL_PATH, json={"code": "WRONG-CODES"}, timeout=10)
        assert wrong.status_code == 403
    home = tmp_path / "kiosk-home"
    waited = run("setup", "enroll", backend.url, good, home=home)
    assert waited.returncode == 2
    assert "しばらく受け付けません" in waited.stderr
    assert not (home / "data" / "backend-token").exists()


def test_bad_input_exits_2_before_the_network_and_no_backend_exits_1(tmp_path):
    home = tmp_path / "kiosk-home"
    looks_alike = run("setup", "enroll", "http://127.0.0.1:9", "ABCDE-1234O", home=home)
    assert looks_alike.returncode == 2
    assert "never contains '1', 'O'" in looks_alike.stderr
    not_a_url = run("setup", "enroll", "madoguchi.example", "ABCDE-23456", home=home)
    assert not_a_url.returncode == 2 and "not a backend address" in not_a_url.stderr
    nobody = run("setup", "enroll", f"http://127.0.0.1:{free_port()}", "ABCDE-23456", home=home)
    assert nobody.returncode == 1
    assert "did not answer" in nobody.stderr and len(nobody.stderr.strip().splitlines()) == 1
    assert not (home / "config" / "kiosk.toml").exists()
