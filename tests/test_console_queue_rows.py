"""The queue's rows made in Python (backend/console/queue_rows.py): everything escaped, every
row its own, although kiosks, statuses, titles and arrival times are formatted once a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.console.queue_rows import rows_html


class _Catalog:
    def title(self, procedure_id: str) -> str:
        return {"a": "住民票 <b>", "b": "戸籍 & 除籍"}.get(procedure_id, procedure_id)

    def counter_text(self, procedure_id: str) -> str:
        return f'"{procedure_id}" 窓口'


ARRIVED = datetime(2026, 12, 4, 0, 30, tzinfo=UTC)  # 09:30 in Japan


def _row(number: str, kiosk_id: str, application_id: str, procedure_id: str, **changes):
    row = {
        "id": application_id,
        "kiosk_id": kiosk_id,
        "reception_number": number,
        "procedure_id": procedure_id,
        "staff_status": "受付済",
        "created_at": ARRIVED - timedelta(minutes=5),
        "received_at": ARRIVED,
        "unsynced": False,
        "sync_differs": False,
    }
    return {**row, **changes}


def test_every_value_is_escaped_and_every_row_keeps_its_own():
    rows = [
        _row("<i>A-001</i>", "kiosk-1", "0f0e-1", "a"),
        _row("A-002", 'kiosk"<2>', "id/with'quote", "b", staff_status="<完了>"),
        _row("A-003", "kiosk-1", "plain-3", "a", received_at=ARRIVED + timedelta(hours=2)),
    ]
    html = str(rows_html(_Catalog(), rows, ARRIVED + timedelta(minutes=10)))
    lines = html.split("\n")
    assert len(lines) == 3
    first, second, third = lines
    assert "&lt;i&gt;A-001&lt;/i&gt;" in first and "<i>" not in html
    assert "住民票 &lt;b&gt;" in first and "&#34;a&#34; 窓口" in first
    assert 'href="/staff/applications/kiosk-1/0f0e-1"' in first
    assert ">15分<" in first  # created five minutes before arrival, ten after
    # A kiosk or id with markup characters: percent-encoded in the link, escaped as text.
    assert 'href="/staff/applications/kiosk%22%3C2%3E/id/with%27quote"' in second
    assert "<td>kiosk&#34;&lt;2&gt;</td>" in second
    assert "&lt;完了&gt;</span>" in second and "戸籍 &amp; 除籍" in second
    assert ">—<" not in second  # an unknown status still waits
    # Same kiosk and title as the first row, another arrival time: formatted for itself.
    assert ">09:30</time>" in first and ">11:30</time>" in third
    assert 'href="/staff/applications/kiosk-1/plain-3"' in third


def test_marks_and_finished_rows():
    rows = [
        _row("A-004", "k", "x1", "a", unsynced=True),
        _row("A-005", "k", "x2", "a", sync_differs=True, staff_status="完了"),
    ]
    unsynced, differs = str(rows_html(_Catalog(), rows, ARRIVED)).split("\n")
    assert "未同期" in unsynced and "内容相違" not in unsynced
    assert "内容相違" in differs and "未同期" not in differs
    assert "<td>—</td>" in differs  # a finished application no longer waits
