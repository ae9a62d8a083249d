"""No CSV cell the project writes opens as a formula in a spreadsheet (issue 13, finding 1), and
an export of decrypted answers is never left behind half-written or readable by others
(finding 3), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
import uuid
import warnings
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import exc as sa_exc

from backend import applications, audit, db, export
from backend.applications import Filters
from backend.keys import load_private_key
from backend.paths import BackendPaths
from backend.procedure_labels import load
from core.csv_safe import neutralise, writer
from core.sealing import generate_key_pair, load_public_key, seal
from core.wire import SubmittedApplication
from tests.postgres import backend_database, postgres_server  # noqa: F401

# What a spreadsheet may read as the start of a formula (OWASP: = + - @ tab CR), looked for
# after the whitespace it skips; the full-width forms a Japanese input method types, too.
FORMULA_START = "=+-@＝＋－＠"
SKIPPED_BEFORE = " \t\r\n\u3000\u00a0\u2002\u200b\ufeff"
PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\n", " =", "  +", "\u3000＝", "\u200b@", "＋", "－"]


def opens_as_formula(cell: str) -> bool:
    if cell[:1] in ("\t", "\r"):
        return True
    rest = cell.lstrip(SKIPPED_BEFORE)
    return rest[:1] != "" and rest[0] in FORMULA_START


cells = st.one_of(
    st.text(),
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(PREFIXES), st.text()),
)


@settings(max_examples=300)
@given(cells)
@example('=HYPERLINK("http://x","y")')
@example("@SUM(1)")
@example(" \t=1")
@example("-2+3")
@example("\u3000＝1+1")
def test_a_neutralised_cell_never_opens_as_a_formula_and_stays_recognisable(text):
    shown = neutralise(text)
    assert not opens_as_formula(shown)
    assert shown in (text, "'" + text)  # the visible value is the one typed
    assert neutralise(shown) == shown  # once is enough
    plain_start = text[:1] and not text[0].isspace() and text[0] not in SKIPPED_BEFORE
    if plain_start and text[0] not in FORMULA_START:
        assert shown == text  # nothing else is touched


@settings(max_examples=100)
@given(st.lists(st.lists(st.one_of(cells, st.integers(), st.none()), max_size=6), max_size=6))
def test_every_cell_written_through_the_csv_writer_reads_back_safe(rows):
    out = io.StringIO(newline="")
    writer(out).writerows(rows)
    read = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert len(read) == len(rows)
    for written, original in zip(read, rows, strict=True):
        for cell, value in zip(written, original, strict=True):
            assert not opens_as_formula(cell)
            text = "" if value is None else str(value)
            assert cell in (text, "'" + text)


class Store:
    """A backend's database and key pair, filled directly (as applications received before
    their content was checked would be)."""

    def __init__(self, root, url: str) -> None:
        self.paths = BackendPaths(root)
        _, public = generate_key_pair(self.paths.keys)
        self.public_key = load_public_key(public)
        self.private_key = load_private_key(self.paths, create=False)
        self.url = url
        self.engine = db.connect(url)

    def receive(self, answers, *, kiosk_id="kiosk-01", payload=None, sealed=None) -> str:
        application_id = str(uuid.uuid4())
        body = payload if payload is not None else {"procedure": "juminhyo", "answers": answers}
        application = SubmittedApplication(
            id=application_id,
            kiosk_id=kiosk_id,
            reception_number="A-001",
            procedure_id="juminhyo",
            procedure_version=1,
            created_at=datetime.now(UTC),
            sealed=sealed or seal(body, self.public_key, application_id).decode(),
        )
        applications.store(self.engine, [application])
        return application_id

    def export_csv(self, **options) -> tuple[list[str], list[list[str]]]:
        out = io.StringIO(newline="")
        export.write_csv(
            self.engine, Filters(), self.private_key, load(), out, who="test", **options
        )
        header, *rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
        return header, rows


@pytest.fixture
def store(tmp_path, backend_database):  # noqa: F811
    opened = Store(tmp_path / "backend", backend_database)
    yield opened
    opened.engine.dispose()


# Answers as a kiosk or a phone pre-entry may carry them: text without control characters
# (the ingest check refuses those) starting however a resident likes, numbers, choices.
answer_text = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), include_characters="\n"), max_size=30
)
answer_values = st.one_of(
    answer_text,
    st.builds(
        lambda prefix, rest: prefix + rest,
        st.sampled_from(PREFIXES[:4] + PREFIXES[7:]),
        answer_text,
    ),
    st.integers(-(2**53), 2**53),
    st.lists(answer_text, max_size=3),
)
answer_keys = st.sampled_from(["copies", "purpose", "applicant", "note_from_an_older_version"])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.dictionaries(answer_keys, answer_values, min_size=1, max_size=4))
@example({"purpose": "=cmd|' /C calc'!A0", "copies": -1, "applicant": "@SUM(A1)"})
def test_no_cell_of_an_export_opens_as_a_formula(store, answers):
    store.receive(answers)
    header, rows = store.export_csv()
    for cell in header + [cell for row in rows for cell in row]:
        assert not opens_as_formula(cell), cell
    last = rows[-1]
    for key, value in answers.items():
        column = f"answer.{key}"
        if column in header and isinstance(value, str):
            assert last[header.index(column)] in (value, "'" + value)


def test_an_export_skips_and_reports_what_it_cannot_open_and_records_who(store):
    good = store.receive({"copies": 2})
    not_an_application = store.receive(None, payload=[1, 2, 3])
    wrong_shape = store.receive(None, payload={"answers": "x"})
    unopenable = store.receive(None, sealed='{"v": 1}')
    skipped: list[tuple[str, str, str]] = []
    _, rows = store.export_csv(skipped=lambda *item: skipped.append(item))
    assert [row[0] for row in rows] == [good]
    assert [(k, i) for k, i, _ in skipped] == [
        ("kiosk-01", not_an_application),
        ("kiosk-01", wrong_shape),
        ("kiosk-01", unopenable),
    ]
    assert all(reason for _, _, reason in skipped)

    out = io.StringIO()
    lines = export.write_jsonl(
        store.engine, Filters(), store.private_key, out, skipped=lambda *_: None, who="test"
    )
    assert lines == 1
    [entry, *_] = audit.entries(store.engine, action=audit.Action.EXPORT)
    assert entry["who"] == "test" and entry["detail"]["rows"] == 1
    assert entry["detail"]["skipped"] == 3 and entry["detail"]["format"] == "jsonl"


def test_write_file_is_private_and_leaves_nothing_behind_when_it_fails(tmp_path):
    target = tmp_path / "export.csv"
    old_umask = os.umask(0o022)
    try:
        rows = export.write_file(target, "utf-8-sig", lambda out: out.write("id\r\n") and 1)
    finally:
        os.umask(old_umask)
    assert rows == 1 and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not (tmp_path / "export.csv.partial").exists()

    def fails_half_way(out):
        out.write("personal data\r\n")
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space"):
        export.write_file(tmp_path / "second.csv", "utf-8", fails_half_way)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["export.csv"]

    # An existing world-readable file of that name is made private before anything is written.
    (tmp_path / "third.csv.partial").write_text("old")
    (tmp_path / "third.csv.partial").chmod(0o644)
    modes = []
    export.write_file(
        tmp_path / "third.csv",
        "utf-8",
        lambda out: modes.append(stat.S_IMODE(os.fstat(out.fileno()).st_mode)) or 0,
    )
    assert modes == [0o600]


def test_the_cli_export_is_private_warning_free_and_reports_what_it_skipped(store, tmp_path):
    good = store.receive({"copies": 1, "purpose": "=1+1"})
    bad = store.receive(None, payload={"procedure": "juminhyo", "answers": [1, 2, 3]})
    output = tmp_path / "out.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "always",
            "-m",
            "kiosk",
            "backend",
            "export",
            "--output",
            str(output),
            "--data",
            str(store.paths.root),
            "--database",
            store.url,
        ],
        capture_output=True,
        timeout=120,
    )
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Warning" not in stderr, stderr  # SQLAlchemy warned on every export
    assert bad in stderr and good not in stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    header, *rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert [row[0] for row in rows] == [good]
    assert rows[0][header.index("answer.purpose")] == "'=1+1"
    [entry] = audit.entries(store.engine, action=audit.Action.EXPORT)
    assert entry["who"].startswith("cli:") and entry["detail"]["skipped"] == 1


def test_answer_fields_query_raises_no_sqlalchemy_warning(store):
    store.receive({"copies": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("error", sa_exc.SAWarning)
        assert "copies" in export.answer_fields(store.engine, Filters(), load())
