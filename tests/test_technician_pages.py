"""Technician mode's pages show the kiosk's real state, each behind the PIN: sync and the
quarantine, the catalog and its problems, the log's last lines, device faults with their times,
where each setting came from, the support bundle, and the setup wizard's way back in."""

from __future__ import annotations

import logging
import socket
import time
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.config import load_settings
from kiosk.qtbridge import QtEventBridge
from kiosk.setup_wizard import Step
from kiosk.technician import hash_pin, verify_pin
from screens.theme import Look
from screens.window import KioskWindow
from tests.helpers import finalize_juminhyo as finalize

PIN = "2468013"
HAND_WRITTEN = """\
# Kiosk by the entrance (written by hand: keep this comment)
kiosk_id = "kiosk-07"  # the counter's own name for it
idle_quiet_s = 120.0
technician_pin_hash = "{pin_hash}"
"""


def write_config(kiosk_paths, extra: str = "") -> Path:
    config = kiosk_paths.config_file
    config.write_text(HAND_WRITTEN.format(pin_hash=hash_pin(PIN)) + extra, encoding="utf-8")
    return config


def kiosk_settings(kiosk_paths, settings, **overrides):
    """Settings as a kiosk reads them: kiosk.toml (with the PIN), the backend's file, then
    overrides; so reading every layer again (reload_settings) reads that same kiosk.toml."""
    return load_settings(
        kiosk_paths.config_file,
        environ={},
        data_dir=kiosk_paths.data_dir,
        seal_public_key=settings.seal_public_key,
        **overrides,
    )


def open_window(qtbot, services, size=(1920, 1080)) -> KioskWindow:
    window = KioskWindow(
        services,
        QtEventBridge(services.events),
        Look(services.settings.theme, services.settings.text_size),
        locked=True,
    )
    window.resize(*size)
    qtbot.addWidget(window)
    window.show()
    return window


def tap(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def tap_corner(qtbot, window, times: int = 5) -> None:
    target = window.childAt(5, 5) or window
    for _ in range(times):
        at = target.mapFrom(window, QPoint(5, 5))
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=at)


def enter_pin(qtbot, window, digits: str = PIN) -> None:
    for digit in digits:
        tap(qtbot, window.technician.keys[digit])
    tap(qtbot, window.technician.keys["OK"])


def button(window, name: str) -> QPushButton:
    found = window.findChild(QPushButton, name)
    assert found is not None, name
    return found


def open_page(qtbot, window, name: str) -> str:
    """Through the menu's button, as a technician would; the page's text as read."""
    tap(qtbot, window.technician.page_buttons[name])
    assert window.technician.current_page() == name
    return window.technician.pages[name].shown_text()


@pytest.fixture
def kiosk(settings, kiosk_paths, japanese_qapp, qtbot):
    """A locked kiosk window over real services, technician mode entered with the PIN."""
    from kiosk.cli.local_backend import build_services

    write_config(kiosk_paths)
    services = build_services(kiosk_settings(kiosk_paths, settings), kiosk_paths)
    window = open_window(qtbot, services)
    tap_corner(qtbot, window)
    enter_pin(qtbot, window)
    assert window.technician.menu_visible
    yield window, services
    window.leave_kiosk()
    services.close()


def test_no_page_is_reachable_without_the_pin(settings, kiosk_paths, japanese_qapp, qtbot):
    from kiosk.cli.local_backend import build_services

    write_config(kiosk_paths)
    services = build_services(kiosk_settings(kiosk_paths, settings), kiosk_paths)
    window = open_window(qtbot, services)
    overlay = window.technician
    try:
        tap_corner(qtbot, window)
        assert overlay.pin_page.isVisible()
        assert not any(button.isVisible() for button in overlay.page_buttons.values())
        for name in overlay.pages:  # even asked directly, no page opens
            overlay.open_page(name)
            assert overlay.current_page() is None and overlay.pin_page.isVisible()
        enter_pin(qtbot, window, "111111")
        assert overlay.pin_page.isVisible() and overlay.current_page() is None
        enter_pin(qtbot, window)
        open_page(qtbot, window, "settings")
        tap(qtbot, overlay.close_button)
        tap_corner(qtbot, window)  # opened again: the PIN again, not the page left open
        assert overlay.pin_page.isVisible() and overlay.current_page() is None
        overlay.open_page("sync")
        assert overlay.current_page() is None
    finally:
        window.leave_kiosk()
        services.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nobody listens


