"""Kiosk lock and technician mode: residents cannot leave the kiosk; a technician with the
PIN can switch practice mode, reprint, send the queue, and quit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from kiosk.qtbridge import QtEventBridge
from kiosk.technician import CornerTaps, TechnicianPinError, hash_pin, verify_pin
from screens.theme import Look
from screens.window import KioskWindow

PIN = "2468013"


def test_pin_hash_is_salted_and_verifies():
    first, second = hash_pin(PIN), hash_pin(PIN)
    assert first != second and PIN not in first
    assert verify_pin(PIN, first) and verify_pin(PIN, second)
    assert not verify_pin("2468014", first)
    assert not verify_pin(PIN, "garbage") and not verify_pin(PIN, "")
    with pytest.raises(TechnicianPinError):
        hash_pin("1234")  # as short as a card PIN: refused


def test_five_corner_taps_within_the_window_and_nothing_else():
    clock = [0.0]
    taps = CornerTaps(lambda: clock[0])
    assert not any(taps.tap(10, 10) for _ in range(4))
    assert taps.tap(10, 10)
    for _ in range(4):
        taps.tap(10, 10)
        clock[0] += 2.0  # too slow: the earliest taps fall out of the window
    assert not taps.tap(10, 10)
    for _ in range(4):
        taps.tap(10, 10)
    taps.tap(900, 500)  # a tap elsewhere breaks the sequence
    assert not taps.tap(10, 10)


@pytest.fixture
def locked_window(settings, kiosk_paths, japanese_qapp, qtbot):
    from kiosk.cli.local_backend import build_services

    configured = settings.model_copy(update={"technician_pin_hash": hash_pin(PIN)})
    services = build_services(configured, kiosk_paths)
    window = KioskWindow(
        services, QtEventBridge(services.events), Look(configured.theme, "standard"), locked=True
    )
    window.resize(1920, 1080)
    qtbot.addWidget(window)
    window.show()
    yield window, services
    window.leave_kiosk()
    services.close()


def tap_corner(qtbot, window, times=5):
    for _ in range(times):
        qtbot.mouseClick(window.home.title, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))


def enter(qtbot, window, digits):
    for digit in digits:
        qtbot.mouseClick(window.technician.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.technician.keys["OK"], Qt.MouseButton.LeftButton)


def test_technician_mode_is_built_at_the_first_corner_taps_not_with_the_window(
    locked_window, qtbot
):
    window, _ = locked_window
    assert window.staff_side._overlay is None  # most days no technician comes
    assert not window.findChildren(QWidget, "technician")
    tap_corner(qtbot, window)
    overlay = window.findChild(QWidget, "technician")
    assert overlay is window.technician and overlay.pin_page.isVisible()


def test_a_locked_kiosk_ignores_close_and_keys(locked_window, qtbot):
    window, _ = locked_window
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    window.close()
    assert window.isVisible()  # Alt+F4 or a window manager's close: ignored
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.isVisible()


def test_technician_mode_needs_the_pin_then_offers_practice_and_quit(locked_window, qtbot):
    window, services = locked_window
    tap_corner(qtbot, window, times=4)
    assert not window.technician.isVisible()
    tap_corner(qtbot, window, times=1)
    assert window.technician.isVisible() and window.technician.pin_page.isVisible()
    enter(qtbot, window, "111111")
    assert window.technician.problem.isVisible()
    assert not window.technician.menu_page.isVisible()
    assert "111111" not in window.technician.marks.text()
    enter(qtbot, window, PIN)
    assert window.technician.menu_page.isVisible()
    assert "printer: ready" in window.technician.status.text()

    qtbot.mouseClick(window.technician.practice_button, Qt.MouseButton.LeftButton)
    assert services.practice
    assert window.home.practice_badge.isVisible()
    qtbot.mouseClick(window.technician.practice_button, Qt.MouseButton.LeftButton)
    assert not services.practice

    qtbot.mouseClick(window.technician.quit_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_after_five_wrong_pins_the_pin_page_says_how_long_to_wait(locked_window, qtbot):
    window, _ = locked_window
    tap_corner(qtbot, window)
    for _ in range(5):
        enter(qtbot, window, "111111")
    assert "30秒" in window.technician.problem.text()
    enter(qtbot, window, PIN)  # locked: even the right PIN waits
    assert not window.technician.menu_page.isVisible()
    assert "秒後にもう一度" in window.technician.problem.text()
    window.technician.hide()
    tap_corner(qtbot, window)  # opening the page again says it at once
    assert window.technician.pin_page.isVisible()
    assert "秒後にもう一度" in window.technician.problem.text()


def test_without_a_configured_pin_nobody_gets_in(settings, kiosk_paths, japanese_qapp, qtbot):
    from kiosk.cli.local_backend import build_services

    services = build_services(settings, kiosk_paths)  # no technician_pin_hash
    window = KioskWindow(
        services, QtEventBridge(services.events), Look(settings.theme, "standard"), locked=True
    )
    qtbot.addWidget(window)
    window.show()
    tap_corner(qtbot, window)
    enter(qtbot, window, PIN)
    assert not window.technician.menu_page.isVisible()
    window.leave_kiosk()
    services.close()


def test_the_cli_prints_a_config_line_that_verifies_and_never_the_pin(tmp_path):
    import subprocess
    import sys
    import tomllib

    from kiosk.config import load_settings

    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "technician", "pin"],
        input=f"{PIN}\n{PIN}\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert PIN not in done.stdout
    config = tmp_path / "kiosk.toml"
    config.write_text(done.stdout, encoding="utf-8")
    stored = load_settings(config, environ={}).technician_pin_hash
    assert stored == tomllib.loads(done.stdout)["technician_pin_hash"]
    assert verify_pin(PIN, stored)
    mismatch = subprocess.run(
        [sys.executable, "-m", "kiosk", "technician", "pin"],
        input=f"{PIN}\n1357913\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert mismatch.returncode == 2 and "differ" in mismatch.stderr


def test_the_technician_desk_decides_without_qt(settings, kiosk_paths):
    from kiosk.cli.local_backend import build_services
    from kiosk.technician import NOTHING_TO_REPRINT, TechnicianDesk

    services = build_services(
        settings.model_copy(update={"technician_pin_hash": hash_pin(PIN)}), kiosk_paths
    )
    try:
        desk = TechnicianDesk(services)
        assert desk.enter("111111") is None
        menu = desk.enter(PIN)
        assert menu is not None and not menu.practice and "printer: ready" in menu.devices
        assert desk.toggle_practice().practice and services.practice
        assert desk.reprint() == NOTHING_TO_REPRINT  # nothing printed yet
        assert desk.requeue() == ()
    finally:
        services.close()
