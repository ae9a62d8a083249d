"""Scans (issue 13, finding 8): whatever a QR code holds, the scanner's thread lives on and the
next scan arrives; digits are ASCII digits wherever a text becomes a number."""

from __future__ import annotations

import ast
import json
import queue
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import preentry
from core.catalog import Catalog
from core.preentry import PreEntryError
from devices.scanner import SerialScanner
from devices.transport import parse_endpoint, transport_for
from kiosk.events import ScanArrived, ScanRefused
from kiosk.sync.backoff import parse_retry_after
from tests.emulators import EmulatorProcess
from tests.test_scanner_serial import WAIT_S, wait_until

REPO = Path(__file__).resolve().parents[1]
CATALOG = Catalog.load("sample-city")
# Characters str.isdigit() accepts and int() refuses, and digits int() takes that are not 0-9.
NOT_ASCII_DIGITS = "²³¹⁰①⑴𝟙١٢３"


def test_a_superscript_or_other_non_ascii_version_is_not_a_preentry():
    for digit in NOT_ASCII_DIGITS:
        with pytest.raises(PreEntryError) as caught:
            preentry.parse(f"MADOGUCHI-PRE/{digit} {{}}", CATALOG)
        assert caught.value.key == "scan_not_preentry"
    with pytest.raises(PreEntryError):
        preentry.parse("MADOGUCHI-PRE/²", CATALOG)  # the scan of the review, exactly


def test_a_huge_version_a_deep_body_and_odd_answers_are_refused_in_words():
    for text in (
        "MADOGUCHI-PRE/" + "1" * 5000 + " {}",  # int() of it would raise past 4,300 digits
        "MADOGUCHI-PRE/1 " + "[" * 1500 + "]" * 1500,  # json.loads recurses
        'MADOGUCHI-PRE/1 {"p": NaN}',
        'MADOGUCHI-PRE/1 {"p": ["juminhyo"]}',
    ):
        with pytest.raises(PreEntryError):
            preentry.parse(text, CATALOG)
    for odd in (10**30, 1.5, [1, [2]], {"nested": 1}, None):
        entry = preentry.parse(
            preentry.encode("juminhyo", {"copies": odd, "purpose": "work"}), CATALOG
        )
        assert entry.answers == {"purpose": "work"}  # the copies are asked on their page
        assert entry.refused == ("copies",)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=200),
        st.builds(
            lambda version, body: f"MADOGUCHI-PRE/{version} {body}",
            st.one_of(st.text(max_size=6), st.sampled_from([*NOT_ASCII_DIGITS, "1"])),
            st.one_of(
                st.text(max_size=100),
                st.builds(
                    lambda p, a: json.dumps({"p": p, "a": a}),
                    st.one_of(st.sampled_from(["juminhyo", "jido_teate"]), json_values),
                    st.one_of(st.dictionaries(st.text(max_size=12), json_values), json_values),
                ),
            ),
        ),
    )
)
def test_parsing_any_scan_gives_a_preentry_or_a_preentry_error(text):
    try:
        entry = preentry.parse(text, CATALOG)
    except PreEntryError as error:
        assert error.key in {"scan_not_preentry", "scan_newer_version", "scan_unknown_procedure"}
        return
    assert "my_number" not in entry.answers


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=40), st.sampled_from(list(NOT_ASCII_DIGITS)), st.none()))
def test_any_retry_after_header_is_a_number_of_seconds_or_none(value):
    seconds = parse_retry_after(value, datetime.now().astimezone())
    assert seconds is None or 0 <= seconds <= 86_400


# Where str.isdigit()/isnumeric() appears without isascii() beside it, and why that is safe.
# Anything new must use an ASCII check (core.preentry.is_ascii_digits, or isascii() and
# isdigit()) or be listed here with its reason.
ISDIGIT_ALLOWED = {
    ("devices/mynumber_profile.py", "birth_text.isdigit()"): "decoded as ASCII just before",
    ("screens/card.py", "key.isdigit()"): "a keypad's own key labels, never converted",
    ("kiosk/headless.py", "number.isdigit()"): "never converted; Xvfb's own output",
    ("devices/escpos.py", "token.isdigit()"): "encoded as ASCII, which refuses others",
    ("kiosk/support_bundle_scrub.py", "c.isdigit()"): "a guess whether a run looks secret",
}
_DIGIT_METHODS = {"isdigit", "isnumeric"}


