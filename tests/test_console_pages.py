"""The console's queue and application pages over plain HTTP against `kiosk backend serve`, on
SQLite and PostgreSQL (tests/console_support.py): filters, the division rule, the receipt
search, escaping, the status changes (差戻し included) and their audit entries.

Applications arrive as a kiosk sends them (tests/console_pages_support.py). The console's
server is shared by the module's tests, so each test uses kiosks of its own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import requests

from backend import audit, db
from backend.console import listing
from backend.console.jis import flags
from tests.console_pages_support import page_url, qr_text, submit, visible_text
from tests.console_support import CSRF_FIELD, TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401

CHECK_LINE = re.compile(r'name="check" value="([^"]+)">([^<]*)</label>')
NAME = "山田 太郎"


def send(console, kiosk_id, procedure="tenkyo", number="A-001", answers=None, **more):  # noqa: F811
    return submit(
        console.url,
        console.database,
        console.paths,
        kiosk_id=kiosk_id,
        procedure=procedure,
        answers=answers if answers is not None else {"name": NAME, "phone": "0312345678"},
        number=number,
        **more,
    )


def get(browser: requests.Session, url: str, **params) -> requests.Response:
    return browser.get(url, params=params, allow_redirects=False, timeout=TIMEOUT)


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [visible_text(row) for row in body.split("</tr>") if "<th" in row]


def change(console, browser, application, status, **fields):  # noqa: F811
    token = console.csrf(browser)
    return browser.post(
        console.url + page_url(application) + "/status",
        data={"csrf_token": token, "status": status, **fields},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def test_the_queue_lists_todays_applications_in_arrival_order(console):  # noqa: F811
    console.add_user("q-chief", "supervisor")
    first = send(console, "q-order", number="A-101")
    second = send(console, "q-order", "kokuho", "A-102", {"change": "join"})
    browser = console.login("q-chief")
    queue = get(browser, console.url + "/staff/", kiosk="q-order")
    assert queue.status_code == 200
    assert "<h1>本日の受付</h1>" in queue.text
    rows = rows_of(queue.text)
    assert len(rows) == 2, rows
    assert rows[0].startswith("A-101 転居届（市内での引っ越し） 1番 市民課 住民異動窓口 受付済")
    assert rows[1].startswith("A-102 国民健康保険 異動届（加入・脱退） 5番 保険年金課")
    assert "q-order" in rows[0] and "分" in rows[0]
    assert page_url(first) in queue.text and page_url(second) in queue.text
    # The live part: the table alone, and the script that fetches it (CSP 'self' only).
    assert 'src="/staff/static/queue.js"' in queue.text and "<script>" not in queue.text
    assert 'href="/staff/?date=' in queue.text  # the 更新 link, without JavaScript
    table = get(browser, console.url + "/staff/queue/rows", kiosk="q-order")
    assert table.status_code == 200 and rows_of(table.text) == rows
    assert "<html" not in table.text
    script = get(browser, console.url + "/staff/static/queue.js")
    assert script.status_code == 200 and "fetch(" in script.text


def test_filters_narrow_the_queue_and_work_as_a_plain_get_form(console):  # noqa: F811
    console.add_user("f-chief", "supervisor")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    send(console, "f-one", number="B-001")
    moved = send(console, "f-one", number="B-002")
    send(console, "f-one", "kokuho", "B-003", {"change": "leave"})
    send(console, "f-two", number="B-004")
    browser = console.login("f-chief")
    assert change(console, browser, moved, "処理中").status_code == 303

    def numbers(**query) -> list[str]:
        return [
            row.split()[0] for row in rows_of(get(browser, console.url + "/staff/", **query).text)
        ]

    assert numbers(kiosk="f-one") == ["B-001", "B-002", "B-003"]
    assert numbers(kiosk="f-one", status="処理中") == ["B-002"]
    assert numbers(kiosk="f-one", status="受付済", procedure="tenkyo") == ["B-001"]
    assert numbers(kiosk="f-two") == ["B-004"]
    assert numbers(kiosk="f-one", date=yesterday.astimezone(listing.JST).date().isoformat()) == []
    assert numbers(kiosk="f-one", number="ｂ－００３") == ["B-003"]  # as a Japanese IME types it
    assert numbers(kiosk="f-one", number="nonsense") == []
    # Nonsense in the query is dropped, not an error page.
    odd = get(browser, console.url + "/staff/", status="<x>", date="2026-13-45", kiosk="../")
    assert odd.status_code == 200
    assert re.search(r'<option value="処理中"\s*>', odd.text)  # no status kept selected


def test_a_receipt_scan_or_a_reception_number_opens_the_application(console):  # noqa: F811
    console.add_user("s-chief", "supervisor")
    one = send(console, "s-one", number="C-555")
    same_number = send(console, "s-two", number="C-556")
    send(console, "s-three", number="C-556")
    browser = console.login("s-chief")
    found = get(browser, console.url + "/staff/find", code=qr_text(one))
    assert (found.status_code, found.headers["location"]) == (303, page_url(one))
    legacy = f"MADOGUCHI1:{one['reception_number']}:{one['id']}"
    found = get(browser, console.url + "/staff/find", code=legacy)
    assert (found.status_code, found.headers["location"]) == (303, page_url(one))
    found = get(browser, console.url + "/staff/find", code="c-555")
    assert (found.status_code, found.headers["location"]) == (303, page_url(one))
    several = get(browser, console.url + "/staff/find", code="C-556")
    assert several.status_code == 200
    text = visible_text(several.text)
    assert "2件" in text and "s-two" in text and "s-three" in text
    assert page_url(same_number) in several.text
    for code in ("C-999999", "MADOGUCHI2:broken", "こんにちは"):
        missing = get(browser, console.url + "/staff/find", code=code)
        assert missing.status_code == 404 and 'role="alert"' in missing.text, code
    # The page with the scan field: focused, in a form POSTed to /staff/find with the CSRF
    # token (a sealed receipt QR may store its application; GET /staff/find still looks up).
    queue = get(browser, console.url + "/staff/")
    form = re.search(r'<form method="post" action="/staff/find".*?</form>', queue.text, re.S)
    assert form and 'name="csrf_token"' in form.group(0)
    assert re.search(r'id="scan-code" name="code"[^>]*autofocus', queue.text)


def test_clerks_see_only_their_divisions_applications(console):  # noqa: F811
    console.add_user("d-shimin", "clerk", ["市民課"])
    console.add_user("d-hoken", "clerk", ["保険年金課"])
    moving = send(console, "d-kiosk", "tenkyo", "D-001")
    insurance = send(console, "d-kiosk", "kokuho", "D-002", {"change": "join"})
    shimin = console.login("d-shimin")
    hoken = console.login("d-hoken")

    def numbers(browser) -> list[str]:
        return [
            row.split()[0]
            for row in rows_of(get(browser, console.url + "/staff/", kiosk="d-kiosk").text)
        ]

    assert numbers(shimin) == ["D-001"]
    assert numbers(hoken) == ["D-002"]
    procedures = get(shimin, console.url + "/staff/").text
    assert 'value="tenkyo"' in procedures and 'value="kokuho"' not in procedures
    assert get(shimin, console.url + page_url(moving)).status_code == 200
    refused = get(shimin, console.url + page_url(insurance))
    assert refused.status_code == 403 and 'role="alert"' in refused.text
    assert NAME not in refused.text and "担当の課" in refused.text
    by_receipt = get(shimin, console.url + "/staff/find", code=qr_text(insurance))
    assert by_receipt.status_code == 403
    assert get(shimin, console.url + "/staff/find", code="D-002").status_code == 403
    change_refused = change(console, shimin, insurance, "処理中")
    assert change_refused.status_code == 403
    log = console.log.read_text(encoding="utf-8")
    assert f"d-shimin refused application {insurance['id']}" in log
    # Nothing was opened or changed by the refused clerk.
    engine = console.engine()
    try:
        entries = audit.entries(engine, application_id=insurance["id"])
    finally:
        engine.dispose()
    assert entries == []


def test_the_application_page_reads_like_the_paper_form_and_escapes_everything(console):  # noqa: F811
    console.add_user("a-chief", "supervisor")
    answers = {
        "applicant": "proxy",
        "name": "𠮷野 髙子<script>alert(1)</script>",
        "kana": "ヨシノ タカコ",
        "household_kind": "some",
        "kokuho": True,
        "phone": "0312345678",
        "birth_date": "1989-01-07",
        "葛\U000e0100": "x",
        "old_field": "<b>old</b>",
    }
    application = send(console, "a-kiosk", "tenkyo", "E-001", answers)
    browser = console.login("a-chief")
    shown = get(browser, console.url + page_url(application))
    assert shown.status_code == 200, shown.text
    html = shown.text
    assert "<script>alert(1)</script>" not in html and "<b>old</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = visible_text(html)
    assert "お名前 𠮷野 髙子<script>" in text
    assert "申請する方 代理人（委任状が必要です）" in text
    assert "引っ越しのしかた" in text and " some " not in text
    assert "国民健康保険の方 はい" in text
    assert "03-1234-5678" in text
    assert "昭和64年1月7日（1989年1月7日）" in text
    # Characters older systems cannot take, and what they accept instead.
    assert "「𠮷」" in text and "「吉」" in text and "「髙」" in text and "「高」" in text
    assert "いまの手続きにない項目" in text
    # What to check at the counter: the power of attorney first, then the catalog's list.
    assert "委任状（本人が書いたもの）" in text and "国民健康保険の資格確認書" in text
    assert "介護保険被保険者証" not in text  # elderly was not answered yes
    assert "手数料: なし" in text
    assert "1番 市民課 住民異動窓口（市民課）" in text


def test_jis_flags_name_what_older_systems_accept():
    found = {flag.text: flag.instead for flag in flags("𠮷田 髙橋 山田－～ 葛\U000e0100飾 ①")}
    assert found == {"𠮷": "吉", "髙": "高", "葛\U000e0100": "葛", "①": "1"}
    assert flags("渡辺 さいとう カタカナ ＡＢＣ 123") == []


def test_status_changes_with_comment_and_reason_are_audited(console):  # noqa: F811
    console.add_user("t-clerk", "clerk", ["市民課"])
    application = send(console, "t-kiosk", "tenkyo", "F-001")
    browser = console.login("t-clerk")
    assert get(browser, console.url + page_url(application)).status_code == 200
    assert (
        change(
            console, browser, application, "処理中", comment="本人確認済み", **{"from": "受付済"}
        ).status_code
        == 303
    )
    # A second clerk's stale form, a transition that is not allowed, 差戻し without a reason.
    stale = change(console, browser, application, "差戻し", reason="x", **{"from": "受付済"})
    assert stale.status_code == 409 and 'role="alert"' in stale.text
    assert change(console, browser, application, "受付済", **{"from": "処理中"}).status_code == 303
    assert change(console, browser, application, "完了").status_code == 409
    assert change(console, browser, application, "処理中").status_code == 303
    no_reason = change(console, browser, application, "差戻し")
    assert no_reason.status_code == 422 and "理由" in no_reason.text
    returned = change(
        console, browser, application, "差戻し", reason="委任状がない<i>", comment="再来庁"
    )
    assert returned.status_code == 303
    assert change(console, browser, application, "処理中").status_code == 303
    # 完了 asks for every line of the counter's checklist to be ticked.
    form = get(browser, console.url + page_url(application)).text
    lines = CHECK_LINE.findall(form)
    keys, texts = [key for key, _ in lines], [unescape(text).strip() for _, text in lines]
    assert texts[0].startswith("本人確認書類で") and len(keys) >= 2, texts
    for ticked in ([], keys[:-1]):
        refused = change(console, browser, application, "完了", check=ticked)
        assert refused.status_code == 422 and "まだ確認していないもの" in refused.text
        assert texts[-1] in visible_text(refused.text)
    done = change(console, browser, application, "完了", comment="交付済み", check=keys)
    assert (done.status_code, done.headers["location"]) == (303, page_url(application))
    assert change(console, browser, application, "nonsense").status_code == 422
    page = get(browser, console.url + page_url(application))
    text = visible_text(page.text)
    assert "受付済 → 処理中" in text and "コメント: 本人確認済み" in text
    assert "処理中 → 差戻し" in text and "理由: 委任状がない<i>" in text
    assert "<i>" not in page.text
    assert "処理中 → 完了" in text and "コメント: 交付済み" in text
    engine = console.engine()
    try:
        entries = audit.entries(engine, application_id=application["id"], kiosk_id="t-kiosk")
        with engine.connect() as connection:
            status = (
                connection.execute(
                    db.applications.select().where(db.applications.c.id == application["id"])
                )
                .mappings()
                .one()["staff_status"]
            )
    finally:
        engine.dispose()
    assert status == "完了"
    assert {entry["who"] for entry in entries} == {"console:t-clerk"}
    opens = [entry for entry in entries if entry["action"] == "open"]
    assert len(opens) == 3 and opens[0]["detail"] == {"via": "console"}
    changes = [entry["detail"] for entry in reversed(entries) if entry["action"] == "status"]
    assert changes == [
        {"from": "受付済", "to": "処理中", "comment": "本人確認済み"},
        {"from": "処理中", "to": "受付済"},
        {"from": "受付済", "to": "処理中"},
        {"from": "処理中", "to": "差戻し", "reason": "委任状がない<i>", "comment": "再来庁"},
        {"from": "差戻し", "to": "処理中"},
        {"from": "処理中", "to": "完了", "comment": "交付済み", "checked": texts},
    ]
    listed = get(browser, console.url + "/staff/", kiosk="t-kiosk", status="完了")
    assert [row.split()[0] for row in rows_of(listed.text)] == ["F-001"]
    # A form without the CSRF token never reaches the handler.
    forged = browser.post(
        console.url + page_url(application) + "/status",
        data={"status": "処理中"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 403


def test_an_application_that_no_longer_opens_gets_a_plain_page(console):  # noqa: F811
    console.add_user("u-chief", "supervisor")
    application = send(console, "u-kiosk", "tenkyo", "G-001")
    engine = console.engine()
    try:
        with engine.begin() as connection:
            connection.execute(
                db.applications.update()
                .where(db.applications.c.id == application["id"])
                .values(sealed="not-a-sealed-payload")
            )
    finally:
        engine.dispose()
    browser = console.login("u-chief")
    broken = get(browser, console.url + page_url(application))
    assert broken.status_code == 409 and 'role="alert"' in broken.text
    assert "Traceback" not in broken.text and "開けません" in broken.text
    # Still listed; an address that names nothing is a plain 404.
    assert "G-001" in get(browser, console.url + "/staff/", kiosk="u-kiosk").text
    for path in (
        "/staff/applications/u-kiosk/00000000-0000-0000-0000-000000000000",
        "/staff/applications/NOT_A_KIOSK/x",
    ):
        missing = get(browser, console.url + path)
        assert missing.status_code == 404 and 'role="alert"' in missing.text


@pytest.mark.parametrize("typed", ["a-001", "Ａ－００１", " A-001 "])
def test_reception_numbers_are_read_as_typed(typed):
    assert listing.reception_number(typed) == "A-001"
