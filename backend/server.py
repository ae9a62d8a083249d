"""Run the reference backend under uvicorn: in the foreground (`kiosk backend serve`) or on a
background thread (beside the demo kiosk, in tests and benchmarks)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from backend.app import create_app
from backend.paths import BackendPaths

START_DEADLINE_S = 15.0


def serve(
    paths: BackendPaths,
    host: str,
    port: int,
    *,
    database: str | None = None,
    catalog_dir: Path | None = None,
) -> None:
    uvicorn.run(
        create_app(paths, database=database, catalog_dir=catalog_dir),
        host=host,
        port=port,
        log_level="info",
    )


@dataclass
class LocalBackend:
    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout_s)


def start_in_thread(
    paths: BackendPaths,
    host: str,
    port: int,
    *,
    database: str | None = None,
    catalog_dir: Path | None = None,
) -> LocalBackend | None:
    """Start the backend on a thread; None when it could not listen (e.g. the port is taken,
    which usually means a backend is already running there)."""
    app = create_app(paths, database=database, catalog_dir=catalog_dir)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="local-backend", daemon=True)
    thread.start()
    end = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < end and thread.is_alive() and not server.started:
        time.sleep(0.05)
    if not server.started:
        server.should_exit = True
        thread.join(timeout=5)
        return None
    return LocalBackend(server, thread, f"http://{host}:{port}")
