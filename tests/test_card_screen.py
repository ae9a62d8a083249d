"""The My Number Card on screen, with the in-process simulated reader and the demo card: a
resident places the card, mistypes the PIN once, enters it, takes the card, and the
procedure's pages are filled in. Nothing of the PIN or the card's 個人番号 is kept anywhere."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtWidgets import QLabel

from core.sealing import unseal
from devices.emulators.card_emulator import FICTIONAL_KOJIN_BANGO
from devices.sim_card_reader import DEMO_IDENTITY, SimulatedCardReader
from kiosk.cli.local_backend import build_services
from kiosk.events import EventKind
from kiosk.qtbridge import QtEventBridge
from screens.theme import Look
from screens.window import KioskWindow
from tests.gui import show_window
from tests.gui import tap as click

TEST_PIN = "8642"  # not the demo's 1234, so finding it anywhere means it leaked
WAIT_MS = 10_000


@pytest.fixture
def card_services(settings, kiosk_paths):
    services = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    services.card_reading.simulated = SimulatedCardReader(pin=TEST_PIN)
    services.card_reading.demo_pin = TEST_PIN
    yield services
    services.close()


@pytest.fixture
def window(card_services, japanese_qapp, qtbot):
    return show_window(card_services, qtbot, Look(card_services.settings.theme, "standard"))


def type_pin(qtbot, window, pin: str) -> None:
    for digit in pin:
        click(qtbot, window.card.pad_buttons[digit])
    assert window.card.pin_marks.text() == "● ● ● ●"  # never the digits
    click(qtbot, window.card.primary_button)


def texts_on_screen(window) -> str:
    return " ".join(label.text() for label in window.findChildren(QLabel))


def test_card_fills_in_name_and_birth_date_and_the_pin_is_never_kept(
    window, card_services, qtbot, key_pair, kiosk_paths
):
    window.choose_procedure("zeishomei")
    assert window.stack.currentWidget() is window.card
    qtbot.waitUntil(lambda: window.card.demo_place.isVisible(), timeout=WAIT_MS)
    click(qtbot, window.card.demo_place)
    qtbot.waitUntil(lambda: window.card.pad_buttons["0"].isVisible(), timeout=WAIT_MS)

    type_pin(qtbot, window, "0000")
    qtbot.waitUntil(lambda: window.card.notice.isVisible(), timeout=WAIT_MS)
    assert window.card.notice.text() == "暗証番号が違います。"
    assert "あと2回" in window.card.warning.text()
    assert card_services.card_reading.simulated.card.tries_left == 2  # sent once, not retried

    type_pin(qtbot, window, TEST_PIN)
    qtbot.waitUntil(
        lambda: window.card.message.text() == "カードをお取りください。", timeout=WAIT_MS
    )
    assert not window.card.pad_buttons["1"].isVisible()
    click(qtbot, window.card.demo_take)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.question, timeout=WAIT_MS)

    session = window.session
    assert session.answer_for("name") == DEMO_IDENTITY.name.replace(" ", "　")
    assert str(session.answer_for("birth_date")) == "1989-01-07"
    # The rest by touch: 本人, the certificate, the year, copies, the purpose.
    click(qtbot, window.question.input.button("self"))
    click(qtbot, window.question.primary_button)
    while window.stack.currentWidget() is window.question:
        widget = window.question.input
        if hasattr(widget, "options") and widget.value() in (None, []):
            click(qtbot, widget.button(widget.options()[0]))
        click(qtbot, window.question.primary_button)
    assert window.stack.currentWidget() is window.review
    assert "昭和64年1月7日" in texts_on_screen(window)  # birth date shown in 和暦
    finalized = []
    card_services.events.subscribe(
        lambda e: finalized.append(e) if e.kind is EventKind.APPLICATION_DID_FINALIZE else None
    )
    click(qtbot, window.review.primary_button)
    assert window.stack.currentWidget() is window.completion

    application_id = finalized[0].application_id
    row = card_services.store.application(application_id)
    private = serialization.load_pem_private_key(key_pair[0].read_bytes(), password=None)
    opened = unseal(row["sealed"], private, application_id)
    assert opened["answers"]["name"] == DEMO_IDENTITY.name.replace(" ", "　")
    assert TEST_PIN not in str(opened) and FICTIONAL_KOJIN_BANGO not in str(opened)

    card_services.wait_for_devices()
    card_services.store.close()
    stored = kiosk_paths.database.read_bytes()
    for wal in kiosk_paths.data_dir.glob("*.sqlite3-wal"):
        stored += wal.read_bytes()
    logs = b"".join(path.read_bytes() for path in kiosk_paths.log_dir.glob("*"))
    for secret in (TEST_PIN, FICTIONAL_KOJIN_BANGO, "𠮷野", "髙子"):
        assert secret.encode() not in stored, secret
        assert secret.encode() not in logs, secret


def test_a_locked_card_offers_to_continue_without_it(window, card_services, qtbot):
    card_services.card_reading.simulated.card.tries_left = 0
    window.choose_procedure("zeishomei")
    qtbot.waitUntil(lambda: window.card.demo_place.isVisible(), timeout=WAIT_MS)
    click(qtbot, window.card.demo_place)
    qtbot.waitUntil(lambda: "ロック" in window.card.message.text(), timeout=WAIT_MS)
    assert not window.card.pad_buttons["1"].isVisible()  # no PIN is asked of a locked card
    assert window.card.manual_button.property("role") == "primary"
    click(qtbot, window.card.manual_button)
    assert window.stack.currentWidget() is window.question
    assert window.session.answer_for("name") is None


def test_leaving_the_card_page_forgets_the_digits_typed(window, card_services, qtbot):
    window.choose_procedure("zeishomei")
    qtbot.waitUntil(lambda: window.card.demo_place.isVisible(), timeout=WAIT_MS)
    click(qtbot, window.card.demo_place)
    qtbot.waitUntil(lambda: window.card.pad_buttons["0"].isVisible(), timeout=WAIT_MS)
    click(qtbot, window.card.pad_buttons["8"])
    click(qtbot, window.card.pad_buttons["6"])
    assert window.card.digits_entered == 2
    click(qtbot, window.card.start_over_button)
    assert window.stack.currentWidget() is window.home
    assert window.card.digits_entered == 0
    assert card_services.card_reading.take_prefill() is None


def test_with_a_scanner_the_card_page_also_offers_the_phone_code(
    settings, kiosk_paths, japanese_qapp, qtbot
):
    configured = settings.model_copy(update={"card_reader": "sim", "scanner": "sim"})
    services = build_services(configured, kiosk_paths)
    window = KioskWindow(services, QtEventBridge(services.events), Look(settings.theme, "standard"))
    qtbot.addWidget(window)
    window.show()
    try:
        window.choose_procedure("zeishomei")
        qtbot.waitUntil(lambda: window.card.qr_button.isVisible(), timeout=WAIT_MS)
        click(qtbot, window.card.qr_button)
        assert window.stack.currentWidget() is window.scan
    finally:
        window.close()
        services.close()
