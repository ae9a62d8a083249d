"""A resident completes 住民票 by clicks alone: the kiosk on Xvfb (xcb), input as real X11
pointer events from xdotool. The driver runs in its own process (this one is offscreen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from core.sealing import generate_key_pair
from kiosk.headless import start_xvfb


def test_juminhyo_by_real_x11_clicks(tmp_path):
    _, public = generate_key_pair(tmp_path / "keys")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'seal_public_key = "{public}"\nprinter = "sim"\n', encoding="utf-8")
    screen = start_xvfb(1920, 1080)
    try:
        environment = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        environment.update(
            DISPLAY=screen.display, QT_QPA_PLATFORM="xcb", KIOSK_HOME=str(tmp_path / "home")
        )
        done = subprocess.run(
            [sys.executable, "-m", "tests.x11_driver", str(config)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        screen.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["number"] == "A-001"
    assert result["print_status"] == "受付票をお取りください。"
    assert len(result["outbox"]) == 1
