"""Shared fixtures. Qt runs offscreen in every test; each test gets its own KIOSK_HOME."""

from __future__ import annotations

import json
import os
from pathlib import Path

# Forced, not defaulted: a developer's DISPLAY must not make the suite open windows.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.pop("KIOSK_HOME", None)

import pytest

from core.sealing import generate_key_pair
from kiosk.config import KioskPaths, Settings, load_settings

# The browser fixtures, registered here once for every module (tests/browser.py says why).
from tests.browser import chromium_fixture, console_errors_fixture, page_fixture  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
# A copy of shared/testdata/residents.json, so a plain clone runs the suite.
RESIDENTS = REPO / "tests" / "data" / "residents.json"


@pytest.fixture
def kiosk_paths(tmp_path: Path) -> KioskPaths:
    root = tmp_path / "kiosk-home"
    paths = KioskPaths(root / "config", root / "data", root / "logs")
    paths.create()
    return paths


@pytest.fixture
def key_pair(tmp_path: Path) -> tuple[Path, Path]:
    return generate_key_pair(tmp_path / "municipality-keys")


@pytest.fixture
def settings(key_pair: tuple[Path, Path]) -> Settings:
    return load_settings(environ={}, seal_public_key=key_pair[1])


@pytest.fixture
def services(settings: Settings, kiosk_paths: KioskPaths):
    from kiosk.cli.local_backend import build_services

    built = build_services(settings, kiosk_paths)
    yield built
    built.close()


@pytest.fixture(scope="session")
def residents() -> list[dict]:
    """The fictional residents of shared/testdata (hard cases: 𠮷, 髙, era boundaries…)."""
    return json.loads(RESIDENTS.read_text(encoding="utf-8"))["residents"]


@pytest.fixture
def japanese_qapp(qapp):
    from screens.theme import prepare_application

    prepare_application(qapp)
    return qapp


@pytest.fixture
def live_backend(tmp_path):
    """The real backend (`kiosk backend serve`, its own process) started; the municipality's
    key pair is made first, as a kiosk needs the public key."""
    from tests.netutil import free_port
    from tests.sync_support import Backend

    server = Backend(tmp_path / "backend", free_port())
    generate_key_pair(server.paths.keys)
    server.start()
    yield server
    server.stop()
