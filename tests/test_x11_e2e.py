"""A resident completes 住民票, and walks 転居届 with the demo card, by clicks alone: the kiosk on
Xvfb (xcb), input as real X11 pointer events from xdotool. The driver runs in its own process
(this one is offscreen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from core.sealing import generate_key_pair
from core.wareki import days_from_today
from kiosk.headless import start_xvfb


def kiosk_config(tmp_path: Path, settings: str = "") -> Path:
    """A kiosk's config: a sealing key, the simulated printer, and `settings` (TOML lines)."""
    _, public = generate_key_pair(tmp_path / "keys")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'seal_public_key = "{public}"\nprinter = "sim"\n{settings}', encoding="utf-8"
    )
    return config


def kiosk_environment(tmp_path: Path, display: str) -> dict[str, str]:
    """The environment of a kiosk process on an X display (xcb, not this suite's offscreen)."""
    environment = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    environment.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", KIOSK_HOME=str(tmp_path / "home"))
    return environment


def drive(tmp_path, walk: str, settings: str = "") -> dict:
    """The kiosk on a fresh Xvfb screen, `walk` of tests/x11_driver.py clicked through it."""
    config = kiosk_config(tmp_path, settings)
    screen = start_xvfb(1920, 1080)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.x11_driver", str(config), walk],
            env=kiosk_environment(tmp_path, screen.display),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        screen.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_juminhyo_by_real_x11_clicks(tmp_path):
    result = drive(tmp_path, "juminhyo")
    assert result["number"] == "A-001"
    assert result["print_status"] == "受付票をお取りください。"
    assert len(result["outbox"]) == 1


def test_tenkyo_with_the_demo_card_by_real_x11_clicks(tmp_path):
    """Issue 19's walk: yesterday in two taps once the picker is open, no 65+ question for
    the 37-year-old card holder moving alone, and a card registered outside the city led
    from 転居届 to 転入届 with the card kept."""
    result = drive(tmp_path, "tenkyo", 'card_reader = "sim"\n')
    yesterday = days_from_today(date.today(), -1).isoformat()
    assert result["moving_date"] == yesterday and result["moving_taps"] <= 2
    # Each person who moved: the first is the card's holder (name, birth date and sex from the
    # card, the reading as typed for the applicant), so only 続柄 is asked of them; then
    # 「ほかにも…いますか」: いいえ.
    assert {"mover_relation#1", "movers#more"} <= set(result["asked"])
    assert not {"mover_name#1", "mover_kana#1", "mover_birth_date#1"} & set(result["asked"])
    assert "elderly" not in result["asked"]
    assert result["elderly_answer"] is False and result["elderly_derived"]
    assert result["elsewhere_heading"] == "カードの住所は北海道札幌市中央区の外です"
    assert result["then"] == "tennyu" and result["then_name"] == "山田\u3000花子"
