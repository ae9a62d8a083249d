"""The staff's `kiosk backend` commands, reading the database directly (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest

from backend import applications, db, tokens
from backend.paths import BackendPaths
from backend.tokens import Principal, TokenKind
from core.sealing import generate_key_pair, load_public_key, seal
from core.wire import SubmittedApplication
from tests.postgres import backend_database, postgres_server  # noqa: F401

METADATA = [
    "id",
    "reception_number",
    "procedure_id",
    "procedure_version",
    "kiosk_id",
    "created_at",
    "received_at",
    "staff_status",
    "status_changed_at",
]


class Host:
    """A backend host's data folder and database, with received applications."""

    def __init__(self, root, database: str) -> None:
        self.paths = BackendPaths(root)
        self.database = database
        _, public = generate_key_pair(self.paths.keys)
        self.public_key = load_public_key(public)

    def receive(
        self,
        procedure: str,
        answers: dict,
        number: str = "A-001",
        kiosk_id: str = "kiosk-01",
        application_id: str | None = None,
    ) -> str:
        application_id = application_id or str(uuid.uuid4())
        payload = {"procedure": procedure, "answers": answers}
        application = SubmittedApplication(
            id=application_id,
            kiosk_id=kiosk_id,
            reception_number=number,
            procedure_id=procedure,
            procedure_version=1,
            created_at=datetime.now(UTC),
            sealed=seal(payload, self.public_key, application_id).decode(),
        )
        engine = db.connect(self.database)
        try:
            applications.store(engine, [application])
        finally:
            engine.dispose()
        return application_id

    @property
    def place(self) -> list[str]:
        return ["--data", str(self.paths.root), "--database", self.database]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "kiosk", "backend", *args, *self.place],
            capture_output=True,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, result.stderr.decode()
        return result


@pytest.fixture
def host(tmp_path, backend_database):  # noqa: F811
    return Host(tmp_path / "backend", backend_database)


def test_list_filters_and_prints_json_or_readable_lines(host):
    juminhyo = host.receive("juminhyo", {"copies": 2}, "A-001")
    tenkyo = host.receive("tenkyo", {"household_kind": "all"}, "A-002")

    listed = json.loads(host.cli("list", "--json").stdout)
    assert [item["id"] for item in listed] == [juminhyo, tenkyo]
    assert {item["staff_status"] for item in listed} == {"受付済"}
    only = json.loads(host.cli("list", "--json", "--procedure", "tenkyo").stdout)
    assert [item["id"] for item in only] == [tenkyo]
    assert json.loads(host.cli("list", "--json", "--status", "完了").stdout) == []

    readable = host.cli("list").stdout.decode()
    assert "住民票の写しの交付請求" in readable and "A-002" in readable
    assert "該当 2 件" in readable


def test_show_opens_the_answers_and_prints_them_in_japanese(host):
    application_id = host.receive("juminhyo", {"copies": 3, "purpose": "procedure"})
    shown = host.cli("show", application_id).stdout.decode()
    assert "受付番号    A-001" in shown
    assert "住民票の写しの交付請求" in shown
    assert "何通必要ですか: 3" in shown
    assert "状態        受付済" in shown

    as_json = json.loads(host.cli("show", application_id, "--json").stdout)
    assert as_json["answers"] == {"copies": 3, "purpose": "procedure"}

    missing = host.cli("show", str(uuid.uuid4()), check=False)
    assert missing.returncode == 2
    assert missing.stderr.decode().strip().startswith("kiosk backend show: no application")


def test_show_prints_the_fee_lines_and_the_municipalitys_words(host):
    # Issue #18: mixed certificates add up as on the review and the receipt, and the catalog's
    # {市} placeholders read as the profile's word.
    koseki = host.receive(
        "koseki",
        {"certificate": ["tohon", "joseki"], "tohon_copies": 2, "joseki_copies": 1},
    )
    shown = host.cli("show", koseki).stdout.decode()
    assert "手数料      1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1）" in shown
    tennyu = host.receive("tennyu", {"moving_date": "2026-12-01"}, "A-002")
    shown = host.cli("show", tennyu).stdout.decode()
    assert "この市に引っ越してきた日は: 2026-12-01" in shown
    assert "{市}" not in shown
    assert "手数料      なし" in shown  # as the console and the staff PDF say it
    tenkyo = host.receive("tenkyo", {"household_kind": "all"}, "A-003")
    listed = host.cli("list", "--procedure", "tenkyo").stdout.decode()
    assert f"{tenkyo}" in listed and "転居届（市内での引っ越し）" in listed


