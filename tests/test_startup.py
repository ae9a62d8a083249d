"""Start-up: the home screen is painted from light facts first, the kiosk takes over after."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PySide6.QtWidgets import QAbstractButton, QLabel

from kiosk.config import KioskPaths
from kiosk.first_screen import read_first_screen
from kiosk.qtbridge import QtEventBridge
from screens.startup import KioskShell
from screens.theme import Look
from screens.window import KioskWindow
from tests.gui import tap

# What the first paint must not wait for (kiosk.app imports them after it, on a worker thread).
HEAVY = ["pydantic", "sqlite_utils", "sqlite3", "cryptography", "requests", "numpy", "smartcard"]
# Buttons shown only once what they start works.
LATER = {"voice", "scan_start"}
HEAVY += ["kiosk.store", "kiosk.services", "core.catalog", "screens.window", "pyopenjtalk"]
# Defining frozen dataclasses costs the first paint 0.5-2 ms each (kiosk.config_base says why
# its records are NamedTuples); the kiosk's home screen (screens.home) needs Qt's enums.
HEAVY += ["dataclasses", "screens.home", "screens.wrapping_button"]


def test_the_first_paint_imports_nothing_heavy():
    probe = (
        "import sys, json\n"
        "import kiosk.cli.main, kiosk.cli.gui, kiosk.app, kiosk.first_screen, screens.startup\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == []


def _shell(kiosk_paths: KioskPaths, build_kiosk) -> KioskShell:
    first = read_first_screen(kiosk_paths, environ={})
    look = Look(first.choice.theme, first.choice.text_size)
    return KioskShell(first, look, build_kiosk)


def _kiosk_builder(built: list):
    def build(services):
        window = KioskWindow(
            services,
            QtEventBridge(services.events),
            Look(services.settings.theme, services.settings.text_size),
        )
        built.append(window)
        return window

    return build


def _words(home) -> dict[str, str]:
    shown = {}
    for widget in home.findChildren(QLabel) + home.findChildren(QAbstractButton):
        if widget.objectName() and widget.isVisibleTo(home) and widget.text():
            shown[widget.objectName()] = widget.text()
    return shown


def test_the_first_home_screen_says_what_the_kiosk_home_says(qtbot, kiosk_paths, services):
    shell = _shell(kiosk_paths, _kiosk_builder([]))
    qtbot.addWidget(shell)
    look = Look(services.settings.theme, services.settings.text_size)
    kiosk = KioskWindow(services, QtEventBridge(services.events), look)
    qtbot.addWidget(kiosk)
    first, full = _words(shell.home), _words(kiosk.home)
    assert first["municipality"] == "さんぷる市役所"
    # Voice guidance and the phone's QR code appear once their engine and scanner are ready.
    assert "voice" in full and "voice" not in first
    assert first == {name: text for name, text in full.items() if name not in LATER}


def test_a_tap_on_the_first_home_screen_is_replayed_when_the_kiosk_is_ready(
    qtbot, kiosk_paths, services
):
    built: list = []
    shell = _shell(kiosk_paths, _kiosk_builder(built))
    qtbot.addWidget(shell)
    shell.show()
    tap(qtbot, shell.home.language_buttons["en"])
    assert shell.home.municipality.text() == "Sample City Hall"  # the words changed at once
    tap(qtbot, shell.home.primary_button)
    assert built == []  # nothing to open yet: the taps wait
    shell.services_ready.emit(services)
    qtbot.waitUntil(lambda: shell.kiosk is not None)
    kiosk = built[0]
    assert shell.stack.currentWidget() is kiosk
    assert kiosk.stack.currentWidget() is kiosk.menu  # "start" reached the kiosk
    assert kiosk.language == "en"


def test_a_kiosk_that_cannot_be_prepared_ends_the_start_with_the_reason(tmp_path):
    """A setting the validated settings refuse (one the first screen does not read) stops
    `kiosk run` after the first paint, with its plain one-line reason and exit status 2."""
    environment = {
        **os.environ,
        "KIOSK_HOME": str(tmp_path / "home"),
        "KIOSK_KIOSK_LETTER": "I",  # looks like 1: refused
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--profile", "phone"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stderr
    assert "kiosk_letter" in result.stderr
