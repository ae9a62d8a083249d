"""Pushed settings on the console (backend/console/kiosk_settings_pages.py), against the real
`kiosk backend serve` in Chromium: an administrator sets fleet-wide and per-kiosk settings and
sees what a kiosk ends up with and where it comes from; clerks, forms without the session's
CSRF token and values out of range are refused and nothing is stored; axe finds nothing
serious on the pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend import audit, kiosk_health, kiosk_settings
from tests.browser import axe_report, axe_violations, screenshot, screenshot_folder
from tests.console_support import PASSWORD, TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401


def _register(console, kiosk_id: str) -> None:  # noqa: F811
    engine = console.engine()
    try:
        kiosk_health.register(
            engine,
            kiosk_id,
            name="市民課前",
            location="本庁舎1階",
            who="test",
            now=datetime.now(UTC),
            create=True,
        )
    finally:
        engine.dispose()


def _stored(console, scope: str) -> dict:  # noqa: F811
    engine = console.engine()
    try:
        return kiosk_settings.read(engine, scope).settings.values()
    finally:
        engine.dispose()


def _effective(console, kiosk_id: str) -> dict:  # noqa: F811
    engine = console.engine()
    try:
        return kiosk_settings.effective(engine, kiosk_id).values()
    finally:
        engine.dispose()


def test_an_admin_sets_fleet_and_kiosk_settings_and_sees_where_each_comes_from(
    console,  # noqa: F811
    page,
    tmp_path,
):
    console.add_user("settings-admin", "admin")
    _register(console, "kiosk-51")
    page.goto(console.url + "/staff/login")
    page.fill("#login-name", "settings-admin")
    page.fill("#login-password", PASSWORD)
    page.click("form button[type=submit]")

    page.goto(console.url + "/staff/kiosks")
    page.click("a[href='/staff/fleet-settings']")
    assert not axe_violations(page), axe_report(axe_violations(page))
    page.check("#set-practice")
    page.check("input[name=practice][value=on]")
    page.check("#set-idle_quiet_s")
    page.fill("#value-idle_quiet_s", "120")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_selector("text=保存しました")
    assert _stored(console, kiosk_settings.FLEET) == {"practice": True, "idle_quiet_s": 120.0}

    page.goto(console.url + "/staff/kiosks")
    page.click("a[href='/staff/kiosks/kiosk-51/settings']")
    assert not axe_violations(page), axe_report(axe_violations(page))
    practice = page.locator("#effective-practice").inner_text()
    assert "する" in practice and "全端末共通の設定" in practice
    assert "端末の設定ファイルのまま" in page.locator("#effective-text_size").inner_text()
    page.check("#set-text_size")
    page.select_option("#value-text_size", "largest")
    page.check("#set-idle_quiet_s")
    page.fill("#value-idle_quiet_s", "300")
    page.check("#set-procedures")
    page.check("input[name=procedures][value=juminhyo]")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_selector("text=保存しました")
    assert not axe_violations(page), axe_report(axe_violations(page))
    screenshot(page, screenshot_folder(tmp_path) / "console-kiosk-settings.png", full_page=True)
    size = page.locator("#effective-text_size").inner_text()
    assert "いちばん大きい" in size and "この端末の設定" in size
    assert "300秒" in page.locator("#effective-idle_quiet_s").inner_text()
    assert "全端末共通の設定" in page.locator("#effective-practice").inner_text()
    assert _effective(console, "kiosk-51") == {
        "practice": True,
        "idle_quiet_s": 300.0,
        "text_size": "largest",
        "procedures": ["juminhyo"],
    }
    # The form shows what is stored: the boxes ticked, the values filled in.
    assert page.is_checked("#set-text_size") and not page.is_checked("#set-practice")
    assert page.input_value("#value-idle_quiet_s") == "300"

    # Unticking a box stops setting it here: the fleet-wide value counts again.
    page.uncheck("#set-idle_quiet_s")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_selector("text=保存しました")
    assert "120秒" in page.locator("#effective-idle_quiet_s").inner_text()
    engine = console.engine()
    try:
        entries = audit.entries(engine, action=audit.Action.KIOSK_SETTINGS)
    finally:
        engine.dispose()
    assert len(entries) == 3
    assert {entry["who"] for entry in entries} == {"console:settings-admin"}
    assert {entry["kiosk_id"] for entry in entries} == {None, "kiosk-51"}


def test_a_clerk_and_forged_forms_are_refused_and_nothing_changes(console):  # noqa: F811
    console.add_user("settings-clerk", "clerk", ["市民課"])
    console.add_user("settings-admin2", "admin")
    _register(console, "kiosk-52")
    fleet_before = _stored(console, kiosk_settings.FLEET)  # the console is the module's
    clerk = console.login("settings-clerk")
    for path in ("/staff/fleet-settings", "/staff/kiosks/kiosk-52/settings"):
        assert clerk.get(console.url + path, timeout=TIMEOUT).status_code == 403
        refused = clerk.post(
            console.url + path,
            data={
                "csrf_token": console.csrf(clerk),
                "set_out_of_service": "1",
                "out_of_service": "on",
            },
            timeout=TIMEOUT,
        )
        assert refused.status_code == 403
    assert _stored(console, "kiosk-52") == {}
    assert _stored(console, kiosk_settings.FLEET) == fleet_before

    admin = console.login("settings-admin2")
    for token in (None, "forged-" + "x" * 40):
        data = {"set_out_of_service": "1", "out_of_service": "on"}
        if token is not None:
            data["csrf_token"] = token
        forged = admin.post(
            console.url + "/staff/kiosks/kiosk-52/settings", data=data, timeout=TIMEOUT
        )
        assert forged.status_code == 403
    assert _stored(console, "kiosk-52") == {}
    unknown = admin.get(console.url + "/staff/kiosks/kiosk-99/settings", timeout=TIMEOUT)
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("idle_quiet_s", "5", "10から3600までの秒数"),
        ("idle_quiet_s", "3600.5", "10から3600までの秒数"),
        ("idle_quiet_s", "nan", "10から3600までの秒数"),
        ("idle_warning_s", "301", "20から300までの秒数"),
        ("idle_warning_s", "二十", "20から300までの秒数"),
        ("out_of_service_message", "あ" * 201, "200文字まで"),
        ("text_size", "huge", "選択肢から選んでください"),
        ("practice", "maybe", "選択肢から選んでください"),
        ("procedures", "not_a_procedure", "この自治体の手続きだけ"),
    ],
)
def test_a_value_out_of_range_is_refused_plainly_and_nothing_is_stored(
    console,  # noqa: F811
    field,
    value,
    said,
):
    name = f"settings-admin-{field}-{len(value)}-{value[:4]}".replace(".", "")
    console.add_user(name[:40], "admin")
    admin = console.login(name[:40])
    before = _stored(console, kiosk_settings.FLEET)
    answer = admin.post(
        console.url + "/staff/fleet-settings",
        data={
            "csrf_token": console.csrf(admin),
            "set_text_size": "1",
            "text_size": "large",  # valid, but not stored either: all or nothing
            f"set_{field}": "1",
            field: value,
        },
        timeout=TIMEOUT,
    )
    assert answer.status_code == 422
    assert said in answer.text and "設定は保存していません" in answer.text
    assert _stored(console, kiosk_settings.FLEET) == before
