"""kiosk/config_writer.py: kiosk.toml is changed atomically, validated first, and every byte a
technician wrote by hand that the change does not touch stays as it was."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import config_writer
from kiosk.config import load_settings
from kiosk.config_writer import ConfigWriteRefused, render, update_config

HAND_WRITTEN = textwrap.dedent(
    """\
    # 本庁舎1階のキオスク。プリンタを替えたら田中まで。
    kiosk_id = "kiosk-01"   # 窓口の左側

    # the emulator until the TM-T88 arrives
    printer = "sim"
    practice = true
    some_future_setting = "kept"   # not known to this version

    [technician_notes]
    last_visit = 2026-11-30
    """
)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config" / "kiosk.toml"
    path.parent.mkdir()
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    path.chmod(0o640)
    return path


def test_comments_order_unknown_keys_and_tables_survive_a_change(config):
    update_config(
        config,
        {"kiosk_id": "kiosk-02", "backend_url": "https://madoguchi.example", "kiosk_letter": "B"},
    )
    written = config.read_text(encoding="utf-8")
    # Replaced in place, its line's comment kept; the new keys go before the first table.
    assert written == HAND_WRITTEN.replace('"kiosk-01"', '"kiosk-02"').replace(
        "not known to this version\n",
        'not known to this version\nbackend_url = "https://madoguchi.example"\n'
        'kiosk_letter = "B"\n',
    )
    assert stat.S_IMODE(config.stat().st_mode) == 0o640  # its permissions kept


def test_the_written_file_loads_as_the_kiosk_loads_it(tmp_path):
    path = tmp_path / "kiosk.toml"
    update_config(
        path,
        {
            "kiosk_id": "kiosk-05",
            "kiosk_letter": "C",
            "practice": True,
            "request_timeout_s": 7.5,
            "sync_batch": 50,
            "seal_public_key": tmp_path / "seal.pem",
        },
    )
    loaded = load_settings(path, environ={})
    assert (loaded.kiosk_id, loaded.kiosk_letter, loaded.practice) == ("kiosk-05", "C", True)
    assert (loaded.request_timeout_s, loaded.sync_batch) == (7.5, 50)
    assert loaded.seal_public_key == tmp_path / "seal.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a new file: this user's only


def test_none_removes_one_setting_and_nothing_else(config):
    update_config(config, {"practice": None})
    assert config.read_text(encoding="utf-8") == HAND_WRITTEN.replace("practice = true\n", "")


@pytest.mark.parametrize(
    "changes",
    [
        {"kiosk_letter": "I"},  # a look-alike letter
        {"kiosk_id": "Kiosk 1"},
        {"request_timeout_s": 0},
        {"printer_model": "tm-t1000"},
        {"practice": "sometimes"},
        {"no_such_setting": 1},
        {"kiosk_id": ["kiosk-01"]},
        {"technician_notes": "a table's name"},
    ],
)
def test_an_invalid_value_is_refused_and_the_old_file_stays_byte_for_byte(config, changes):
    before = config.read_bytes()
    with pytest.raises(ConfigWriteRefused):
        update_config(config, changes)
    assert config.read_bytes() == before
    assert sorted(p.name for p in config.parent.iterdir()) == ["kiosk.toml"]  # no leftovers


def test_a_file_that_is_not_toml_is_refused_not_overwritten(config):
    config.write_text('kiosk_id = "kiosk-01\nprinter = \n', encoding="utf-8")
    before = config.read_bytes()
    with pytest.raises(ConfigWriteRefused, match="fix it by hand"):
        update_config(config, {"kiosk_letter": "B"})
    assert config.read_bytes() == before


def test_a_failure_between_write_and_replace_leaves_the_old_file(config, monkeypatch):
    before = config.read_bytes()

    def replace_fails(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config_writer.os, "replace", replace_fails)
    with pytest.raises(OSError):
        update_config(config, {"kiosk_letter": "B"})
    assert config.read_bytes() == before
    assert sorted(p.name for p in config.parent.iterdir()) == ["kiosk.toml"]


def test_a_crash_between_write_and_replace_leaves_the_old_file(config):
    """The process dies (no cleanup runs) after the new text is on disk, before the rename."""
    before = config.read_bytes()
    crash = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from kiosk import config_writer
        config_writer.os.replace = lambda source, target: os._exit(9)
        config_writer.update_config(Path({str(config)!r}), {{"kiosk_letter": "B"}})
        """
    )
    result = subprocess.run([sys.executable, "-c", crash], timeout=60)
    assert result.returncode == 9
    assert config.read_bytes() == before
    leftovers = [p for p in config.parent.iterdir() if p.name != "kiosk.toml"]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".kiosk.toml.")
    assert 'kiosk_letter = "B"' in leftovers[0].read_text()  # the new text was written whole
    assert stat.S_IMODE(leftovers[0].stat().st_mode) == 0o640  # the old file's, no wider
    assert "kiosk_letter" not in config.read_text()  # and nothing reads the leftover
    update_config(config, {"kiosk_letter": "C"})  # the next write is not disturbed by it
    assert config_writer.check(config.read_text()).kiosk_letter == "C"


LINE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30
)


@settings(max_examples=60, deadline=None)
@given(
    comments=st.lists(LINE_TEXT, max_size=5),
    kiosk_id=st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True),
    letter=st.sampled_from("ABCDEFGHJKLMNPRTUVWXY"),
)
def test_any_comment_survives_and_the_values_read_back(comments, kiosk_id, letter):
    original = "".join(f"#{line}\n" for line in comments) + 'printer = "sim"  # keep\n'
    written = render(original, {"kiosk_id": kiosk_id, "kiosk_letter": letter})
    assert written.startswith(original)
    settings_now = config_writer.check(written)
    assert (settings_now.kiosk_id, settings_now.kiosk_letter) == (kiosk_id, letter)
    # Writing the same values again changes nothing at all.
    assert render(written, {"kiosk_id": kiosk_id, "kiosk_letter": letter}) == written


def test_the_temporary_file_is_in_the_same_folder(config, monkeypatch):
    """os.replace is atomic only within one file system: the new text is staged beside."""
    seen = []
    real_replace = os.replace

    def watch(source, target):
        seen.append(Path(source).parent)
        real_replace(source, target)

    monkeypatch.setattr(config_writer.os, "replace", watch)
    update_config(config, {"kiosk_letter": "D"})
    assert seen == [config.parent]
