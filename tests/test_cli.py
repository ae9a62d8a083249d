"""The `kiosk` command as a technician meets it: real processes, real exit codes."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.main import build_parser, main

CLI_TIMEOUT_S = 120


def kiosk(*args: str, env: dict | None = None, home: Path | None = None):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    if home is not None:
        environment["KIOSK_HOME"] = str(home)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        env=environment,
    )


def subcommand_paths(parser=None, prefix=()):
    parser = parser or build_parser()
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, child in action.choices.items():
            yield (*prefix, name)
            yield from subcommand_paths(child, (*prefix, name))


def parser_at(words):
    parser = build_parser()
    for word in words:
        parser = parser._subparsers._group_actions[0].choices[word]
    return parser


@pytest.mark.parametrize("words", list(subcommand_paths()), ids=" ".join)
def test_every_subcommand_has_help(words):
    with pytest.raises(SystemExit) as leaving:
        build_parser().parse_args([*words, "--help"])
    assert leaving.value.code == 0


@pytest.mark.parametrize("words", list(subcommand_paths()), ids=" ".join)
def test_every_subcommand_either_has_a_handler_or_requires_a_further_word(words):
    parser = parser_at(words)
    if parser._subparsers:
        assert parser._subparsers._group_actions[0].required
        assert parser.get_default("handler") is None  # no default action under the words
    else:
        assert callable(parser.get_default("handler"))


# Every level that takes a further word: (), ("sync",), ("devices", "test") …
GROUPS = [()] + [words for words in subcommand_paths() if parser_at(words)._subparsers]


@pytest.mark.parametrize("words", GROUPS, ids=lambda words: " ".join(words) or "kiosk")
@pytest.mark.parametrize(
    ("extra", "message"),
    [([], "the following arguments are required"), (["stauts"], "invalid choice: 'stauts'")],
    ids=["missing", "typo"],
)
def test_a_missing_or_mistyped_subcommand_is_refused_and_nothing_runs(
    words, extra, message, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path))
    with pytest.raises(SystemExit) as leaving:
        main([*words, *extra])
    assert leaving.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("usage: kiosk") and message in error
    assert list(tmp_path.iterdir()) == []  # no configuration, store or log was touched


def test_demo_without_a_display_explains_the_three_ways_in_one_line(tmp_path):
    result = kiosk("demo", home=tmp_path)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "\n" not in message
    for hint in ("--vnc", "127.0.0.1", "xvfb-run", "kiosk tour"):
        assert hint in message
    assert "Traceback" not in result.stderr


def test_tour_writes_pngs_and_nothing_outside_outdir(tmp_path):
    home = tmp_path / "home"
    result = kiosk("tour", str(tmp_path / "out"), home=home)
    assert result.returncode == 0, result.stderr
    pngs = sorted((tmp_path / "out").glob("*.png"))
    from tests.test_tour import EXPECTED_SCREENS

    assert len(pngs) > len(EXPECTED_SCREENS)  # the fixed walk, then the card procedure's pages
    # Then each step of the setup wizard, in order.
    wizard = [p.name for p in pngs if p.name.startswith("setup-")]
    assert [name.split("-", 3)[3] for name in sorted(wizard)] == [
        "pin.png",
        "scanner.png",
        "backend.png",
        "printer.png",
        "card_reader.png",
        "summary.png",
    ]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert not home.exists()


def test_tour_in_english_high_contrast_largest(tmp_path):
    result = kiosk(
        "tour",
        str(tmp_path),
        "--language",
        "en",
        "--theme",
        "high_contrast",
        "--text-size",
        "largest",
        home=tmp_path / "home",
    )
    assert result.returncode == 0, result.stderr


def test_doctor_json_lists_every_check_with_a_status(tmp_path):
    result = kiosk(
        "doctor", "--json", home=tmp_path, env={"KIOSK_BACKEND_URL": "http://127.0.0.1:9"}
    )
    checks = json.loads(result.stdout)
    names = " ".join(check["name"] for check in checks)
    for expected in (
        "font Noto Sans CJK JP",
        "font IPAexGothic",
        "Qt plugin libqxcb.so",
        "display",
        "serial ports",
        "pcscd",
        "backend",
        "data folder",
    ):
        assert expected in names
    backend = next(check for check in checks if check["name"] == "backend")
    assert backend["status"] == "warn" and "unreachable" in backend["detail"]
    display = next(check for check in checks if check["name"] == "display")
    assert display["status"] == "warn" and "--vnc" in display["fix"]
    key = next(check for check in checks if check["name"] == "sealing key")
    assert key["status"] == "fail" and "refuses real applications" in key["detail"]
    failed = [check for check in checks if check["status"] == "fail"]
    assert result.returncode == (1 if failed else 0)


def test_doctor_knows_a_default_kiosk_seals_to_the_local_backends_key(tmp_path):
    result = kiosk("doctor", "--json", home=tmp_path)
    key = next(c for c in json.loads(result.stdout) if c["name"] == "sealing key")
    assert key["status"] == "ok" and "local backend" in key["detail"]


def test_doctor_reports_a_missing_x_server(tmp_path):
    result = kiosk("doctor", "--json", home=tmp_path, env={"DISPLAY": ":987"})
    display = next(c for c in json.loads(result.stdout) if c["name"] == "display")
    assert display["status"] == "fail" and "no X server" in display["detail"]
    assert result.returncode == 1


def test_bad_configuration_is_one_line_and_exit_2(tmp_path):
    result = kiosk("catalog", "list", home=tmp_path, env={"KIOSK_PROFILE": "tablet"})
    assert result.returncode == 2
    assert result.stderr.strip().startswith("kiosk catalog: invalid setting: profile")
    assert "Traceback" not in result.stderr


def test_catalog_list_json(tmp_path):
    result = kiosk("catalog", "list", "--json", home=tmp_path)
    rows = json.loads(result.stdout)["procedures"]
    assert rows[0]["id"] == "juminhyo" and rows[0]["title"]["en"]


def test_a_damaged_store_is_one_line_and_exit_2(tmp_path):
    database = tmp_path / "data" / "kiosk.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"this is not a database" * 400)
    result = kiosk("sync", "quarantine", home=tmp_path)
    assert result.returncode == 2
    message = result.stderr.strip()
    assert message.startswith("kiosk sync: ") and "damaged" in message and "\n" not in message


def test_bench_help_names_every_benchmark():
    """`kiosk bench --only` lists the names by hand (the parser must not import the bench):
    a benchmark added without its name here would be one nobody finds."""
    from bench.runner import BENCHMARKS
    from kiosk.cli.main import build_parser

    parser = build_parser()
    bench = next(
        action.choices["bench"]
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    only = next(action for action in bench._actions if action.dest == "only")
    listed = {name.strip(" ()") for name in only.help.split("(", 1)[1].split(";")[0].split(",")}
    assert listed == set(BENCHMARKS)
