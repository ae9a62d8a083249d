"""The walking skeleton, end to end: clicks → SQLite row → printed receipt."""

import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtWidgets import QLabel, QLineEdit

from core.sealing import unseal
from kiosk.events import EventKind, StaffCalled, StaffComing
from kiosk.qtbridge import QtEventBridge
from screens.theme import Look
from screens.window import KioskWindow
from tests.gui import show_window
from tests.gui import tap as click


@pytest.fixture
def window(services, japanese_qapp, qtbot):
    return show_window(services, qtbot)


def submit_juminhyo(window, qtbot, purpose: str) -> None:
    """Home to completion by touch: 本人, one copy, the given purpose, submit."""
    click(qtbot, window.home.primary_button)
    click(qtbot, window.menu.category_buttons["certificates"])
    click(qtbot, window.menu.procedure_buttons["juminhyo"])
    click(qtbot, window.question.input.button("self"))
    click(qtbot, window.question.primary_button)
    click(qtbot, window.question.primary_button)  # one copy, as offered
    click(qtbot, window.question.input.button(purpose))
    click(qtbot, window.question.primary_button)
    click(qtbot, window.review.primary_button)
    assert window.stack.currentWidget() is window.completion


def test_resident_completes_juminhyo_by_touch(window, services, qtbot, key_pair):
    finalized = []
    services.events.subscribe(
        lambda e: finalized.append(e) if e.kind is EventKind.APPLICATION_DID_FINALIZE else None
    )
    click(qtbot, window.home.primary_button)
    click(qtbot, window.menu.category_buttons["certificates"])
    click(qtbot, window.menu.procedure_buttons["juminhyo"])
    assert window.question.heading.text() == "どなたが申請しますか"
    click(qtbot, window.question.input.button("self"))
    click(qtbot, window.question.primary_button)
    assert window.question.heading.text() == "何通必要ですか"
    click(qtbot, window.question.input.more)
    click(qtbot, window.question.primary_button)
    click(qtbot, window.question.primary_button)  # nothing chosen yet
    assert window.question.error.isVisible()
    assert window.question.error.text() == services.text("choice_missing", "ja")
    click(qtbot, window.question.input.button("work"))
    click(qtbot, window.question.primary_button)
    assert window.stack.currentWidget() is window.review
    review_text = " ".join(label.text() for label in window.review.findChildren(QLabel))
    assert "2通" in review_text and "勤務先・学校に出す" in review_text
    click(qtbot, window.review.primary_button)

    # The number on screen is the stored application's number.
    assert window.stack.currentWidget() is window.completion
    shown = window.completion.number.text()
    assert finalized and finalized[0].reception_number == shown == "A-001"
    application_id = finalized[0].application_id
    row = services.store.application(application_id)
    assert row["reception_number"] == shown and row["procedure_id"] == "juminhyo"
    assert services.store.outbox_ids() == [application_id]

    # Sealed at rest: the municipality's key opens it; the bytes do not show the answers.
    assert b"work" not in row["sealed"]
    private = serialization.load_pem_private_key(key_pair[0].read_bytes(), password=None)
    opened = unseal(row["sealed"], private, application_id)
    assert opened["answers"] == {"applicant": "self", "copies": 2, "purpose": "work"}

    # The receipt went through ESC/POS to the simulated printer, and the screen says so.
    qtbot.waitUntil(
        lambda: window.completion.print_status.text() == "受付票をお取りください。", timeout=10_000
    )
    assert services.store.receipt_outcomes(application_id) == ["completed"]
    printed = (services.paths.printer_output / "receipt-0001.txt").read_text(encoding="utf-8")
    for expected in ("受付票", "A-001", "住民票の写しの交付請求", "3番窓口", "300円×2＝600円"):
        assert expected in printed
    receipt_png = services.paths.printer_output / "receipt-0001.png"
    qr = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(receipt_png)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    # The kiosk is named: reception numbers repeat from kiosk to kiosk.
    kiosk = services.settings.kiosk_id
    assert qr.stdout.strip() == f"MADOGUCHI2:{kiosk}:A-001:{application_id}"

    # Finish: home again, and no widget still shows the answers.
    click(qtbot, window.completion.primary_button)
    assert window.stack.currentWidget() is window.home
    texts = [label.text() for label in window.findChildren(QLabel)]
    texts += [edit.text() for edit in window.findChildren(QLineEdit)]
    assert not any("勤務先" in text or "A-001" in text for text in texts)


def test_back_and_change_keep_answers(window, qtbot):
    click(qtbot, window.home.primary_button)
    click(qtbot, window.menu.category_buttons["certificates"])
    click(qtbot, window.menu.procedure_buttons["juminhyo"])
    click(qtbot, window.question.input.button("household"))
    click(qtbot, window.question.primary_button)
    for _ in range(2):
        click(qtbot, window.question.input.more)
    click(qtbot, window.question.primary_button)
    click(qtbot, window.question.back_button)
    assert window.question.input.display.text() == "3通"
    click(qtbot, window.question.primary_button)
    click(qtbot, window.question.input.button("other"))
    click(qtbot, window.question.primary_button)
    click(qtbot, window.review.findChild(type(window.review.primary_button), "change_copies"))
    assert window.question.input.display.text() == "3通"
    click(qtbot, window.question.input.fewer)
    click(qtbot, window.question.primary_button)
    assert window.stack.currentWidget() is window.review
    assert window.session.answers() == {"applicant": "household", "copies": 2, "purpose": "other"}


