"""A resident presses 職員を呼ぶ on a kiosk: in real Chromium, the staff call appears on the open
console pages of two members of staff within 5 s; one acknowledges it, it is gone for both,
and the kiosk learns with its next heartbeat that staff are coming. The kiosk is the kiosk's
own Services (kiosk.services.call_staff, the call the screen makes) syncing over HTTP to
`kiosk backend serve` in its own process. axe checks the kiosks and audit pages."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from backend import kiosk_health, tokens
from kiosk.cli.local_backend import build_services
from kiosk.config import load_settings
from kiosk.events import StaffComing
from tests.browser import (
    axe_report,
    axe_violations,
    new_context,
    screenshot,
    screenshot_folder,
)
from tests.console_support import PASSWORD, RunningConsole

LIVE_WITHIN_MS = 5_000


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    root = tmp_path_factory.mktemp("alerts-console")
    running = RunningConsole(root / "backend", f"sqlite:///{root / 'backend.sqlite3'}")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def kiosk(console, kiosk_paths):
    engine = console.engine()
    try:
        token = tokens.issue(engine, "kiosk", "kiosk-01")
        if "kiosk-01" not in kiosk_health.registered(engine):
            kiosk_health.register(
                engine,
                "kiosk-01",
                name="1番 総合案内",
                location="本庁舎1階 市民課前",
                who="test",
                now=datetime.now(UTC),
                create=True,
            )
    finally:
        engine.dispose()
    settings = load_settings(
        environ={},
        backend_url=console.url,
        seal_public_key=console.paths.keys / "public.pem",
        backend_token=token,
        request_timeout_s=5,
    )
    services = build_services(settings, kiosk_paths)
    yield services
    services.close()


def log_in(page: Page, console: RunningConsole, name: str, then: str) -> None:
    page.goto(console.url + "/staff/login")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".who-name")).to_have_text(name)
    page.goto(console.url + then)


def test_a_staff_call_appears_live_and_one_acknowledgement_clears_it_for_everyone(
    console, kiosk, page, chromium, console_errors, tmp_path
):
    console.add_user("br-admin", "admin")
    console.add_user("br-clerk", "clerk", ["市民課"])
    assert kiosk.sync.heartbeat() is None  # the kiosk is known, with nothing to report
    log_in(page, console, "br-admin", "/staff/kiosks")
    other_context = new_context(chromium, console_errors)
    try:
        other = other_context.new_page()
        log_in(other, console, "br-clerk", "/staff/")
        expect(page.locator(".alert-banner")).to_have_count(0)

        coming: list[StaffComing] = []
        kiosk.events.subscribe(lambda e: coming.append(e) if isinstance(e, StaffComing) else None)
        kiosk.call_staff("review")  # what the 職員を呼ぶ button does
        assert kiosk.sync.heartbeat() is None
        sent = time.monotonic()
        for open_page in (page, other):
            banner = open_page.locator(".alert-call")
            expect(banner).to_be_visible(timeout=LIVE_WITHIN_MS)
            expect(banner).to_contain_text("職員の呼び出し")
            expect(banner).to_contain_text("1番 総合案内（本庁舎1階 市民課前）")
        assert time.monotonic() - sent < LIVE_WITHIN_MS / 1000

        page.reload()  # the banner rendered with the page, and the call in the kiosk's list
        expect(page.locator(".alert-call")).to_be_visible()
        expect(page.locator("main")).to_contain_text("未確認")
        assert axe_violations(page) == [], axe_report(axe_violations(page))
        shot = screenshot(page, screenshot_folder(tmp_path) / "console-kiosks.png")
        assert shot.stat().st_size > 10_000

        page.locator(".alert-call button").click()
        for open_page in (page, other):
            expect(open_page.locator(".alert-call")).to_have_count(0, timeout=LIVE_WITHIN_MS)
        page.reload()
        expect(page.locator(".alert-call")).to_have_count(0)  # also without the script
        expect(page.locator("main")).to_contain_text("br-admin")  # who acknowledged it

        assert kiosk.sync.heartbeat() is None  # the reply carries the acknowledgement
        assert len(coming) == 1
        assert kiosk.sync.heartbeat() is None  # repeated by the backend, shown once
        assert len(coming) == 1

        page.goto(console.url + "/staff/audit?action=acknowledge")
        expect(page.locator(".audit-table tbody")).to_contain_text("console:br-admin")
        expect(page.locator(".audit-table tbody")).to_contain_text("職員の呼び出し")
        assert axe_violations(page) == [], axe_report(axe_violations(page))
    finally:
        other_context.close()


def test_a_paper_out_shows_on_a_page_opened_without_javascript(
    console, kiosk, chromium, console_errors
):
    from kiosk.events import StaffAlertRaised

    console.add_user("br-nojs", "supervisor")
    context = new_context(chromium, console_errors, java_script_enabled=False)
    try:
        page = context.new_page()
        kiosk.events.publish(StaffAlertRaised("printer", ("paper_out",)))
        assert kiosk.sync.heartbeat() is None
        log_in(page, console, "br-nojs", "/staff/export")
        banner = page.locator(".alert-device")
        expect(banner).to_contain_text("プリンター：用紙がありません")
        banner.locator("button").click()  # a plain form: back to the page it was sent from
        expect(page).to_have_url(console.url + "/staff/export")
        expect(page.locator(".alert-device")).to_have_count(0)
    finally:
        context.close()


def test_staff_coming_is_a_reaction_of_its_own_on_any_page(services):
    from kiosk.navigator import Navigator
    from kiosk.views import EventReaction

    navigator = Navigator(services)
    before = navigator.view
    reaction = navigator.on_event(StaffComing("2026-12-04T01:00:00+00:00"))
    assert reaction is EventReaction.STAFF_COMING and navigator.view is before
    assert services.ui.get("staff_coming", "ja") == "職員が向かっています。そのままお待ちください。"
