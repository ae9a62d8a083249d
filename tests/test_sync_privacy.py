"""Privacy at rest: after the test residents (𠮷, 髙, long addresses …) finalize on a kiosk and
sync, no byte of the kiosk's database, its WAL, the kiosk's logs, the backend's database or the
backend's logs holds a name, reading, address or birth date. The staff API, with the
municipality's private key, still opens every application: the data is there, only sealed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RESIDENTS
from tests.sync_support import kiosk_environment

APPLICATIONS = 40
SIMULATE = [sys.executable, "-m", "kiosk", "simulate", "residents"]


def _secrets(residents: list[dict]) -> set[str]:
    found = set()
    for resident in residents:
        found |= {resident["name"], resident["kana"], resident["address"], resident["birth"]}
        found.add(resident["birth"].replace("-", ""))
        found |= set(resident["name"].split())  # family and given names on their own
        # as stored after validation: names and readings with an ideographic space
        found |= {resident[key].replace(" ", "\u3000") for key in ("name", "kana")}
    # Latin fragments shorter than 6 letters (AN, VAN) turn up by chance in base64 ciphertext.
    return {s for s in found if len(s) >= (6 if s.isascii() else 2)}


def _files(*folders: Path) -> list[Path]:
    return [
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and "keys" not in path.parts and path.suffix != ".png"
    ]


@pytest.mark.slow
def test_no_personal_data_at_rest_on_the_kiosk_or_the_backend(live_backend, tmp_path, residents):
    home = tmp_path / "kiosk-home"
    # DEBUG: the most the logs ever say
    environ = kiosk_environment(live_backend, home, log_level="DEBUG")
    simulated = subprocess.run(
        [*SIMULATE, str(APPLICATIONS), "--residents", str(RESIDENTS), "--seed", "5"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert simulated.returncode == 0, simulated.stderr
    assert "still queued for the backend: 0" in simulated.stderr
    ids = [line.split()[1] for line in simulated.stdout.splitlines()]
    assert len(ids) == APPLICATIONS

    files = _files(home, live_backend.paths.root)
    names = {path.name for path in files}
    assert {"kiosk.sqlite3", "backend.sqlite3"} <= names  # the scan covers the databases
    assert any(path.suffix == ".log" for path in files)  # and the logs
    secrets = _secrets(residents)
    leaks = []
    for path in files:
        content = path.read_bytes()
        leaks += [(path.name, s) for s in secrets if s.encode("utf-8") in content]
    assert leaks == []

    # Not vacuous: the municipality, with its private key, reads the residents' names.
    opened = set()
    for application_id in ids:
        response = live_backend.staff_get(f"/api/v1/staff/applications/{application_id}")
        assert response.status_code == 200, response.text
        opened |= {s for s in secrets if s in response.text}
    assert any(resident["name"].replace(" ", "\u3000") in opened for resident in residents)