def test_start_over_and_call_staff_work_from_a_question(window, services, qtbot):
    calls = []
    services.events.subscribe(
        lambda e: calls.append(e) if e.kind is EventKind.STAFF_WAS_CALLED else None
    )
    click(qtbot, window.home.primary_button)
    click(qtbot, window.menu.category_buttons["certificates"])
    click(qtbot, window.menu.procedure_buttons["juminhyo"])
    click(qtbot, window.question.staff_button)
    assert window.staff_overlay.isVisible() and calls == [StaffCalled("question")]
    click(qtbot, window.staff_overlay.close_button)
    click(qtbot, window.question.start_over_button)
    assert window.stack.currentWidget() is window.home and window.session is None


def test_the_resident_is_told_when_staff_acknowledged_the_call(window, services, qtbot):
    click(qtbot, window.home.primary_button)
    click(qtbot, window.menu.category_buttons["certificates"])
    click(qtbot, window.menu.procedure_buttons["juminhyo"])
    click(qtbot, window.question.staff_button)
    assert window.staff_overlay.message.text() == window.t("staff_called")
    # What the heartbeat publishes once a clerk pressed 確認しました on the console; the Qt
    # bridge delivers it on the GUI thread.
    services.events.publish(StaffComing("2026-12-04T10:00:00+00:00"))
    qtbot.waitUntil(lambda: window.staff_overlay.message.text() == window.t("staff_coming"))
    assert window.staff_overlay.isVisible()
    assert "職員が向かっています" in window.staff_overlay.message.text()
    assert window.session is not None  # nothing of the resident's is lost


def test_language_switch_retranslates_home(window, qtbot):
    click(qtbot, window.home.language_buttons["en"])
    assert window.home.primary_button.text() == "Start"
    click(qtbot, window.home.primary_button)
    assert window.menu.heading.text() == "Choose a procedure"


def test_without_a_key_no_real_application_is_taken(services, japanese_qapp, qtbot):
    services._seal_key = None
    window = KioskWindow(
        services,
        QtEventBridge(services.events),
        Look(services.settings.theme, services.settings.text_size),
    )
    qtbot.addWidget(window)
    window.show()
    assert not window.home.primary_button.isEnabled()
    assert window.home.notice.isVisible()
    assert "職員をお呼びください" in window.home.notice.text()


def test_language_can_change_on_a_question_without_losing_what_is_on_screen(window, qtbot):
    click(qtbot, window.home.primary_button)
    click(qtbot, window.menu.category_buttons["certificates"])
    click(qtbot, window.menu.procedure_buttons["juminhyo"])
    click(qtbot, window.question.input.button("proxy"))
    click(qtbot, window.question.primary_button)
    click(qtbot, window.question.input.more)  # 2 copies on screen, not yet submitted
    click(qtbot, window.question.language_button)
    click(qtbot, window.language_overlay.buttons["en"])
    assert window.question.heading.text() == "How many copies do you need?"
    assert window.question.input.value() == 2
    click(qtbot, window.question.back_button)
    assert window.question.input.value() == "proxy"  # the submitted answer is kept too
    assert window.question.input.button("proxy").text().startswith("A representative")


def test_the_completion_screen_retranslates_in_full(window, qtbot, services):
    submit_juminhyo(window, qtbot, purpose="work")
    number = window.completion.number.text()
    services.wait_for_devices()
    qtbot.waitUntil(
        lambda: "受付票をお取りください" in window.completion.print_status.text(), timeout=10_000
    )
    click(qtbot, window.completion.language_button)
    click(qtbot, window.language_overlay.buttons["en"])
    assert window.completion.number.text() == number
    assert window.completion.counter.text().startswith("Please go to counter 3")
    assert "Photo ID" in window.completion.bring.text()
    assert window.completion.print_status.text() == "Please take your receipt."


def test_practice_mode_marks_every_screen_and_keeps_nothing(services, japanese_qapp, qtbot):
    services.set_practice(True)  # as technician mode (or kiosk run --practice) does
    window = KioskWindow(
        services,
        QtEventBridge(services.events),
        Look(services.settings.theme, services.settings.text_size),
    )
    window.resize(1920, 1080)
    qtbot.addWidget(window)
    window.show()
    assert window.home.practice_badge.isVisible()
    for screen in window.screens():  # the others show it as soon as they are current
        assert not screen.practice_badge.isHidden() and screen.practice_badge.text() == "練習"
    submit_juminhyo(window, qtbot, purpose="other")
    services.wait_for_devices()
    assert services.store.outbox_ids() == []
    stored = services.store.db.execute("SELECT practice, sealed FROM applications").fetchall()
    assert stored == [(1, None)]  # marked practice, and no answers kept at all
    printed = (services.paths.printer_output / "receipt-0001.txt").read_text(encoding="utf-8")
    assert printed.splitlines()[0] == "練習用 PRACTICE"


def test_a_receipt_that_did_not_print_is_said_plainly_and_staff_are_one_tap_away(
    window, services, qtbot
):
    services.printer.close()  # the printer is gone: the job fails before it starts
    called = []
    services.events.subscribe(
        lambda e: called.append(e) if e.kind is EventKind.STAFF_WAS_CALLED else None
    )
    submit_juminhyo(window, qtbot, purpose="work")
    qtbot.waitUntil(lambda: window.device_problem.isVisible(), timeout=10_000)
    assert window.device_problem.message.text() == services.text("print_failed", "ja")
    assert window.completion.number.text() == "A-001"  # stored, and still on screen
    assert window.device_problem.number.text() == "受付番号：A-001"  # and above the overlay
    click(qtbot, window.device_problem.staff_button)
    assert not window.device_problem.isVisible() and window.staff_overlay.isVisible()
    assert called