def test_sync_page_shows_the_queue_the_last_error_and_the_quarantine(
    settings, kiosk_paths, japanese_qapp, qtbot
):
    from kiosk.cli.local_backend import build_services

    write_config(kiosk_paths)
    # A backend nobody answers at: sending now fails for real, and says why.
    configured = kiosk_settings(
        kiosk_paths,
        settings,
        backend_url=f"http://127.0.0.1:{closed_port()}",
        backend_token="t" * 32,
        request_timeout_s=2.0,
    )
    services = build_services(configured, kiosk_paths)
    waiting = finalize(services)
    refused = finalize(services)
    services.store.quarantine(refused.id, "sealed answers cannot be opened")
    window = open_window(qtbot, services)
    try:
        tap_corner(qtbot, window)
        enter_pin(qtbot, window)
        shown = open_page(qtbot, window, "sync")
        assert "Waiting to send: 1" in shown
        assert "Last successful sync: まだありません / never" in shown
        assert "Quarantined: 1" in shown and "sealed answers cannot be opened" in shown
        assert str(refused.reception_number) in shown
        assert str(waiting.reception_number) not in shown  # waiting is not refused
        page = window.technician.pages["sync"]

        tap(qtbot, window.technician.sync_button)

        # The page follows the send it started, without a touch (the live refresh).
        qtbot.waitUntil(lambda: "Last error: なし" not in page.shown_text(), timeout=15_000)
        tap(qtbot, button(window, "tech_sync_refresh"))
        assert "Last error: backend unreachable" in page.shown_text()
        assert "Next attempt:" in page.shown_text() and "Waiting to send: 1" in page.shown_text()

        tap(qtbot, window.technician.requeue_button)
        assert services.store.sync_counts()["quarantined"] == 0
        assert "Quarantined: 0" in page.shown_text()
        assert not window.technician.requeue_button.isEnabled()
    finally:
        window.leave_kiosk()
        services.close()


def test_catalog_page_shows_the_version_where_it_came_from_and_its_problems(
    settings, kiosk_paths, japanese_qapp, qtbot, tmp_path
):
    from kiosk.cli.local_backend import build_services

    write_config(kiosk_paths)
    override = tmp_path / "override"
    override.mkdir()
    configured = kiosk_settings(kiosk_paths, settings, catalog_dir=override)
    first = build_services(configured, kiosk_paths)  # a good catalog: kept as the last good
    version = first.catalog.content_version
    first.close()
    broken = override / "procedures" / "koseki.toml"
    broken.parent.mkdir(parents=True)
    broken.write_text("id = \n", encoding="utf-8")
    services = build_services(configured, kiosk_paths)
    window = open_window(qtbot, services)
    try:
        tap_corner(qtbot, window)
        enter_pin(qtbot, window)
        shown = open_page(qtbot, window, "catalog")
        assert f"Version in use: {version}" in shown
        assert f"the technician's catalog_dir: {override}" in shown
        assert "the last good catalog is in use" in shown and "koseki.toml" in shown
    finally:
        window.leave_kiosk()
        services.close()


def test_catalog_page_of_a_kiosk_on_its_shipped_catalog(kiosk, qtbot):
    window, services = kiosk
    shown = open_page(qtbot, window, "catalog")
    assert "shipped with the kiosk" in shown and "Problems: なし / none" in shown
    assert services.catalog.content_version in shown


@pytest.fixture
def kiosk_log(kiosk_paths):
    from kiosk.logs import configure_logging

    path = configure_logging(kiosk_paths.log_dir)
    yield path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_madoguchi", False):
            root.removeHandler(handler)
            handler.close()


