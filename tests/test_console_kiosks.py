"""The console's kiosk page, staff-call banner and its acknowledgement round trip, audit log and
export, over real HTTP against `kiosk backend serve` in its own process (SQLite and
PostgreSQL, tests/console_support.py). Heartbeats go through the real kiosk API with a kiosk
token."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from html import unescape

import requests

from backend import audit, kiosk_health, tokens
from core.wire import HEARTBEAT_PATH, Heartbeat, HeartbeatReply, StaffAlert
from tests.console_support import TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACK_FORM = re.compile(r'action="/staff/alerts/(\d+)/acknowledge"')


def kiosk_token(console, kiosk_id: str) -> str:  # noqa: F811
    engine = console.engine()
    try:
        return tokens.issue(engine, "kiosk", kiosk_id)
    finally:
        engine.dispose()


def heartbeat(console, token: str, kiosk_id: str, *, alerts=(), devices=None, skew_s=0):  # noqa: F811
    beat = Heartbeat(
        kiosk_id=kiosk_id,
        app_version="1.2.3",
        catalog_version="abc123",
        queue_depth=4,
        quarantined=0,
        devices=devices or {"printer": "ok"},
        alerts=list(alerts),
        sent_at=datetime.now(UTC) + timedelta(seconds=skew_s),
    )
    answer = requests.post(
        console.url + HEARTBEAT_PATH,
        data=beat.model_dump_json(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return HeartbeatReply.model_validate_json(answer.content)


def register(console, kiosk_id: str, name: str, location: str) -> None:  # noqa: F811
    engine = console.engine()
    try:
        kiosk_health.register(
            engine,
            kiosk_id,
            name=name,
            location=location,
            who="test",
            now=datetime.now(UTC),
            create=True,
        )
    finally:
        engine.dispose()


def csrf_of(page: requests.Response) -> str:
    return CSRF.search(page.text).group(1)


def audit_entries(console, **filters) -> list[dict]:  # noqa: F811
    engine = console.engine()
    try:
        return audit.entries(engine, **filters)
    finally:
        engine.dispose()


def test_the_kiosk_page_shows_registered_and_heard_kiosks_and_only_admins_change_them(
    console,  # noqa: F811
):
    register(console, "kp-never", "2番", "本庁舎2階 保険年金課前")
    token = kiosk_token(console, "kp-seen")
    heartbeat(
        console,
        token,
        "kp-seen",
        devices={"printer": "paper_near_end", "scanner": "ok", "card_reader": "absent"},
        skew_s=-30,
    )
    console.add_user("kp-clerk", "clerk", ["市民課"])
    console.add_user("kp-admin", "admin")
    clerk = console.login("kp-clerk")
    shown = clerk.get(console.url + "/staff/kiosks", timeout=TIMEOUT)
    assert shown.status_code == 200, shown.text
    text = unescape(shown.text)
    assert "2番" in text and "本庁舎2階 保険年金課前" in text and "まだ接続していません" in text
    assert "kp-seen" in text and "接続中" in text and "用紙が残りわずかです" in text
    assert "カード読み取り機：つながっていません" in text and "4件" in text
    assert "30秒遅れています" in text and "1.2.3" in text
    assert 'action="/staff/kiosks/' not in text  # a clerk reads only
    refused = clerk.post(
        console.url + "/staff/kiosks/kp-never",
        data={"csrf_token": csrf_of(shown), "name": "x", "location": "y"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert refused.status_code == 403 and "管理者" in unescape(refused.text)

    admin = console.login("kp-admin")
    page = admin.get(console.url + "/staff/kiosks", timeout=TIMEOUT)
    assert 'action="/staff/kiosks/kp-seen"' in page.text
    no_token = admin.post(
        console.url + "/staff/kiosks/kp-seen",
        data={"name": "1番", "location": "本庁舎1階 市民課前"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert no_token.status_code == 403
    saved = admin.post(
        console.url + "/staff/kiosks/kp-seen",
        data={"csrf_token": csrf_of(page), "name": "1番", "location": "本庁舎1階 市民課前"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert saved.status_code == 303, saved.text
    after = unescape(admin.get(console.url + saved.headers["location"], timeout=TIMEOUT).text)
    assert "1番（kp-seen）を保存しました" in after and "本庁舎1階 市民課前" in after
    bad = admin.post(
        console.url + "/staff/kiosks/kp-seen",
        data={"csrf_token": csrf_of(page), "name": "", "location": "x"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert bad.status_code == 422 and "端末の名前を入れてください" in unescape(bad.text)
    [entry] = audit_entries(console, kiosk_id="kp-seen", action="kiosk")
    assert entry["who"] == "console:kp-admin" and entry["address"]
    assert entry["detail"]["after"] == {"name": "1番", "location": "本庁舎1階 市民課前"}


def test_a_staff_call_shows_on_every_page_until_acknowledged_and_goes_back_to_the_kiosk(
    console,  # noqa: F811
):
    register(console, "kp-call", "3番", "本庁舎1階 市民課前")
    token = kiosk_token(console, "kp-call")
    called_at = datetime.now(UTC).replace(microsecond=0)
    reply = heartbeat(
        console,
        token,
        "kp-call",
        alerts=[
            StaffAlert(kind="staff_call", at=called_at, detail="review"),
            StaffAlert(kind="printer_paper_out", at=called_at, detail="printer"),
        ],
    )
    assert reply.acknowledged_calls == []
    console.add_user("kp-call-a", "clerk", ["市民課"])
    console.add_user("kp-call-b", "supervisor")
    first, second = console.login("kp-call-a"), console.login("kp-call-b")
    home = first.get(console.url + "/staff/", timeout=TIMEOUT)
    text = unescape(home.text)
    assert "職員の呼び出し" in text and "3番（本庁舎1階 市民課前）" in text
    assert "プリンター：用紙がありません" in text
    assert '<script src="/staff/static/alerts.js" defer>' in home.text
    banner = second.get(console.url + "/staff/alerts/banner", timeout=TIMEOUT)
    assert banner.status_code == 200 and "3番" in unescape(banner.text)
    assert banner.headers["cache-control"] == "no-store"
    assert (
        console.client().get(console.url + "/staff/alerts/banner", timeout=TIMEOUT).status_code
        == 401
    )
    script = first.get(console.url + "/staff/static/alerts.js", timeout=TIMEOUT)
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "http://" not in script.text and "https://" not in script.text

    call_id = next(
        int(found)
        for found in ACK_FORM.findall(home.text)
        if f"/staff/alerts/{found}/acknowledge" in home.text.split("職員の呼び出し", 1)[1][:2000]
    )
    forged = first.post(
        console.url + f"/staff/alerts/{call_id}/acknowledge",
        data={"csrf_token": "forged"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 403
    done = first.post(
        console.url + f"/staff/alerts/{call_id}/acknowledge",
        data={"csrf_token": csrf_of(home)},
        headers={"Referer": console.url + "/staff/kiosks"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert (done.status_code, done.headers["location"]) == (303, "/staff/kiosks")
    cleared = unescape(second.get(console.url + "/staff/alerts/banner", timeout=TIMEOUT).text)
    assert "職員の呼び出し" not in cleared and "用紙がありません" in cleared  # the other stays
    kiosks = unescape(second.get(console.url + "/staff/kiosks", timeout=TIMEOUT).text)
    assert "kp-call-a" in kiosks  # who acknowledged, on the kiosk page
    [entry] = audit_entries(console, kiosk_id="kp-call", action="acknowledge")
    assert entry["who"] == "console:kp-call-a" and entry["address"]
    assert entry["detail"]["kind"] == "staff_call"

    reply = heartbeat(console, token, "kp-call")
    assert [call.called_at for call in reply.acknowledged_calls] == [called_at]
    again = first.post(
        console.url + f"/staff/alerts/{call_id}/acknowledge",
        data={"csrf_token": csrf_of(home)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert again.status_code == 303  # already acknowledged: nothing changes, nothing audited
    assert len(audit_entries(console, kiosk_id="kp-call", action="acknowledge")) == 1
    missing = first.post(
        console.url + "/staff/alerts/999999999/acknowledge",
        data={"csrf_token": csrf_of(home)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert missing.status_code == 404 and "見つかりません" in unescape(missing.text)


def test_the_audit_log_and_export_are_for_supervisors_and_admins_and_exports_are_audited(
    console,  # noqa: F811
):
    console.add_user("au-clerk", "clerk", ["市民課"])
    console.add_user("au-super", "supervisor")
    clerk = console.login("au-clerk")
    for path in ("/staff/audit", "/staff/export"):
        refused = clerk.get(console.url + path, allow_redirects=False, timeout=TIMEOUT)
        assert refused.status_code == 403, (path, refused.text)
    home = clerk.get(console.url + "/staff/", timeout=TIMEOUT)
    assert 'href="/staff/audit"' not in home.text and 'href="/staff/kiosks"' in home.text
    refused = clerk.post(
        console.url + "/staff/export",
        data={"csrf_token": csrf_of(home), "format": "csv"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert refused.status_code == 403

    supervisor = console.login("au-super")
    form = supervisor.get(console.url + "/staff/export", timeout=TIMEOUT)
    assert form.status_code == 200 and "書き出す" in form.text
    no_token = supervisor.post(
        console.url + "/staff/export",
        data={"format": "csv"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert no_token.status_code == 403
    exported = supervisor.post(
        console.url + "/staff/export",
        data={"csrf_token": csrf_of(form), "format": "csv", "status": "受付済"},
        timeout=TIMEOUT,
    )
    assert exported.status_code == 200, exported.text
    assert exported.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    header = next(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert header[:2] == ["id", "reception_number"]
    lines = supervisor.post(
        console.url + "/staff/export",
        data={"csrf_token": csrf_of(form), "format": "jsonl", "kiosk": "kiosk-01"},
        timeout=TIMEOUT,
    )
    assert lines.status_code == 200 and not lines.content.startswith(b"\xef\xbb\xbf")
    assert all(json.loads(line) for line in lines.text.splitlines())
    bad = supervisor.post(
        console.url + "/staff/export",
        data={"csrf_token": csrf_of(form), "format": "xls", "since": "yesterday"},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 422 and "日付は" in unescape(bad.text)

    exports = audit_entries(console, who="console:au-super", action="export")
    assert [entry["detail"]["format"] for entry in exports] == ["jsonl", "csv"]
    assert exports[1]["detail"]["status"] == "受付済" and exports[0]["address"]

    log = supervisor.get(
        console.url + "/staff/audit",
        params={"who": "au-super", "action": "export"},
        timeout=TIMEOUT,
    )
    assert log.status_code == 200
    text = unescape(log.text)
    assert text.count("console:au-super") == 2 and "JSONL・0件" in text
    today = datetime.now().astimezone().date().isoformat()
    dated = supervisor.get(
        console.url + "/staff/audit", params={"who": "au-super", "day": today}, timeout=TIMEOUT
    )
    assert unescape(dated.text).count("console:au-super") == 2
    other_day = supervisor.get(
        console.url + "/staff/audit",
        params={"who": "au-super", "day": "2001-01-01"},
        timeout=TIMEOUT,
    )
    assert "該当する記録はありません" in unescape(other_day.text)
    wrong = supervisor.get(
        console.url + "/staff/audit", params={"day": "12/4", "action": "drop"}, timeout=TIMEOUT
    )
    assert wrong.status_code == 422 and "日付は" in unescape(wrong.text)
    # Append-only: no route changes or removes an entry.
    for method in ("post", "put", "delete"):
        answer = getattr(supervisor, method)(
            console.url + "/staff/audit",
            data={"csrf_token": csrf_of(form)},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert answer.status_code in (403, 405), (method, answer.status_code)


def test_kiosk_add_and_set_on_the_command_line(tmp_path):
    data = tmp_path / "backend"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "backend", "kiosk", *args, "--data", str(data)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    added = run("add", "kiosk-07", "--location", "本庁舎1階 市民課前")
    assert added.returncode == 0, added.stderr
    assert run("set", "kiosk-07", "--name", "7番").returncode == 0
    listed = run("list", "--json")
    assert json.loads(listed.stdout) == [
        {"kiosk_id": "kiosk-07", "name": "7番", "location": "本庁舎1階 市民課前"}
    ]
    for args, words in (
        (("add", "kiosk-07", "--location", "x"), "registered already"),
        (("set", "kiosk-08", "--location", "x"), "not registered"),
        (("set", "kiosk-07"), "give --location or --name"),
        (("add", "Kiosk 7", "--location", "x"), "kiosk backend kiosk add"),
        (("set", "kiosk-07", "--name", "a\u001bb"), "使えない文字"),
    ):
        failed = run(*args)
        assert failed.returncode == 2 and words in failed.stderr, (args, failed.stderr)
        assert "Traceback" not in failed.stderr
