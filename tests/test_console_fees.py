"""The staff console's application page shows the fee the answers come to (issue #18), line by
line as the resident saw it on the review and the receipt, over plain HTTP against
`kiosk backend serve` on SQLite and PostgreSQL (tests/console_support.py)."""

from __future__ import annotations

from tests.console_pages_support import page_url, submit, visible_text
from tests.console_support import TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401


def test_the_application_page_sums_mixed_certificates(console):  # noqa: F811
    console.add_user("fee-clerk", "supervisor")
    application = submit(
        console.url,
        console.database,
        console.paths,
        kiosk_id="fee-kiosk",
        procedure="koseki",
        answers={
            "name": "山田 太郎",
            "certificate": ["tohon", "joseki"],
            "tohon_copies": 2,
            "joseki_copies": 1,
        },
        number="A-018",
    )
    browser = console.login("fee-clerk")
    page = browser.get(console.url + page_url(application), timeout=TIMEOUT)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "手数料: 1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1）" in text
    # The counter's checklist asks for the same amount.
    assert "手数料 1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1） を受け取った" in text