def test_log_page_shows_the_last_lines_the_kiosk_logged(kiosk_log, kiosk, qtbot):
    window, _ = kiosk
    logging.getLogger("kiosk.test").warning("marker line %s for the log page", "7c1f")
    shown = open_page(qtbot, window, "log")
    assert "marker line 7c1f for the log page" in shown
    assert "technician mode entered" in shown  # the kiosk's own line, moments before
    logging.getLogger("kiosk.test").warning("a later line %s", "9e2a")
    assert "a later line 9e2a" not in window.technician.pages["log"].shown_text()
    tap(qtbot, button(window, "tech_log_refresh"))
    assert "a later line 9e2a" in window.technician.pages["log"].shown_text()


def test_devices_page_shows_a_printer_fault_with_its_time(kiosk, qtbot):
    window, services = kiosk
    shown = open_page(qtbot, window, "devices")
    assert "printer: ready" in shown and "Recent faults: なし / none" in shown
    services.printer.close()  # the simulated printer goes away; the supervisor's poll sees it
    qtbot.waitUntil(lambda: bool(services.device_faults.recent("printer")), timeout=10_000)
    services.printer.open()
    tap(qtbot, button(window, "tech_devices_refresh"))
    shown = window.technician.pages["devices"].shown_text()
    fault = services.device_faults.recent("printer")[0]
    assert fault.state == "closed"
    assert "最近の異常 / Recent faults:" in shown
    assert time.strftime("%Y-%m-%d", time.localtime(fault.at)) in shown
    assert "closed" in shown.split("Recent faults:")[1]


def test_devices_page_keeps_a_condition_the_supervisor_reported(kiosk, qtbot):
    from devices.device_state import DeviceState, DeviceStatus

    window, services = kiosk
    paper_out = DeviceStatus(DeviceState.ERROR, frozenset({"paper_out"}), "no paper")
    services.on_device_status("printer", paper_out)  # as the supervisor reports a change
    shown = open_page(qtbot, window, "devices")
    assert "error: paper_out" in shown


def test_settings_page_shows_where_each_setting_came_from(kiosk, qtbot):
    window, services = kiosk
    shown = open_page(qtbot, window, "settings")
    rows = {row.name: row for row in services.setting_sources()}
    assert rows, "services.setting_sources() lists the settings"
    assert f"kiosk_id = kiosk-07   [{rows['kiosk_id'].source}]" in shown
    assert rows["kiosk_id"].source == "kiosk.toml"
    assert "idle_warning_s = 30.0   [default]" in shown
    assert services.settings.technician_pin_hash not in shown  # a secret: set or not, only
    column = window.technician.pages["settings"].column
    qtbot.waitUntil(lambda: column.down_button.isVisible())  # every row, by ▼ if need be


def test_settings_page_renders_what_it_is_given(kiosk, qtbot, monkeypatch):
    from kiosk.setting_sources import SettingSource

    window, services = kiosk
    stand_in = [
        SettingSource("idle_quiet_s", "45.0", "backend"),
        SettingSource("backend_token", "(set)", "kiosk.toml"),
    ]
    monkeypatch.setattr(services, "setting_sources", lambda: stand_in)
    shown = open_page(qtbot, window, "settings")
    assert "idle_quiet_s = 45.0   [backend]" in shown
    assert "backend_token = (set)   [kiosk.toml]" in shown


