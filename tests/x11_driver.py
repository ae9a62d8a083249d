"""Run by tests/test_x11_e2e.py in its own process on an Xvfb display: the kiosk window on the
real xcb platform, a resident's taps sent as real X11 pointer events with xdotool (XTEST).

Each step finds the button on screen, moves the X pointer there and clicks; the kiosk sees
only what the X server delivers. Prints one JSON line with what the screen showed at the end.

    python -m tests.x11_driver CONFIG [juminhyo|tenkyo]

juminhyo: 住民票 from home to the receipt. tenkyo (the demo card on the simulated reader): 転居届
with the card of a resident of the city, to the review; then with a card registered outside it,
which leads to 転入届. preentry (a serial scanner configured): スマホで入力済みの方, then "ready"
on stdout; the test sends a phone's code through the scanner emulator, and the review it
brings is read and submitted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtGui import QCursor
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
    # mousemove --sync waits for the pointer to move: where it already is (つぎへ twice in a
    # row), it would wait for ever.
    move = ["mousemove", "--sync", str(centre.x()), str(centre.y())]
    clicker = subprocess.Popen(
        ["xdotool", *([] if QCursor.pos() == centre else move), "click", "1"]
    )
    settle(lambda: clicker.poll() is not None, f"xdotool for {what}")
    settle(then, f"the screen after {what}")


def tap(button, what: str) -> None:
    """Click, and wait until the button has taken the click (the next key may only exist
    once it has: a keyboard's mode key shows the keys typed next)."""
    taken: list[bool] = []

    def took(*_: object) -> None:
        taken.append(True)

    button.clicked.connect(took)
    try:
        click(button, lambda: bool(taken), what)
    finally:
        button.clicked.disconnect(took)


def main(config: str, walk: str = "juminhyo") -> int:
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
    result = WALKS[walk](window, services)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    services.close()
    return 0


def juminhyo(window, services) -> dict:
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
    return {
        "number": window.completion.number.text(),
        "print_status": window.completion.print_status.text(),
        "outbox": services.store.outbox_ids(),
    }


def open_with_demo_card(window, services, procedure_id: str) -> None:
    """はじめる, the category, the procedure, then the demo card: placed, its PIN, taken."""
    from kiosk.events import CardStep

    def card_step():
        page = window.navigator.card_page
        return page.step if page is not None else None

    category = services.catalog.procedure(procedure_id).category
    click(window.home.primary_button, lambda: window.menu.isVisible(), "はじめる")
    click(
        window.menu.category_buttons[category],
        lambda: procedure_id in window.menu.procedure_buttons,
        category,
    )
    click(
        window.menu.procedure_buttons[procedure_id],
        lambda: window.card.isVisible(),
        procedure_id,
    )
    card = window.card
    click(card.demo_place, lambda: card.pad_buttons["0"].isVisible(), "カードを置く（デモ）")
    for digit in services.card_reading.demo_pin:
        tap(card.pad_buttons[digit], f"PIN {digit}")
    click(card.primary_button, lambda: card_step() is CardStep.TAKE_CARD, "決定")
    click(card.demo_take, lambda: not card.isVisible(), "カードを取る（デモ）")


def tenkyo(window, services) -> dict:
    from core.flow import Step
    from screens.tour import answer_by_touch
    from screens.wareki_picker import WarekiPicker

    open_with_demo_card(window, services, "tenkyo")
    asked, moving_taps = [], None
    while window.question.isVisible():
        page = window.session.page
        asked.append(page.id)

        def moved_on(page_id: str = page.id) -> bool:
            session = window.session
            return session.step is not Step.QUESTION or session.page.id != page_id

        picker = window.question.input
        if isinstance(picker, WarekiPicker) and picker.recent_keys:
            # Counted from the moment the picker is open: きのう, then つぎへ.
            tap(picker.recent_keys[1], "きのう")
            click(window.question.primary_button, moved_on, "つぎへ")
            moving_taps = 2
            continue
        answer_by_touch(page, picker, lambda button: tap(button, button.text()))
        click(window.question.primary_button, moved_on, "つぎへ")
    settle(lambda: window.review.isVisible(), "the review")
    review = {
        "asked": asked,
        "moving_date": window.session.answer_for("moving_date"),
        "moving_taps": moving_taps,
        "elderly_answer": window.session.answer_for("elderly"),
        "elderly_derived": window.session.was_derived("elderly"),
    }
    click(window.review.start_over_button, lambda: window.home.isVisible(), "最初から")

    # A resident registered outside the city: 転居届 leads to 転入届, the card kept.
    services.card_reading.use_demo_card_from_elsewhere()
    open_with_demo_card(window, services, "tenkyo")
    settle(lambda: window.elsewhere.isVisible(), "the page saying the address is outside")
    heading = window.elsewhere.heading.text()
    click(
        window.elsewhere.primary_button,
        lambda: window.question.isVisible(),
        window.elsewhere.primary_button.text(),
    )
    return {
        **review,
        "elsewhere_heading": heading,
        "then": window.session.procedure.id,
        "then_name": window.session.answer_for("name"),
    }


def preentry(window, services) -> dict:
    from PySide6.QtWidgets import QLabel

    from devices.device_state import DeviceState

    click(window.home.scan_button, lambda: window.scan.isVisible(), "スマホで入力済みの方")
    scanner = lambda: services.device_statuses()["scanner"].state  # noqa: E731
    settle(lambda: scanner() is DeviceState.READY, "the serial scanner")
    print("ready for the phone's code", flush=True)
    settle(lambda: window.review.isVisible(), "the review the code brings")
    answers = window.session.answers()
    shown = {
        name.removeprefix("answer_"): found.text()
        for found in window.review.findChildren(QLabel)
        if (name := found.objectName()).startswith("answer_")
    }
    click(window.review.primary_button, lambda: window.completion.isVisible(), "申し込む")
    services.wait_for_devices()
    settle(lambda: "お取り" in window.completion.print_status.text(), "the receipt")
    return {
        "answers": answers,
        "shown": shown,
        "number": window.completion.number.text(),
        "outbox": services.store.outbox_ids(),
    }


WALKS = {"juminhyo": juminhyo, "tenkyo": tenkyo, "preentry": preentry}


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