def _method_call(node: ast.AST, names: set[str]) -> str | None:
    """'text' for a call text.isdigit() (a method of `names`), else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ):
        return ast.unparse(node.func.value)
    return None


def unguarded_digit_checks(source: str) -> set[str]:
    """Every x.isdigit()/x.isnumeric() not joined by `and` to x.isascii()."""
    tree = ast.parse(source)
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            ascii_subjects = {_method_call(value, {"isascii"}) for value in node.values}
            for value in node.values:
                if _method_call(value, _DIGIT_METHODS) in ascii_subjects - {None}:
                    guarded.add(id(value))
    return {
        ast.unparse(node)
        for node in ast.walk(tree)
        if _method_call(node, _DIGIT_METHODS) is not None and id(node) not in guarded
    }


def test_the_digit_check_finder_tells_guarded_from_unguarded():
    assert unguarded_digit_checks("a.isdigit() and int(a)") == {"a.isdigit()"}
    assert unguarded_digit_checks("a.isascii() and a.isdigit()") == set()
    assert unguarded_digit_checks("b.isascii() and a.isnumeric()") == {"a.isnumeric()"}


def test_every_digit_check_before_a_number_is_an_ascii_check():
    found = set()
    for package in ("core", "kiosk", "devices", "screens", "backend"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = str(path.relative_to(REPO))
            for call in unguarded_digit_checks(path.read_text(encoding="utf-8")):
                found.add((relative, call))
    assert found - set(ISDIGIT_ALLOWED) == set(), "use an ASCII check, or explain it above"
    assert set(ISDIGIT_ALLOWED) - found == set(), "fixed: drop it from ISDIGIT_ALLOWED"


# -- the scanner's thread --------------------------------------------------------------------


@pytest.fixture
def scanner_emulator(tmp_path):
    link = tmp_path / "scanner"
    emulator = EmulatorProcess("devices.emulators.scanner_emulator", "--link", str(link)).start()
    yield link, emulator
    emulator.stop()


def start_reader(link: Path, on_scan, on_problem) -> SerialScanner:
    scanner = SerialScanner(transport_for(parse_endpoint(str(link))), on_scan, on_problem)
    scanner.start()
    wait_until(lambda: scanner.alive and scanner.status().state.value == "ready")
    return scanner


def test_a_superscript_scan_is_refused_and_the_next_scan_still_arrives(scanner_emulator, services):
    link, emulator = scanner_emulator
    events: queue.Queue = queue.Queue()
    services.events.subscribe(
        lambda event: events.put(event) if isinstance(event, ScanArrived | ScanRefused) else None
    )
    scanner = start_reader(link, services.on_scan, services.on_scan_problem)
    try:
        services.expect_scan(True)
        emulator.send("scan MADOGUCHI-PRE/²")
        assert events.get(timeout=WAIT_S) == ScanRefused("scan_not_preentry")
        emulator.send("scan " + preentry.encode("juminhyo", {"copies": 2}))
        assert events.get(timeout=WAIT_S) == ScanArrived("juminhyo")
        assert scanner.alive
    finally:
        scanner.stop()


def test_whatever_the_scan_handler_raises_is_reported_and_scanning_goes_on(scanner_emulator):
    link, emulator = scanner_emulator
    scans: queue.Queue = queue.Queue()
    problems: queue.Queue = queue.Queue()

    def handler(scan):
        if scan.text.startswith("boom"):
            raise ValueError(f"invalid literal: {scan.text!r}")  # quotes the scan, as int() does
        scans.put(scan.text)

    scanner = start_reader(link, handler, problems.put)
    try:
        emulator.send("scan boom 山田花子")
        problem = problems.get(timeout=WAIT_S)
        assert "ValueError" in problem and "山田" not in problem  # the kind, never the content
        emulator.send("scan after")
        assert scans.get(timeout=WAIT_S) == "after"
        assert scanner.alive
    finally:
        scanner.stop()


def test_a_failing_problem_handler_does_not_end_the_thread_either(scanner_emulator):
    link, emulator = scanner_emulator
    scans: queue.Queue = queue.Queue()

    def handler(scan):
        if scan.text == "bad":
            raise RuntimeError("handler bug")
        scans.put(scan.text)

    def problem_handler(detail):
        raise RuntimeError("problem handler bug")

    scanner = start_reader(link, handler, problem_handler)
    try:
        emulator.send("scan bad")
        emulator.send("scan good")
        assert scans.get(timeout=WAIT_S) == "good"
        assert scanner.alive
    finally:
        scanner.stop()