def test_support_page_writes_a_bundle_to_the_folder_chosen(kiosk, qtbot, tmp_path):
    window, services = kiosk
    stick = tmp_path / "media" / "USBSTICK"
    stick.mkdir(parents=True)
    window.staff_side.bundle.list_folders = lambda: [stick]  # as if mounted under /media
    shown = open_page(qtbot, window, "support")
    assert "no secrets" in shown
    page = window.technician.bundle_page
    assert page.folder_buttons[0].isVisible() and not page.folder_buttons[1].isVisible()
    tap(qtbot, page.folder_buttons[0])
    qtbot.waitUntil(lambda: "Written:" in page.shown_text(), timeout=60_000)
    written = list(stick.glob("madoguchi-support-*.zip"))
    assert len(written) == 1 and str(written[0]) in page.shown_text()
    with zipfile.ZipFile(written[0]) as bundle:
        assert bundle.namelist()
        for name in bundle.namelist():
            assert services.settings.technician_pin_hash.encode() not in bundle.read(name)
    assert page.folder_buttons[0].isEnabled()  # ready for another


def test_support_page_says_in_plain_words_why_a_bundle_was_not_written(kiosk, qtbot, tmp_path):
    window, _ = kiosk
    not_a_folder = tmp_path / "gone"  # a stick pulled out after it was listed
    window.staff_side.bundle.list_folders = lambda: [not_a_folder]
    open_page(qtbot, window, "support")
    page = window.technician.bundle_page
    tap(qtbot, page.folder_buttons[0])
    qtbot.waitUntil(lambda: "Not written:" in page.shown_text(), timeout=60_000)
    assert not not_a_folder.exists()


def test_support_page_without_a_stick_says_to_plug_one_in(kiosk, qtbot):
    window, _ = kiosk
    window.staff_side.bundle.list_folders = lambda: []
    shown = open_page(qtbot, window, "support")
    assert "please plug in a USB stick" in shown
    assert not any(b.isVisible() for b in window.technician.bundle_page.folder_buttons)


def test_setup_opens_one_step_of_the_wizard_and_comes_back_saying_what_took_effect(kiosk, qtbot):
    window, services = kiosk
    open_page(qtbot, window, "setup")
    page = window.technician.pages["setup"]
    with qtbot.waitSignal(window.staff_side.setup_requested, timeout=2_000) as asked:
        tap(qtbot, page.step_buttons["pin"])
    assert asked.args == ["pin"]
    assert not window.technician.isVisible()
    wizard = window.findChild(QWidget, "setup_wizard")
    assert wizard is not None and wizard.isVisible() and wizard.step.value == "pin"
    # A new PIN, twice, then close: it takes effect now (no restart), and the menu is back.
    old_hash = services.settings.technician_pin_hash
    pin_step = wizard.pages[wizard.step]
    for entry in ("246813", "246813"):
        for digit in entry:
            tap(qtbot, pin_step.pad.digit_keys[digit])
        tap(qtbot, pin_step.ok)
    assert "PINを設定しました" in pin_step.result.text()
    tap(qtbot, wizard.close_button)
    qtbot.waitUntil(lambda: window.technician.isVisible(), timeout=5_000)
    assert window.technician.menu_visible
    assert "反映しました" in window.technician.status.text()
    assert services.settings.technician_pin_hash not in ("", old_hash)
    assert verify_pin("246813", services.settings.technician_pin_hash)


def test_back_returns_to_the_menu_and_practice_reprint_quit_stay(kiosk, qtbot):
    window, services = kiosk
    overlay = window.technician
    for name in overlay.pages:
        open_page(qtbot, window, name)
        tap(qtbot, overlay.pages[name].back_button)
        assert overlay.menu_visible
    tap(qtbot, overlay.practice_button)
    assert services.practice
    tap(qtbot, overlay.practice_button)
    assert not services.practice
    assert overlay.reprint_button.isVisible() and overlay.quit_button.isVisible()


def test_a_device_changed_in_the_wizard_waits_for_the_next_start(kiosk):
    """A new printer port is written, read again, and reported as waiting for the next
    start: the running kiosk's printer was built from the old setting."""
    from kiosk.config_writer import update_config

    window, services = kiosk
    update_config(services.paths.config_file, {"printer_model": "tm-m30"})
    assert window.staff_side._apply_setup(Step.PRINTER) is False
    assert services.settings.printer_model == "tm-m30"  # read, though the printer waits
    assert window.staff_side._apply_setup(Step.PIN) is True  # nothing more changed