def test_show_and_export_are_audited_and_the_audit_command_lists_them(host, tmp_path):
    application_id = host.receive("juminhyo", {"copies": 3, "purpose": "procedure"})
    assert json.loads(host.cli("audit", "--json").stdout) == []
    host.cli("show", application_id)
    host.cli("export", "--output", str(tmp_path / "out.csv"))
    entries = json.loads(host.cli("audit", "--json").stdout)
    assert [entry["action"] for entry in entries] == ["export", "open"]  # newest first
    assert all(entry["who"].startswith("cli:") for entry in entries)
    assert entries[1]["application_id"] == application_id
    assert entries[1]["kiosk_id"] == "kiosk-01"
    only = json.loads(host.cli("audit", "--json", "--application", application_id).stdout)
    assert [entry["action"] for entry in only] == ["open"]
    assert "1 件" in host.cli("audit", "--application", application_id).stdout.decode()


def test_show_asks_which_kiosk_when_two_kiosks_sent_the_same_id(host):
    shared = str(uuid.uuid4())
    host.receive("juminhyo", {"copies": 1}, "A-001", kiosk_id="kiosk-01", application_id=shared)
    host.receive("juminhyo", {"copies": 2}, "A-001", kiosk_id="kiosk-02", application_id=shared)
    ambiguous = host.cli("show", shared, check=False)
    assert ambiguous.returncode == 2
    assert "kiosk-01" in ambiguous.stderr.decode() and "kiosk-02" in ambiguous.stderr.decode()
    assert "Traceback" not in ambiguous.stderr.decode()
    second = json.loads(host.cli("show", shared, "--kiosk", "kiosk-02", "--json").stdout)
    assert second["answers"] == {"copies": 2} and second["kiosk_id"] == "kiosk-02"


def test_token_create_prints_a_token_once_and_stores_only_its_hash(host):
    staff = host.cli("token", "create", "staff", "窓口係").stdout.decode().strip()
    kiosk = host.cli("token", "create", "kiosk", "kiosk-09").stdout.decode().strip()
    assert len(staff) >= 40 and staff != kiosk
    engine = db.connect(host.database)
    try:
        assert tokens.authenticate(engine, staff) == Principal(TokenKind.STAFF, "窓口係")
        assert tokens.authenticate(engine, kiosk) == Principal(TokenKind.KIOSK, "kiosk-09")
    finally:
        engine.dispose()
    if host.database.startswith("sqlite"):
        stored = b"".join(p.read_bytes() for p in host.paths.root.parent.glob("*.sqlite3*"))
        assert staff.encode() not in stored and kiosk.encode() not in stored

    # The old form: the token of a kiosk on this machine, the same on every call.
    local = host.cli("token", "kiosk-01").stdout.decode().strip()
    assert host.cli("token", "kiosk-01").stdout.decode().strip() == local

    host.cli("token", "revoke", "kiosk", "kiosk-09")
    engine = db.connect(host.database)
    try:
        assert tokens.authenticate(engine, kiosk) is None
        assert tokens.authenticate(engine, staff) is not None
    finally:
        engine.dispose()
    assert host.cli("token", "revoke", "kiosk", "kiosk-09", check=False).returncode == 1

    wrong = host.cli("token", "create", "admin", "x", check=False)
    assert wrong.returncode == 2 and b"kiosk or staff" in wrong.stderr


def test_export_csv_has_a_bom_and_the_same_columns_whatever_was_answered(host, tmp_path):
    first = host.receive("juminhyo", {"copies": 2, "applicant": "self"})
    output = tmp_path / "export.csv"
    host.cli("export", "--format", "csv", "--procedure", "juminhyo", "--output", str(output))
    raw = output.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[: len(METADATA)] == METADATA
    answers = header[len(METADATA) : -1]
    assert answers == sorted(answers) and "answer.copies" in answers
    assert "answer.purpose" in answers  # from the catalog, though nobody answered it yet
    assert header[-1] == "answers_other"
    assert [row[0] for row in rows] == [first]
    assert rows[0][header.index("answer.copies")] == "2"
    assert rows[0][header.index("staff_status")] == "受付済"

    host.receive("juminhyo", {"copies": 1, "purpose": "procedure", "legacy_field": "x"})
    host.cli("export", "--procedure", "juminhyo", "--output", str(output))
    again, *rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert again == header
    assert len(rows) == 2 and json.loads(rows[1][-1]) == {"legacy_field": "x"}


def test_export_jsonl_to_stdout_and_since(host):
    host.receive("juminhyo", {"copies": 2})
    host.receive("tenkyo", {"household_kind": "some"})
    lines = host.cli("export", "--format", "jsonl").stdout.decode("utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["procedure_id"] for r in records] == ["juminhyo", "tenkyo"]
    assert records[1]["answers"] == {"household_kind": "some"}
    assert not lines[0].startswith("\ufeff")

    later = host.cli("export", "--format", "jsonl", "--since", "2999-01-01").stdout
    assert later == b""
    bad = host.cli("export", "--since", "yesterday", check=False)
    assert bad.returncode == 2 and b"--since" in bad.stderr


@pytest.mark.parametrize("action", ["serve", "token", "list", "show", "export"])
def test_every_backend_action_has_help(action):
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "backend", action, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "--database" in result.stdout
