"""Run by tests/test_x11_e2e.py in its own process on an Xvfb display: the kiosk window on the
real xcb platform, a resident's taps sent as real X11 pointer events with xdotool (XTEST).

Each step finds the button on screen, moves the X pointer there and clicks; the kiosk sees
only what the X server delivers. Prints one JSON line with what the screen showed at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QApplication

STEP_DEADLINE_S = 15.0


def settle(condition, what: str) -> None:
    end = time.monotonic() + STEP_DEADLINE_S
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"x11 driver: timed out waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def click(button, then, what: str) -> None:
    settle(lambda: button.isVisible() and button.isEnabled(), f"{what} to show")
    centre = button.mapToGlobal(button.rect().center())
    clicker = subprocess.Popen(
        ["xdotool", "mousemove", "--sync", str(centre.x()), str(centre.y()), "click", "1"]
    )
    settle(lambda: clicker.poll() is not None, f"xdotool for {what}")
    settle(then, f"the screen after {what}")


def main(config: str) -> int:
    from kiosk.cli.local_backend import build_services
    from kiosk.config import load_settings, resolve_paths
    from kiosk.qtbridge import QtEventBridge
    from screens.theme import Look, prepare_application
    from screens.window import KioskWindow

    settings = load_settings(Path(config))
    services = build_services(settings, resolve_paths())
    app = QApplication([sys.argv[0]])
    prepare_application(app)
    window = KioskWindow(
        services, QtEventBridge(services.events), Look(settings.theme, settings.text_size)
    )
    window.resize(1920, 1080)
    window.move(0, 0)
    window.show()
    settle(lambda: window.isVisible() and window.home.primary_button.isVisible(), "the window")

    def question(text: str):
        return lambda: window.question.isVisible() and window.question.heading.text() == text

    click(window.home.primary_button, lambda: window.menu.isVisible(), "はじめる")
    click(
        window.menu.category_buttons["certificates"],
        lambda: "juminhyo" in window.menu.procedure_buttons,
        "証明書",
    )
    click(
        window.menu.procedure_buttons["juminhyo"],
        question("どなたが申請しますか"),
        "住民票",
    )
    click(window.question.input.button("self"), lambda: True, "本人")
    click(window.question.primary_button, question("何通必要ですか"), "つぎへ")
    click(window.question.input.more, lambda: window.question.input.value() == 2, "ふやす")
    click(window.question.primary_button, question("何に使いますか"), "つぎへ")
    click(window.question.input.button("work"), lambda: True, "勤務先")
    click(window.question.primary_button, lambda: window.review.isVisible(), "つぎへ")
    click(window.review.primary_button, lambda: window.completion.isVisible(), "申し込む")
    services.wait_for_devices()
    settle(lambda: "お取り" in window.completion.print_status.text(), "the receipt")
    print(
        json.dumps(
            {
                "number": window.completion.number.text(),
                "print_status": window.completion.print_status.text(),
                "outbox": services.store.outbox_ids(),
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
