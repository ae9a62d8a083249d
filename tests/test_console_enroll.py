"""Enrolling and revoking kiosks on the console (backend/console/enroll_pages.py), against the
real `kiosk backend serve`: an administrator registers a new kiosk and gets a one-time code
shown as text and as a QR code that zbar reads (backend address and code); the code buys a
kiosk its token once; 無効にする ends that token. Clerks and forged forms are refused; axe
finds nothing serious on the pages."""

from __future__ import annotations

import re

import requests

from backend import audit
from core.enrollment import CODE_ALPHABET, ENROLL_QR_PREFIX, parse_enrollment_qr
from core.wire import ENROLL_PATH, HEARTBEAT_PATH
from tests.browser import axe_report, axe_violations, screenshot, screenshot_folder
from tests.console_support import PASSWORD, TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401
from tests.preentry_support import zbar_scan

CODE = re.compile(rf"<code>([{CODE_ALPHABET}]{{5}}-[{CODE_ALPHABET}]{{5}})</code>")


def _heartbeat(url: str, kiosk_id: str, token: str) -> int:
    from datetime import UTC, datetime

    body = {
        "kiosk_id": kiosk_id,
        "sent_at": datetime.now(UTC).isoformat(),
        "app_version": "test",
        "catalog_version": "test",
        "queue_depth": 0,
        "quarantined": 0,
        "devices": {},
        "alerts": [],
    }
    answer = requests.post(
        url + HEARTBEAT_PATH,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    return answer.status_code


def test_an_admin_enrolls_a_kiosk_and_revokes_it(console, page, tmp_path):  # noqa: F811
    console.add_user("enroll-admin", "admin")
    page.goto(console.url + "/staff/login")
    page.fill("#login-name", "enroll-admin")
    page.fill("#login-password", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(console.url + "/staff/kiosks")
    assert not axe_violations(page), axe_report(axe_violations(page))
    page.fill("#enroll-id", "kiosk-41")
    page.fill("#enroll-name", "2階 福祉課前")
    page.fill("#enroll-location", "本庁舎2階")
    page.click("form[action='/staff/enroll'] button[type=submit]")
    page.wait_for_selector(".enroll-code")
    assert not axe_violations(page), axe_report(axe_violations(page))
    screenshot(page, screenshot_folder(tmp_path) / "console-enroll-code.png")
    code = CODE.search(page.content()).group(1)
    # The QR code on the screen, as a kiosk's scanner reads it: the backend and the code.
    shot = tmp_path / "enroll-qr.png"
    page.locator(".enroll-qr svg").screenshot(path=str(shot))
    scanned = zbar_scan(shot).text
    assert scanned.startswith(ENROLL_QR_PREFIX + " ")
    backend_url, normalized = parse_enrollment_qr(scanned)
    assert backend_url == console.url and normalized == code.replace("-", "")

    enrolled = requests.post(console.url + ENROLL_PATH, json={"code": code}, timeout=TIMEOUT)
    assert enrolled.status_code == 200, enrolled.text
    token = enrolled.json()["token"]
    assert enrolled.json()["kiosk_id"] == "kiosk-41"
    again = requests.post(console.url + ENROLL_PATH, json={"code": code}, timeout=TIMEOUT)
    assert again.status_code == 403  # once only
    assert _heartbeat(console.url, "kiosk-41", token) == 200

    page.goto(console.url + "/staff/kiosks")
    assert "受付記号 A" in page.locator("tr", has_text="kiosk-41").inner_text()
    page.click("a[href='/staff/kiosks/kiosk-41/revoke']")
    assert not axe_violations(page), axe_report(axe_violations(page))
    page.click("form.confirm-form button[type=submit]")
    page.wait_for_selector("text=kiosk-41 を無効にしました")
    assert _heartbeat(console.url, "kiosk-41", token) == 401
    engine = console.engine()
    try:
        actions = [e["action"] for e in audit.entries(engine, kiosk_id="kiosk-41")]
    finally:
        engine.dispose()
    assert {"enroll_code", "enrolled", "kiosk_revoked"} <= set(actions)
    assert code not in console.log.read_text(encoding="utf-8")  # no code in the log


def test_only_an_admin_with_the_form_enrolls(console):  # noqa: F811
    console.add_user("enroll-clerk", "clerk", ["市民課"])
    console.add_user("enroll-admin2", "admin")
    clerk = console.login("enroll-clerk")
    token = console.csrf(clerk)
    refused = clerk.post(
        console.url + "/staff/enroll",
        data={"csrf_token": token, "kiosk_id": "kiosk-42"},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 403 and "kiosk-42" not in refused.text
    admin = console.login("enroll-admin2")
    forged = admin.post(
        console.url + "/staff/enroll", data={"kiosk_id": "kiosk-42"}, timeout=TIMEOUT
    )
    assert forged.status_code == 403 and not CODE.search(forged.text)
    wrong = admin.post(
        console.url + "/staff/enroll",
        data={"csrf_token": console.csrf(admin), "kiosk_id": "Kiosk 42!"},
        timeout=TIMEOUT,
    )
    assert wrong.status_code == 422 and not CODE.search(wrong.text)
    shown = admin.post(
        console.url + "/staff/enroll",
        data={"csrf_token": console.csrf(admin), "kiosk_id": "kiosk-42"},
        timeout=TIMEOUT,
    )
    assert shown.status_code == 200 and CODE.search(shown.text)
    assert shown.headers["cache-control"] == "no-store"  # a code must not stay in a cache


def test_the_enrollment_qr_text_is_read_back_or_refused_plainly():
    import pytest

    from core.enrollment import InvalidCode, enrollment_qr

    text = enrollment_qr("https://madoguchi.example.lg.jp/", "cdgpc ftm3a")
    assert text == "MADOGUCHI-ENROLL/1 https://madoguchi.example.lg.jp CDGPC-FTM3A"
    assert parse_enrollment_qr(text) == ("https://madoguchi.example.lg.jp", "CDGPCFTM3A")
    for wrong, said in (
        ("MADOGUCHI-PRE/2 x y", "not an enrollment code"),
        ("MADOGUCHI-ENROLL/1 ftp://x CDGPC-FTM3A", "not an http(s) URL"),
        ("MADOGUCHI-ENROLL/1 https://x CDGPC-FTM3O", "never contains 'O'"),
    ):
        with pytest.raises(InvalidCode, match=re.escape(said)) as refused:
            parse_enrollment_qr(wrong)
        assert "CDGPC" not in str(refused.value)  # the reason, never the code
