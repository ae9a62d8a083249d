"""`kiosk demo --backend-after`: applications finished while the local backend is away wait in
the queue, and drain when it starts — shown on the demo's console, and on the backend."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from core.sealing import generate_key_pair
from tests.netutil import free_port

DEADLINE_S = 90.0


def _environment(home, backend_port: int) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM") and not k.startswith("KIOSK_")
    }
    environment["KIOSK_HOME"] = str(home)
    environment["KIOSK_BACKEND_URL"] = f"http://127.0.0.1:{backend_port}"
    return environment


def _lines_until(process: subprocess.Popen, wanted: str) -> list[str]:
    """The console lines up to and including the first that contains `wanted`."""
    lines: list[str] = []
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        readable, _, _ = select.select([process.stdout], [], [], end - time.monotonic())
        if not readable:
            break
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if wanted in line:
            return lines
    raise AssertionError(f"no '{wanted}' on the demo's console: {lines}")


@pytest.mark.slow
def test_demo_shows_the_queue_draining_when_the_backend_starts_later(tmp_path):
    home = tmp_path / "kiosk-home"
    environment = _environment(home, free_port())
    # The demo's local backend keeps its key pair beside the kiosk's data.
    public_key = generate_key_pair(home / "data" / "backend" / "keys")[1]
    finished = subprocess.run(
        [sys.executable, "-m", "kiosk", "simulate", "residents", "3", "--no-sync"],
        env=environment | {"KIOSK_SEAL_PUBLIC_KEY": str(public_key)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    shown = [line.split()[1] for line in finished.stdout.splitlines()]
    assert len(shown) == 3

    demo = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "demo", "--vnc", str(free_port()), "--backend-after", "3"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        waiting = _lines_until(demo, "3 waiting to be sent")
        drained = _lines_until(demo, "0 waiting")
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
    assert any("the local backend starts in 3 s" in line for line in waiting)
    assert any("local backend on" in line for line in drained)
    assert "3 sent to the backend, 0 waiting" in drained[-1]
    with sqlite3.connect(home / "data" / "backend" / "backend.sqlite3") as connection:
        received = {row[0] for row in connection.execute("SELECT id FROM applications")}
    assert received == set(shown)
