"""The issue's own test: settings pushed on the console reach a running kiosk within one
heartbeat and take effect at the next resident, not in the middle of one. A KioskWindow
(pytest-qt) syncs against the real backend (`kiosk backend serve`, its own process, console
included); an administrator changes this kiosk's text size and idle time on the console's
form; one heartbeat later the kiosk has them, the resident mid-question keeps the old ones, and
the next resident starts with the new ones."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import requests

from backend import db
from backend.console import users
from kiosk.cli.local_backend import build_services
from kiosk.config import TextSize
from kiosk.events import SettingsArrived
from tests.gui import show_window, tap
from tests.sync_support import kiosk_settings

PASSWORD = "correct horse battery"
TIMEOUT = 10
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_admin(backend) -> requests.Session:
    """An administrator logged in to the backend's console (a session and its CSRF token)."""
    engine = db.connect(f"sqlite:///{backend.paths.database}")
    try:
        users.create(engine, "push-admin", "admin", PASSWORD, [], datetime.now(UTC))
    finally:
        engine.dispose()
    browser = requests.Session()
    login = browser.get(backend.url + "/staff/login", timeout=TIMEOUT)
    token = CSRF_FIELD.search(login.text).group(1)
    answer = browser.post(
        backend.url + "/staff/login",
        data={"csrf_token": token, "name": "push-admin", "password": PASSWORD},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 303, answer.text
    return browser


def test_pushed_settings_reach_the_kiosk_in_one_heartbeat_and_wait_for_the_next_resident(
    live_backend, kiosk_paths, japanese_qapp, qtbot
):
    services = build_services(
        kiosk_settings(live_backend, data_dir=kiosk_paths.data_dir), kiosk_paths
    )
    arrived: list[SettingsArrived] = []
    services.events.subscribe(
        lambda event: arrived.append(event) if isinstance(event, SettingsArrived) else None
    )
    try:
        window = show_window(services, qtbot)
        assert services.sync.heartbeat() is None  # the console now knows kiosk-01
        assert window.look.text_size is TextSize.STANDARD
        assert window.idle.policy.quiet_s == 90.0
        home_font = window.home.title.font().pixelSize() or window.home.title.font().pointSize()

        # A resident is in the middle of a procedure.
        tap(qtbot, window.home.primary_button)
        tap(qtbot, window.menu.category_buttons["certificates"])
        tap(qtbot, window.menu.procedure_buttons["juminhyo"])
        assert window.stack.currentWidget() is window.question

        browser = console_admin(live_backend)
        form = browser.get(live_backend.url + "/staff/kiosks/kiosk-01/settings", timeout=TIMEOUT)
        assert form.status_code == 200, form.text
        saved = browser.post(
            live_backend.url + "/staff/kiosks/kiosk-01/settings",
            data={
                "csrf_token": CSRF_FIELD.search(form.text).group(1),
                "set_text_size": "1",
                "text_size": "largest",
                "set_idle_quiet_s": "1",
                "idle_quiet_s": "200",
            },
            timeout=TIMEOUT,
        )
        assert saved.status_code == 200 and "保存しました" in saved.text

        # One heartbeat: the kiosk has the settings (kept, announced) ...
        assert services.sync.heartbeat() is None
        assert arrived == [SettingsArrived(("idle_quiet_s", "text_size"))]
        assert '"text_size": "largest"' in kiosk_paths.backend_settings.read_text("utf-8")
        # ... but the resident mid-question keeps what they started with.
        tap(qtbot, window.question.input.button("self"))
        tap(qtbot, window.question.primary_button)
        assert window.stack.currentWidget() is window.question
        assert window.look.text_size is TextSize.STANDARD
        assert window.idle.policy.quiet_s == 90.0
        assert services.settings.text_size is TextSize.STANDARD

        # The resident leaves (やりなおす): the home screen for the next one has them.
        tap(qtbot, window.question.start_over_button)
        assert window.stack.currentWidget() is window.home
        assert window.look.text_size is TextSize.LARGEST
        assert window.idle.policy.quiet_s == 200.0
        assert services.settings.text_size is TextSize.LARGEST
        larger = window.home.title.font().pixelSize() or window.home.title.font().pointSize()
        assert larger > home_font
        sources = {s.name: s.source for s in services.setting_sources()}
        assert sources["text_size"] == sources["idle_quiet_s"] == "backend"

        # The next resident changes the size for their visit only; the one after gets the
        # pushed default again.
        tap(qtbot, window.home.primary_button)
        assert window.look.text_size is TextSize.LARGEST
        window.set_look(window.look.with_changes(text_size=TextSize.STANDARD))
        tap(qtbot, window.menu.start_over_button)
        assert window.look.text_size is TextSize.LARGEST
    finally:
        window.close()
        services.close()
