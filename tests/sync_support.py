"""The real backend for the sync tests: `kiosk backend serve` under uvicorn, in its own
process, reached over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from backend.paths import BackendPaths, kiosk_token
from core.wire import HEALTH_PATH
from kiosk.config import KioskPaths, Settings, load_settings

START_DEADLINE_S = 60
POLL_S = 0.1


class Backend:
    def __init__(
        self,
        root: Path,
        port: int,
        catalog: Path | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.environ = environ  # None: this process's environment
        self.paths = BackendPaths(root)
        self.port = port
        self.catalog = catalog
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "kiosk", "backend", "serve", "--port", str(self.port)]
        command += ["--data", str(self.paths.root)]
        if self.catalog is not None:
            command += ["--catalog", str(self.catalog)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=self.environ
        )
        end = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < end and self.process.poll() is None:
            try:
                if requests.get(self.url + HEALTH_PATH, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(POLL_S)  # polling for a condition, with a deadline
        self.stop()
        raise AssertionError(f"backend did not start: {self.process.stderr.read()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def token(self, kiosk_id: str = "kiosk-01") -> str:
        return kiosk_token(self.paths, kiosk_id)

    def staff_get(self, path: str) -> requests.Response:
        from backend.provisioning import issue_token

        token = issue_token(self.paths, "staff", "sync-tests")
        return requests.get(
            self.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    def received_ids(self) -> list[str]:
        import sqlite3

        with sqlite3.connect(self.paths.database) as connection:
            return [row[0] for row in connection.execute("SELECT id FROM applications")]


def kiosk_settings(backend: Backend, **overrides) -> Settings:
    values = {
        "backend_url": backend.url,
        "seal_public_key": backend.paths.keys / "public.pem",
        "backend_token": backend.token(),
        "request_timeout_s": 5,
    }
    return load_settings(environ={}, **(values | overrides))


def kiosk_home(paths: KioskPaths) -> str:
    return str(paths.config_dir.parent)


def kiosk_environment(backend: Backend, home: Path, **settings: str) -> dict[str, str]:
    """The environment of a kiosk process pointed at `backend` (KIOSK_* from this shell
    dropped), with more KIOSK_<SETTING> values from `settings`."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    return (
        environ
        | {
            "KIOSK_HOME": str(home),
            "KIOSK_BACKEND_URL": backend.url,
            "KIOSK_BACKEND_TOKEN": backend.token(),
            "KIOSK_SEAL_PUBLIC_KEY": str(backend.paths.keys / "public.pem"),
            "KIOSK_PRINTER": "sim",
        }
        | {f"KIOSK_{name.upper()}": value for name, value in settings.items()}
    )
