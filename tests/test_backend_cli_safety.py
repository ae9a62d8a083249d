"""The backend's command line with hostile input: token names that would leave the data folder
or break a line, and answers, reception numbers and kiosk ids full of terminal controls."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend import applications, db, terminal
from backend.names import KIOSK_ID_PATTERN, InvalidName, check_kiosk_id, check_staff_name
from backend.paths import BackendPaths
from core.sealing import generate_key_pair, load_public_key, seal
from core.wire import SubmittedApplication
from kiosk.cli.main import main
from kiosk.config import Settings

# What a terminal would obey: C0/C1 controls and DEL, bidirectional controls, separators.
OBEYED = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What answers may still hold (the wire refuses C0/C1 controls in them since issue 13; an
# older backend's rows may hold anything, which is why metadata carries the controls below).
HOSTILE_ANSWERS = [
    "\u202eevil",  # right-to-left override: shows the line reversed
    "two\nlines",  # a forged second line
    "para\u2029graph",  # a paragraph separator
    "\u2066isolated\u2069",
]
HOSTILE_NUMBER = "A-\x1b]0;owned\x07\x1b[31m001\x1b[2J\r\x9b0m"  # retitle, colour, clear…


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def process(data: Path, *args: str) -> Result:
    """`kiosk backend …` as the staff run it: its own process, its real exit status."""
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "backend", *args, "--data", str(data)],
        capture_output=True,
        timeout=120,
    )
    return Result(done.returncode, done.stdout.decode(), done.stderr.decode())


@pytest.fixture
def cli(capsys):
    """The same command line in this process (many calls; a process each would be slow). An
    exception other than the one-line CommandFailed would fail the test as a traceback."""

    def run(data: Path, *args: str) -> Result:
        capsys.readouterr()
        code = main(["backend", *args, "--data", str(data)])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def refused_in_one_line(result: Result) -> str:
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert not OBEYED.search(result.stderr.rstrip("\n")), result.stderr
    return result.stderr


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


def test_the_issues_examples_end_in_one_line_and_exit_2(tmp_path):
    data = tmp_path / "deep" / "backend"
    assert "is not a kiosk id" in refused_in_one_line(process(data, "token", "../../x"))
    staff = refused_in_one_line(process(data, "token", "create", "staff", " "))
    assert "is not a staff token name" in staff
    assert not (tmp_path / "x.token").exists() and not (tmp_path / "deep" / "x.token").exists()


def test_kiosk_ids_that_would_leave_the_data_folder_are_refused_by_every_command(tmp_path, cli):
    data = tmp_path / "deep" / "backend"
    cli(data, "token", "kiosk-01")  # the folder, its database and one token file
    before = files_under(tmp_path)
    for words in (
        ["../../x"],
        ["/tmp/x"],
        ["kiosk-01/../../x"],
        ["create", "kiosk", "../x"],
        ["revoke", "kiosk", "../x"],
        ["create", "kiosk", "Kiosk 01"],
    ):
        stderr = refused_in_one_line(cli(data, "token", *words))
        assert "is not a kiosk id" in stderr
    assert "is not a kiosk id" in refused_in_one_line(cli(data, "list", "--kiosk", "../x"))
    assert files_under(tmp_path) == before  # nothing written anywhere, inside or out


def test_odd_staff_names_are_one_line_not_a_traceback(tmp_path, cli):
    data = tmp_path / "backend"
    for name in (" ", "", "a b", "\x1b[31mred", "二\n行", "x" * 65, "\u202eevil"):
        stderr = refused_in_one_line(cli(data, "token", "create", "staff", name))
        assert "is not a staff token name" in stderr
    for name in ("市民課", "窓口・受付", "clerk-1", "ｱｲｳ"):
        created = cli(data, "token", "create", "staff", name)
        assert created.returncode == 0, created.stderr
        assert len(created.stdout.strip()) >= 40


def test_the_kiosk_id_rule_is_the_kiosks_own():
    [pattern] = [
        item.pattern
        for item in Settings.model_fields["kiosk_id"].metadata
        if getattr(item, "pattern", None)
    ]
    assert pattern == KIOSK_ID_PATTERN


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=70) | st.from_regex(KIOSK_ID_PATTERN, fullmatch=True))
def test_an_accepted_kiosk_id_names_a_file_in_local_kiosks(text):
    paths = BackendPaths(Path("/srv/backend"))
    try:
        token_file = paths.local_kiosk_token(text)
    except InvalidName:
        assert not re.fullmatch(KIOSK_ID_PATTERN, text)
        return
    assert token_file.parent == paths.local_kiosks and token_file.name == f"{text}.token"
    assert ".." not in token_file.parts


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_an_accepted_staff_name_is_one_printable_word(text):
    try:
        check_staff_name(text)
    except InvalidName as error:
        assert not OBEYED.search(str(error))  # the refusal quotes it escaped
        return
    assert 1 <= len(text) <= 64 and text[0].isalnum()
    assert all(unicodedata.category(c)[0] in "LN" or c in "._-・" for c in text)
    assert check_kiosk_id("kiosk-01") == "kiosk-01"


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_safe_text_has_nothing_a_terminal_obeys_and_always_encodes(text):
    shown = terminal.safe(text)
    assert not OBEYED.search(shown)
    shown.encode("utf-8")  # lone surrogates are shown, not a UnicodeEncodeError
    if not OBEYED.search(text) and not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert shown == text  # everything else, Japanese above all, is left as it is


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, 2]))
def test_safe_json_is_the_same_document_and_inert(value, indent):
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    shown = terminal.safe(text, json_text=True)
    assert json.loads(shown) == value
    assert not OBEYED.search(shown.replace("\n", ""))
    shown.encode("utf-8")


class Host:
    """A backend data folder holding applications whose fields no kiosk would send."""

    def __init__(self, root: Path) -> None:
        self.paths = BackendPaths(root)
        _, public = generate_key_pair(self.paths.keys)
        self.public_key = load_public_key(public)
        self.database = f"sqlite:///{self.paths.database}"

    def receive_unchecked(self, answers: dict, reception_number: str = "A-001") -> str:
        """Stored as an older backend, which checked nothing, would have stored it."""
        application_id = str(uuid.uuid4())
        payload = {"procedure": "juminhyo", "answers": answers}
        application = SubmittedApplication.model_construct(
            id=application_id,
            kiosk_id="kiosk-01",
            reception_number=reception_number,
            procedure_id="juminhyo",
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


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path / "backend")


def test_list_and_show_print_hostile_fields_shown_not_obeyed(host, cli):
    answers = {f"field{i}": value for i, value in enumerate(HOSTILE_ANSWERS)}
    answers["copies"] = 2
    hostile_id = host.receive_unchecked(answers, reception_number=HOSTILE_NUMBER)
    for args in (["list"], ["show", hostile_id]):
        result = cli(host.paths.root, *args)
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert not OBEYED.search(out.replace("\n", "")), out
        assert "A-␛]0;owned␇␛[31m001␛[2J␍<U+009B>0m" in out  # shown: something was there
    shown = cli(host.paths.root, "show", hostile_id).stdout.splitlines()
    # One line per answer: the newline inside "two\nlines" did not make a line of its own.
    assert sum(1 for line in shown if line.startswith("  ")) == len(answers)
    assert any("two␊lines" in line for line in shown)

    # In a real process, through a real pipe: the bytes as a terminal would get them.
    as_json = process(host.paths.root, "show", hostile_id, "--json").stdout
    assert not OBEYED.search(as_json.replace("\n", ""))
    assert json.loads(as_json)["answers"] == answers  # the data itself is untouched
    listed = cli(host.paths.root, "list", "--json").stdout
    assert json.loads(listed)[0]["reception_number"] == HOSTILE_NUMBER


def test_an_error_quoting_what_was_typed_is_shown_not_obeyed(host, cli):
    stderr = refused_in_one_line(cli(host.paths.root, "list", "--since", "\x1b]0;owned\x07"))
    assert "--since" in stderr and "␛]0;owned␇" in stderr


def test_an_export_to_a_terminal_is_shown_safely_and_to_a_pipe_left_as_data(host):
    answers = {"note": "\u202eevil \u2028x"}  # JSON leaves both as they are
    host.receive_unchecked(answers)
    command = [sys.executable, "-m", "kiosk", "backend", "export", "--format", "jsonl"]
    command += ["--data", str(host.paths.root)]
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(command, stdout=secondary, stderr=subprocess.PIPE, timeout=120)
        os.close(secondary)
        secondary = None
        assert done.returncode == 0, done.stderr.decode()
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(primary)
        if secondary is not None:
            os.close(secondary)
    text = shown.decode("utf-8")
    assert "<U+202E>evil <U+2028>x" in text
    assert not OBEYED.search(text.replace("\r\n", ""))
    piped = process(host.paths.root, "export", "--format", "jsonl").stdout
    assert json.loads(piped)["answers"] == answers  # data for a program stays the data
