"""The support bundle of a kiosk that has really worked (issue 17): the test residents
(𠮷, 髙, long addresses, phone numbers) finalized on it with `kiosk simulate` against the real
backend in its own process, one application quarantined by that backend, one still queued, a
receipt reprinted; a token in kiosk.toml and in the token file, a PIN hash, the receipt-signing
key. The technician runs `kiosk support bundle -o FILE.zip`; every entry opens and parses, the
figures are the kiosk's own, and no secret and no resident's string is in any byte of it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from core.sealing import generate_key_pair
from kiosk import receipt_signing
from kiosk.cli.local_backend import build_services
from kiosk.config import KioskPaths, load_settings
from kiosk.sync.token_file import write_token
from kiosk.technician import hash_pin
from tests.helpers import finalize_juminhyo

SIMULATED = 6
MY_NUMBER_OF_NO_ONE = "621498320257"  # what kiosk simulate enters on a 個人番号 page
PHONES = ["080-4321-8765", "03-3581-0011", "0120-444-989", "090-7777-1234", "06-6208-0001"]
PHONES += ["052-961-1111", "022-261-1111"]
EXPECTED_ENTRIES = {
    "README.txt",
    "versions.json",
    "doctor.json",
    "config.toml",
    "settings.json",
    "devices.json",
    "sync.json",
    "logs/kiosk.log",
}


def _kiosk(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    environ.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        env=environ | {"KIOSK_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _resident_strings(residents: list[dict]) -> set[str]:
    found = {MY_NUMBER_OF_NO_ONE}
    for resident in residents:
        found |= {resident[key] for key in ("name", "kana", "address", "birth", "phone")}
        found.add(resident["birth"].replace("-", ""))
        found |= set(resident["name"].split()) | set(resident["kana"].split())
        found |= {resident[key].replace(" ", "\u3000") for key in ("name", "kana")}
        found.add(resident["phone"].replace("-", ""))
    # Latin fragments shorter than 6 letters (AN, VAN) turn up by chance in version strings.
    return {s for s in found if len(s) >= (6 if s.isascii() else 2)}


@pytest.fixture
def worked_kiosk(live_backend, tmp_path, residents):
    """A kiosk home after a morning's work: (home, the secrets it holds, the residents' strings)."""
    home = tmp_path / "kiosk-home"
    paths = KioskPaths(home / "config", home / "data", home / "logs")
    paths.create()
    token = live_backend.token()
    pin_hash = hash_pin("24681357")
    paths.config_file.write_text(
        "# set up by hand; the old token was\n"
        f'# backend_token = "{secrets.token_urlsafe(32)}"\n'
        f'backend_url = "{live_backend.url}"\n'
        f'backend_token = "{token}"\n'
        f'technician_pin_hash = "{pin_hash}"\n'
        f'seal_public_key = "{live_backend.paths.keys / "public.pem"}"\n'
        'log_level = "DEBUG"\n'  # the most the logs ever say
        "request_timeout_s = 5\n",
        encoding="utf-8",
    )
    # Hex: no shape the scrub knows, so only the last net (this kiosk's own secrets) stops it.
    file_token = secrets.token_hex(24)
    write_token(paths.backend_token_file, file_token)
    receipt_signing.load_or_create(paths.receipt_signing_key)
    people = [dict(r, phone=phone) for r, phone in zip(residents, PHONES, strict=True)]
    residents_file = tmp_path / "residents-with-phones.json"
    residents_file.write_text(json.dumps({"residents": people}, ensure_ascii=False), "utf-8")

    simulated = _kiosk(
        home, "simulate", "residents", str(SIMULATED), "--residents", str(residents_file),
        "--seed", "17", "--procedure", "tenkyo",
    )  # fmt: skip
    assert simulated.returncode == 0, simulated.stderr
    assert "still queued for the backend: 0" in simulated.stderr
    ids = [line.split()[1] for line in simulated.stdout.splitlines()]
    assert len(ids) == SIMULATED
    # Not vacuous: the residents' strings were entered (転居届 asks name, kana, birth date,
    # addresses and phone), as the municipality sees when it opens the applications.
    strings = _resident_strings(people)
    opened = set()
    for application_id in ids:
        response = live_backend.staff_get(f"/api/v1/staff/applications/{application_id}")
        assert response.status_code == 200, response.text
        opened |= {s for s in strings if s in response.text}
    assert any(r["name"].replace(" ", "\u3000") in opened for r in people)
    assert any(r["phone"].replace("-", "") in opened for r in people)

    settings = load_settings(paths.config_file, environ={})
    # One application sealed to a key the municipality does not hold: the backend refuses it.
    wrong_key = generate_key_pair(tmp_path / "not-the-municipality")[1]
    wrong = build_services(settings.model_copy(update={"seal_public_key": wrong_key}), paths)
    try:
        finalize_juminhyo(wrong)
        assert wrong.sync.drain_once().quarantined == 1
    finally:
        wrong.close()
    # One more, still queued (not sent), and the last receipt reprinted.
    kiosk = build_services(settings, paths)
    try:
        finalize_juminhyo(kiosk)
        kiosk.reprint().result(timeout=30)
    finally:
        kiosk.close()

    # What a log line must never carry, planted where the defensive filter has to catch it.
    with (paths.log_dir / "kiosk.log").open("a", encoding="utf-8") as log:
        log.write("2026-12-05 09:00:00 INFO planted: token " + token + "\n")
        log.write("2026-12-05 09:00:00 INFO planted: file token " + file_token + "\n")
        log.write(paths.receipt_signing_key.read_text(encoding="utf-8"))
        log.write("2026-12-05 09:00:01 INFO planted: number 123456789012 and 090-1111-2222\n")
        log.write("2026-12-05 09:00:02 INFO planted: the last ordinary line\n")
    held = [token, file_token, pin_hash, *pin_hash.split("$")[-2:]]
    key_pem = paths.receipt_signing_key.read_text(encoding="utf-8")
    held += [line for line in key_pem.splitlines() if not line.startswith("-----")]
    backend_key = (live_backend.paths.keys / "private.pem").read_text(encoding="utf-8")
    held += [line for line in backend_key.splitlines() if not line.startswith("-----")]
    return home, held, strings


@pytest.mark.slow
def test_the_bundle_holds_the_kiosks_figures_and_no_secret_and_no_resident(worked_kiosk, tmp_path):
    home, held, resident_strings = worked_kiosk
    target = tmp_path / "for-support.zip"
    done = _kiosk(home, "support", "bundle", "-o", str(target), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(target)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]

    with zipfile.ZipFile(target) as bundle:
        assert bundle.testzip() is None
        entries = {name: bundle.read(name) for name in bundle.namelist()}
    assert set(entries) >= EXPECTED_ENTRIES
    assert not [n for n in entries if n.endswith((".sqlite3", ".pem", "-wal")) or "token" in n]
    parsed = {n: json.loads(data) for n, data in entries.items() if n.endswith(".json")}
    config = tomllib.loads(entries["config.toml"].decode("utf-8"))

    # The figures are the kiosk's own (kiosk sync status is the technician's other view).
    status = json.loads(_kiosk(home, "sync", "status", "--json", timeout=60).stdout)
    sync = parsed["sync.json"]
    assert sync["store"]["state"] == "ok"
    assert (sync["status"]["pending"], sync["status"]["quarantined"]) == (1, 1)
    for key in ("pending", "quarantined", "last_success", "last_acknowledged", "last_heartbeat"):
        assert sync["status"][key] == status[key], key
    assert sync["status"]["last_success"] and sync["status"]["last_acknowledged"]
    quarantined = sync["quarantined"]
    assert quarantined["count"] == 1 and quarantined["items"][0]["procedure_id"] == "juminhyo"
    assert "cannot be opened" in next(iter(quarantined["reasons"]))
    assert set(quarantined["items"][0]) == {"procedure_id", "queued_at", "attempts", "reason"}

    devices = parsed["devices.json"]
    receipts = SIMULATED + 2  # the simulated residents, the quarantined one, the queued one
    assert devices["print_outcomes"] == {"completed": receipts, "completed (reprint)": 1}
    assert len(devices["print_journal"]) == receipts + 1
    assert devices["print_journal"][0]["reprint"] is True
    assert devices["configured"]["printer"] == "sim"

    assert parsed["versions.json"]["madoguchi"] and parsed["versions.json"]["catalog"]["version"]
    doctor = {check["name"]: check for check in parsed["doctor.json"]}
    assert doctor["backend"]["status"] == "ok"  # the live backend answered the doctor
    assert config["backend_token"] == config["technician_pin_hash"] == "(removed)"
    assert config["backend_url"].startswith("http://127.0.0.1:")
    settings = {row["name"]: row for row in parsed["settings.json"]["settings"]}
    assert settings["backend_token"]["value"] == settings["technician_pin_hash"]["value"] == "(set)"
    assert (settings["log_level"]["value"], settings["log_level"]["source"]) == (
        "DEBUG",
        "kiosk.toml",
    )
    assert settings["idle_quiet_s"]["source"] == "default"

    log = entries["logs/kiosk.log"].decode("utf-8")
    assert "application_finalized" in log or "finalized as" in log  # real lines are kept
    assert "planted: the last ordinary line" in log
    assert "planted: number ************ and (phone number removed)" in log
    assert "planted: token (removed)" in log and "planted: file token (removed)" in log
    readme = entries["README.txt"].decode("utf-8")
    assert "Left out on purpose" in readme and "database: ok" in readme
    assert "logs/kiosk.log: held one of this kiosk's secrets; removed" in readme

    # Nothing secret and nothing a resident entered, in any entry, raw or decoded.
    for name, data in entries.items():
        text = data.decode("utf-8")
        assert "PRIVATE KEY" not in text and "-----BEGIN" not in text, name
        for secret in held:
            assert secret.encode() not in data and secret not in text, name
        leaks = [s for s in resident_strings if s in text or s.encode("utf-8") in data]
        assert leaks == [], name
