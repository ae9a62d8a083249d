"""The backend installs and runs without the kiosk's parts: no Qt, no serial, no SQLite store.

Its process gets a PYTHONPATH whose first folder shadows those packages with ones that refuse
to import, so anything on the backend's path that reaches for them fails loudly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.sealing import generate_key_pair
from kiosk.cli.local_backend import build_services
from tests.helpers import finalize_juminhyo as finalize
from tests.netutil import free_port
from tests.sync_support import Backend, kiosk_settings

REPO = Path(__file__).resolve().parents[1]
# The kiosk application's packages (the `kiosk` extra) and the card reader's.
KIOSK_ONLY = ["PySide6", "shiboken6", "serial", "sqlite_utils", "smartcard", "pyopenjtalk"]


@pytest.fixture
def without_kiosk_parts(tmp_path: Path) -> dict[str, str]:
    shadow = tmp_path / "not-installed"
    for package in KIOSK_ONLY:
        (shadow / package).mkdir(parents=True)
        (shadow / package / "__init__.py").write_text(
            f"raise ImportError('{package} is not installed on a backend')\n", encoding="utf-8"
        )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), str(REPO)])}


def test_installing_the_backend_does_not_bring_qt():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    backend = project["dependencies"] + project["optional-dependencies"]["backend"]
    assert not [r for r in backend if r.lower().startswith(("pyside6", "pyserial", "sqlite-"))]
    assert any(r.startswith("PySide6") for r in project["optional-dependencies"]["kiosk"])


def test_the_shadow_really_hides_qt(without_kiosk_parts):
    result = subprocess.run(
        [sys.executable, "-c", "import PySide6.QtWidgets"],
        capture_output=True,
        text=True,
        timeout=60,
        env=without_kiosk_parts,
    )
    assert result.returncode != 0 and "not installed on a backend" in result.stderr


def test_the_backend_serves_kiosks_and_staff_without_qt(tmp_path, kiosk_paths, without_kiosk_parts):
    backend = Backend(tmp_path / "backend", free_port(), environ=without_kiosk_parts)
    generate_key_pair(backend.paths.keys)
    backend.start()  # `kiosk backend serve` under uvicorn, answering its health check
    try:
        kiosk = build_services(kiosk_settings(backend), kiosk_paths)
        try:
            application = finalize(kiosk, 1)
            assert kiosk.sync.drain_once().sent == 1
        finally:
            kiosk.close()
        command = ["backend", "list", "--json", "--data", str(backend.paths.root)]
        listed = subprocess.run(
            [sys.executable, "-m", "kiosk", *command],
            capture_output=True,
            text=True,
            timeout=60,
            env=without_kiosk_parts,
        )
        assert listed.returncode == 0, listed.stderr
        assert [row["id"] for row in json.loads(listed.stdout)] == [application.id]
    finally:
        backend.stop()
