"""The backend on this same machine, as the kiosk's commands use it: the demo starts it, and a
kiosk with default settings takes its token and sealing key from it.

The kiosk application never imports the backend; this module (part of the CLI, which knows
both) hands it a LocalBackendLink instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from backend.paths import BackendPaths
from core.sealing import generate_key_pair
from kiosk import wiring
from kiosk.config import KioskPaths, Settings
from kiosk.events import EventBus
from kiosk.services import Services
from kiosk.store import KioskStore
from kiosk.sync.http import TokenSource
from kiosk.sync.worker import SyncClient

if TYPE_CHECKING:
    from backend.server import (
        LocalBackend as RunningBackend,  # FastAPI and uvicorn: imported only by the demo
    )


def backend_paths(paths: KioskPaths) -> BackendPaths:
    """The local backend keeps its data (and the sealing key pair) beside the kiosk's."""
    return BackendPaths(paths.data_dir / "backend")


class LocalKioskToken(TokenSource):
    """This kiosk's token from the backend data on this machine, asked for on first use (it
    needs the backend's database; the kiosk's start must not) and kept in a 0600 file."""

    def __init__(self, paths: KioskPaths, kiosk_id: str) -> None:
        self.paths = paths
        self.kiosk_id = kiosk_id
        self._token: str | None = None

    def __call__(self) -> str:
        if self._token is None:
            from backend.provisioning import local_kiosk_token  # SQLAlchemy: only when needed

            self._token = local_kiosk_token(
                backend_paths(self.paths), self.kiosk_id, self.paths.backend_token_file
            )
        return self._token

    def forget(self) -> None:
        self._token = None


class SameMachineBackend:
    """What kiosk.wiring.LocalBackendLink asks for, from the backend data beside the kiosk's."""

    def __init__(self, paths: KioskPaths, kiosk_id: str) -> None:
        self.paths = paths
        self.token_source = LocalKioskToken(paths, kiosk_id)

    def seal_key_file(self) -> Path:
        _, public = generate_key_pair(backend_paths(self.paths).keys)
        return public


def build_services(settings: Settings, paths: KioskPaths) -> Services:
    """The kiosk's services as every command builds them: linked to the local backend when the
    settings point at it."""
    return wiring.build_services(settings, paths, SameMachineBackend(paths, settings.kiosk_id))


def sync_client(settings: Settings, paths: KioskPaths, store: KioskStore) -> SyncClient:
    local = (
        SameMachineBackend(paths, settings.kiosk_id)
        if wiring.uses_local_backend(settings)
        else None
    )
    return wiring.sync_client(settings, paths, store, EventBus(), local_backend=local)


def demo_key(paths: KioskPaths) -> Path:
    """The local backend's public key for the demo, the pair created on first use."""
    return SameMachineBackend(paths, "").seal_key_file()


def demo_settings_overrides(paths: KioskPaths, kiosk_id: str) -> dict:
    from backend.paths import kiosk_token

    overrides = {
        "seal_public_key": demo_key(paths),
        "backend_token": kiosk_token(backend_paths(paths), kiosk_id),
    }
    # Simulated devices, unless this run names real ones (e.g. emulators on pty pairs).
    if "KIOSK_PRINTER" not in os.environ:
        overrides["printer"] = "sim"
    if "KIOSK_CARD_READER" not in os.environ:
        overrides["card_reader"] = "sim"
    if "KIOSK_SCANNER" not in os.environ:
        # With it, スマホで入力済みの方 shows, and the scan page offers the sample code.
        overrides["scanner"] = "sim"
    return overrides


def start_demo_backend(paths: KioskPaths, settings: Settings) -> RunningBackend | None:
    """The demo's local backend on backend_url's port, unless something already listens there."""
    from backend.server import start_in_thread

    url = urlsplit(settings.backend_url)
    backend = start_in_thread(backend_paths(paths), url.hostname or "127.0.0.1", url.port or 80)
    if backend is None:
        print(
            f"kiosk: could not start the local backend on {settings.backend_url} "
            "(port in use?); applications wait in the queue",
            flush=True,
        )
    else:
        print(f"kiosk: local backend on {settings.backend_url}", flush=True)
    return backend
