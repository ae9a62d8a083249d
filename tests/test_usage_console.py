"""The console's usage page for supervisors (/staff/insights) and its CSV, on the real server
(SQLite and PostgreSQL): each procedure's completion and the page where residents gave up, as
numbers and server-drawn SVG; a group of fewer than five sessions shown nowhere."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime

import requests

from backend import usage_store
from core.usage_wire import UsageEvent, UsageKind
from tests.console_support import TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401


def _session(procedure: str, language: str, abandoned_on: str | None) -> list[UsageEvent]:
    """One resident's events: started, two pages, finished or abandoned."""
    key = uuid.uuid4().hex
    hour = datetime.now().astimezone().replace(minute=0, second=0, microsecond=0)
    steps = [
        (UsageKind.SESSION_STARTED, {"language": language, "text_size": "standard"}),
        (UsageKind.PROCEDURE_STARTED, {"procedure": procedure, "detail": "manual"}),
        (UsageKind.PAGE_SHOWN, {"procedure": procedure, "page": "applicant", "seconds": 8}),
    ]
    if abandoned_on:
        steps.append(
            (UsageKind.PROCEDURE_ABANDONED, {"procedure": procedure, "page": abandoned_on})
        )
    else:
        steps.append(
            (UsageKind.PAGE_SHOWN, {"procedure": procedure, "page": "copies", "seconds": 5})
        )
        steps.append((UsageKind.PROCEDURE_FINISHED, {"procedure": procedure}))
    steps.append((UsageKind.SESSION_ENDED, {}))
    return [
        UsageEvent(session=key, seq=seq, kind=kind, hour=hour, **values)
        for seq, (kind, values) in enumerate(steps)
    ]


def test_supervisors_see_completion_and_drop_off_and_small_groups_nowhere(console):  # noqa: F811
    events = []
    for index in range(7):  # 住民票: 7 residents in Japanese, 2 of them gave up on 通数
        events += _session("juminhyo", "ja", "copies" if index < 2 else None)
    for _ in range(2):  # 転居: 2 residents in English, too few to show
        events += _session("tenkyo", "en", None)
    engine = console.engine()
    try:
        usage_store.store(engine, "kiosk-07", events)
    finally:
        engine.dispose()
    console.add_user("usage-chief", "supervisor")
    console.add_user("usage-clerk", "clerk", ["市民課"])
    chief = console.login("usage-chief")

    shown = chief.get(console.url + "/staff/insights", timeout=TIMEOUT)
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert "住民票の写しの交付請求" in text and "転居届" not in text
    assert "<svg" in text and "完了 5 / 中断 2" in text  # the numbers beside the bars
    assert "何通必要ですか" in text  # the page, by its question
    assert "利用 9 回" in text  # every session counts in the total; only groups are left out
    assert "en</th>" not in text and "ja</th>" in text

    download = chief.get(console.url + "/staff/insights.csv", timeout=TIMEOUT)
    assert download.status_code == 200
    assert download.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    procedures = [row for row in rows if row[0] == "手続き"]
    assert [row[1:7] for row in procedures] == [["住民票の写しの交付請求", "", "", "7", "5", "2"]]
    assert not [row for row in rows if "転居" in row[1] or row[3] == "en"]

    clerk = console.login("usage-clerk")
    assert clerk.get(console.url + "/staff/insights", timeout=TIMEOUT).status_code == 403
    wrong = chief.get(console.url + "/staff/insights?since=2026-13-01", timeout=TIMEOUT)
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text


def test_a_kiosks_new_events_show_at_once_though_figures_are_kept(console):  # noqa: F811
    """The page keeps a span's figures between requests (backend/insights_cache.py): a batch
    a kiosk sends through the usage endpoint is counted on the very next page."""
    from backend.provisioning import issue_token
    from core.usage_wire import USAGE_PATH

    console.add_user("usage-watcher", "supervisor")
    chief = console.login("usage-watcher")

    def sessions_shown() -> int:
        page = chief.get(console.url + "/staff/insights", timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        found = re.search(r"利用 (\d+) 回", page.text)
        return int(found.group(1)) if found else 0

    before = sessions_shown()
    assert sessions_shown() == before  # asked again: the kept figures, the same
    token = issue_token(console.database, "kiosk", "kiosk-08")
    events = []
    for _ in range(5):
        events += _session("juminhyo", "ja", None)
    sent = requests.post(
        console.url + USAGE_PATH,
        json={
            "kiosk_id": "kiosk-08",
            "events": [event.model_dump(mode="json", exclude_none=True) for event in events],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert sent.status_code == 200 and sent.json()["stored"] == len(events), sent.text
    assert sessions_shown() == before + 5
