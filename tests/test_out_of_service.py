"""Out of service (休止中): the technician's switch writes kiosk.toml (keeping what was written
by hand), the notice covers the home screen from the next home render with the message and the
counter to go to, in the resident's language; technician mode still opens over it, behind its
PIN; the backend's pushed setting wins and the switch page says so."""

from __future__ import annotations

import json
import tomllib

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.config import TextSize, Theme
from kiosk.technician_out_of_service import nearest_counter
from screens.metrics import metrics_for
from screens.theme import Look
from tests.test_technician_pages import (
    enter_pin,
    kiosk_settings,
    open_page,
    open_window,
    tap,
    tap_corner,
    write_config,
)

COUNTER = "3番窓口（市民課 証明窓口）"  # the sample city's counter for most of its procedures


@pytest.fixture
def kiosk(settings, kiosk_paths, japanese_qapp, qtbot):
    from kiosk.cli.local_backend import build_services

    write_config(kiosk_paths)
    services = build_services(kiosk_settings(kiosk_paths, settings), kiosk_paths)
    window = open_window(qtbot, services)
    yield window, services
    window.leave_kiosk()
    services.close()


def switch(qtbot, window, on: bool, preset: str | None = None) -> None:
    """Corner taps, the PIN, 休止中, a preset, on or off, then close: all by touch."""
    tap_corner(qtbot, window)
    enter_pin(qtbot, window)
    open_page(qtbot, window, "out_of_service")
    page = window.technician.out_of_service_page
    if preset is not None:
        tap(qtbot, page.preset_buttons[preset])
    tap(qtbot, page.on_button if on else page.off_button)
    assert not window.technician.problem.isVisible(), window.technician.problem.text()


