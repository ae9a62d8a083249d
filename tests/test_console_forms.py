"""The printed 申請書 from the console, over plain HTTP against `kiosk backend serve` (SQLite and
PostgreSQL): the 印刷 button's PDF and the queue's bulk PDF are personal data — never cached,
made only for a member who may see the application, each one on the audit log as a view — and
the application page groups its answers by the catalog's form sections (issue 20)."""

from __future__ import annotations

import re
import subprocess

from backend import audit
from tests.console_pages_support import page_url, submit, visible_text
from tests.console_support import TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401

TENKYO = {
    "applicant": "self",
    "name": "𠮷野 髙子",
    "kana": "ヨシノ タカコ",
    "birth_date": "1948-03-15",
    "moving_date": "2026-11-30",
    "new_address": "中央1-2-3 サンプルハイツ201",
    "household_kind": "all",
    "phone": "09012345678",
}


def send(console, kiosk_id, procedure, number, answers):  # noqa: F811
    return submit(
        console.url,
        console.database,
        console.paths,
        kiosk_id=kiosk_id,
        procedure=procedure,
        answers=answers,
        number=number,
    )


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_views(console, application) -> list[dict]:  # noqa: F811
    engine = console.engine()
    try:
        entries = audit.entries(engine, application_id=application["id"])
    finally:
        engine.dispose()
    return [entry for entry in entries if entry["detail"].get("document") == "pdf"]


def test_the_print_button_opens_the_form_uncached_and_on_the_audit_log(console, tmp_path):  # noqa: F811
    console.add_user("p-chief", "supervisor")
    application = send(console, "p-kiosk", "tenkyo", "P-001", TENKYO)
    browser = console.login("p-chief")
    page = browser.get(console.url + page_url(application), timeout=TIMEOUT)
    form_url = page_url(application) + "/form.pdf"
    assert f'href="{form_url}"' in page.text and "印刷" in page.text
    # The answers under the paper form's sections, in the catalog's order (issue 20).
    headings = re.findall(r"<h3[^>]*>([^<]+)</h3>", page.text)
    assert headings[:2] == ["届出人", "新しい住所・異動日"], headings

    answer = browser.get(console.url + form_url, timeout=TIMEOUT)  # a GET: no CSRF token
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith("inline;")
    assert "P-001" in answer.headers["content-disposition"]
    assert "𠮷" not in answer.headers["content-disposition"]
    text = "".join(pdf_text(answer.content, tmp_path).split())
    assert "𠮷野髙子※外字" in text and "090-1234-5678" in text and "P-001" in text

    views = pdf_views(console, application)
    assert len(views) == 1 and views[0]["who"] == "console:p-chief"
    assert views[0]["detail"] == {"via": "console", "document": "pdf"}
    history = visible_text(browser.get(console.url + page_url(application), timeout=TIMEOUT).text)
    assert "申請書を印刷用に開いた" in history


def test_a_clerk_of_another_division_gets_no_form_and_nothing_is_logged(console):  # noqa: F811
    console.add_user("p-hoken", "clerk", ["保険年金課"])
    application = send(console, "p-other", "tenkyo", "P-101", TENKYO)
    browser = console.login("p-hoken")
    refused = browser.get(
        console.url + page_url(application) + "/form.pdf", allow_redirects=False, timeout=TIMEOUT
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "%PDF" not in refused.text
    assert pdf_views(console, application) == []
    missing = browser.get(
        console.url + "/staff/applications/p-other/not-an-id/form.pdf", timeout=TIMEOUT
    )
    assert missing.status_code == 404


def test_the_days_bulk_form_needs_the_csrf_token_and_holds_only_what_the_member_may_see(
    console,  # noqa: F811
    tmp_path,
):
    console.add_user("b-shimin", "clerk", ["市民課"])
    moved = send(console, "b-kiosk", "tenkyo", "B-201", TENKYO)
    also = send(console, "b-kiosk", "juminhyo", "B-202", {"copies": 2, "purpose": "procedure"})
    insurance = send(console, "b-kiosk", "kokuho", "B-203", {"change": "join"})
    browser = console.login("b-shimin")
    queue = browser.get(console.url + "/staff/", params={"kiosk": "b-kiosk"}, timeout=TIMEOUT)
    assert 'action="/staff/queue/forms.pdf"' in queue.text

    forged = browser.post(
        console.url + "/staff/queue/forms.pdf",
        data={"kiosk": "b-kiosk"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 403 and not forged.content.startswith(b"%PDF")

    token = console.csrf(browser)
    answer = browser.post(
        console.url + "/staff/queue/forms.pdf",
        data={"csrf_token": token, "kiosk": "b-kiosk"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    text = pdf_text(answer.content, tmp_path)
    assert "B-201" in text and "B-202" in text
    assert "B-203" not in text  # 保険年金課's: not this clerk's
    assert [len(pdf_views(console, item)) for item in (moved, also, insurance)] == [1, 1, 0]
    assert pdf_views(console, moved)[0]["detail"]["bulk"] == 2