def test_the_switch_writes_kiosk_toml_and_the_notice_shows_at_the_next_home_render(
    kiosk, kiosk_paths, qtbot
):
    window, services = kiosk
    window.open_menu()  # a resident is choosing a procedure
    switch(qtbot, window, True, "closed_today")

    config = kiosk_paths.config_file.read_text(encoding="utf-8")
    assert config.startswith("# Kiosk by the entrance (written by hand: keep this comment)\n")
    assert 'kiosk_id = "kiosk-07"  # the counter\'s own name for it' in config
    values = tomllib.loads(config)
    assert values["out_of_service"] is True
    assert values["out_of_service_message"] == "closed_today"
    assert values["idle_quiet_s"] == 120.0 and values["technician_pin_hash"]
    assert services.settings.out_of_service  # read again at once (reload_settings)
    shown = window.technician.out_of_service_page.shown_text()
    assert "休止中 / OUT OF SERVICE" in shown and "本日の受付終了 / Closed for today" in shown
    tap(qtbot, window.technician.close_button)

    notice = window.staff_side.notice
    assert not notice.isVisible()  # never in the middle of a resident
    window.go_home()  # the resident finished: the next home render
    assert notice.isVisible() and notice.geometry() == window.rect()
    assert notice.heading.text() == "ただいま休止中です"
    assert notice.message.text() == "本日の受付は終了しました。"
    assert COUNTER in notice.counter.text()
    # Where the home screen's buttons are, a touch lands on the notice.
    below = window.childAt(window.width() // 2, window.height() - 10)
    assert below is notice or notice.isAncestorOf(below)
    buttons = [b for b in notice.findChildren(QPushButton) if b.isVisible()]
    assert buttons == [notice.language_button]  # residents can change the language only

    switch(qtbot, window, False)
    values = tomllib.loads(kiosk_paths.config_file.read_text(encoding="utf-8"))
    assert values["out_of_service"] is False and "out_of_service_message" not in values
    assert "written by hand: keep this comment" in kiosk_paths.config_file.read_text("utf-8")
    tap(qtbot, window.technician.close_button)
    assert not notice.isVisible()  # at home, nobody served: back in service at once
    window.go_home()
    assert not notice.isVisible()


def test_the_notice_speaks_the_residents_language(kiosk, qtbot):
    window, _ = kiosk
    switch(qtbot, window, True, "maintenance")
    tap(qtbot, window.technician.close_button)
    notice = window.staff_side.notice
    assert notice.isVisible() and notice.message.text() == "点検中です。"
    tap(qtbot, notice.language_button)
    assert window.language_overlay.isVisible()
    tap(qtbot, window.language_overlay.buttons["ja-easy"])
    assert notice.isVisible()
    assert notice.heading.text() == "いま この きかいは やすんで います"
    assert "3ばん まどぐち（しみんか しょうめいの まどぐち）" in notice.counter.text()
    window.set_language("en")
    assert notice.heading.text() == "This kiosk is out of service"
    assert notice.message.text() == "The kiosk is being checked."
    assert notice.counter.text() == "Please go to counter 3 (Citizens' Division, Certificates)."


def test_technician_mode_opens_over_the_notice_and_still_asks_the_pin(kiosk, qtbot):
    window, _ = kiosk
    switch(qtbot, window, True, "system_update")
    tap(qtbot, window.technician.close_button)
    notice = window.staff_side.notice
    assert notice.isVisible()
    tap_corner(qtbot, window)  # the taps land on the notice
    overlay = window.technician
    assert overlay.isVisible() and overlay.pin_page.isVisible() and not overlay.menu_visible
    centre = overlay.geometry().center()
    on_top = window.childAt(centre)
    assert on_top is overlay or overlay.isAncestorOf(on_top)
    enter_pin(qtbot, window, "111111")
    assert not overlay.menu_visible
    enter_pin(qtbot, window)
    assert overlay.menu_visible
    open_page(qtbot, window, "out_of_service")
    tap(qtbot, overlay.out_of_service_page.off_button)
    tap(qtbot, overlay.close_button)
    assert not notice.isVisible()


def test_the_backends_setting_wins_and_the_switch_page_says_so(kiosk, kiosk_paths, qtbot):
    window, services = kiosk
    pushed = {"out_of_service": True, "out_of_service_message": "館内の停電のため"}
    (kiosk_paths.data_dir / "backend-settings.json").write_text(
        json.dumps(pushed, ensure_ascii=False), encoding="utf-8"
    )
    services.reload_settings()
    window.go_home()
    notice = window.staff_side.notice
    assert notice.isVisible() and notice.message.text() == "館内の停電のため"  # as written
    tap_corner(qtbot, window)
    enter_pin(qtbot, window)
    shown = open_page(qtbot, window, "out_of_service")
    assert "The backend's setting overrides this switch" in shown
    tap(qtbot, window.technician.out_of_service_page.off_button)
    assert tomllib.loads(kiosk_paths.config_file.read_text("utf-8"))["out_of_service"] is False
    assert services.settings.out_of_service  # the backend still says so
    tap(qtbot, window.technician.close_button)
    window.go_home()
    assert notice.isVisible()


def test_the_counter_is_the_one_taking_most_of_the_kiosks_procedures(services):
    counter = nearest_counter(services.procedures(), services.catalog.municipality)
    assert counter.number == 3 and counter.name.text("ja") == "市民課 証明窓口"


@pytest.mark.parametrize("profile", ["kiosk", "phone"])
@pytest.mark.parametrize("theme", list(Theme))
@pytest.mark.parametrize("text_size", list(TextSize))
def test_the_notice_meets_the_resident_screen_numbers(
    profile, theme, text_size, settings, kiosk_paths, japanese_qapp, qtbot
):
    """UX.md: body text at the resident's size (32/40/48 px on the kiosk), nothing under the
    floor, the language button a full target, the whole window covered."""
    from kiosk.app import PROFILE_SIZES
    from kiosk.cli.local_backend import build_services

    write_config(kiosk_paths)
    configured = kiosk_settings(
        kiosk_paths, settings, profile=profile, theme=theme, text_size=text_size
    )
    services = build_services(configured, kiosk_paths)
    window = open_window(qtbot, services, PROFILE_SIZES[configured.profile])
    try:
        window.set_language("pt")  # among the longest texts
        services.settings = services.settings.model_copy(
            update={"out_of_service": True, "out_of_service_message": "system_update"}
        )
        window.go_home()
        notice = window.staff_side.notice
        qtbot.waitUntil(notice.isVisible)
        metrics = metrics_for(profile)
        body = Look(theme, text_size, metrics).body_px
        assert notice.geometry() == window.rect()
        assert (window.width(), window.height()) == PROFILE_SIZES[configured.profile]
        for text in notice.findChildren(QLabel):
            if text.isVisible() and text.text():
                assert QFontInfo(text.font()).pixelSize() >= metrics.smallest_px, text.objectName()
        for text in (notice.heading, notice.message, notice.counter):
            assert QFontInfo(text.font()).pixelSize() >= body, text.objectName()
            assert text.height() >= text.heightForWidth(text.width())  # not cut
        language = notice.language_button
        assert min(language.width(), language.height()) >= metrics.min_target_px
        corner = language.mapTo(window, QPoint(language.width(), language.height()))
        assert window.rect().contains(corner)
    finally:
        window.leave_kiosk()
        services.close()
