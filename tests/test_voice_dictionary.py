"""The voice's user dictionary with the real engine: compiled on the voice's own thread with
its first sentence (never at import), once per dictionary into the voice's data folder, spoken
with; a missing or broken dictionary is logged once and the voice speaks without it."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import wave

import pytest

from kiosk import voice_dictionary
from kiosk.voice import Voice

WAIT_S = 60.0  # the first sentence loads the engine and compiles the dictionary
PERSON = "マイナンバーカードをお持ちの方は"  # ほう without the dictionary, かた with it


def frames(path) -> bytes:
    with wave.open(str(path), "rb") as audio:
        return audio.readframes(audio.getnframes())


def pcm(samples) -> bytes:
    return samples.clip(-32768, 32767).astype("<i2").tobytes()


@pytest.fixture
def voice_folder(tmp_path):
    return tmp_path / "voice"


def compiled_files(folder):
    return sorted(folder.glob(f"{voice_dictionary.COMPILED_PREFIX}*.dic"))


def test_the_voice_speaks_with_the_dictionary_compiled_on_its_own_thread(voice_folder, monkeypatch):
    threads = []
    original = voice_dictionary.front_end

    def recording(*args):
        threads.append(threading.current_thread().name)
        return original(*args)

    monkeypatch.setattr(voice_dictionary, "front_end", recording)
    voice = Voice(voice_folder, player=None)
    assert compiled_files(voice_folder) == []  # nothing before the first sentence
    path = voice.say(PERSON, "ja").result(timeout=WAIT_S)
    voice.close()
    assert len(threads) == 1 and threads[0].startswith("voice")
    [dictionary] = compiled_files(voice_folder)
    assert voice.engine is not None and str(dictionary) in voice.engine.userdic_paths
    pyopenjtalk = voice_dictionary.engine_module()
    assert "オモチノカタ" in voice_dictionary.kana(PERSON, voice.engine)
    # What was played is the dictionary's reading, not the plain engine's.
    with_dictionary, _ = pyopenjtalk.tts(PERSON, jtalk=voice.engine)
    plain, _ = pyopenjtalk.tts(PERSON)
    assert frames(path) == pcm(with_dictionary) != pcm(plain)


def test_the_dictionary_is_compiled_once_and_again_only_when_it_changes(voice_folder, tmp_path):
    source = tmp_path / "words.csv"
    source.write_bytes(voice_dictionary.SOURCE.read_bytes())
    first = voice_dictionary.compiled(voice_folder, source)
    stamp = first.stat().st_mtime_ns
    assert voice_dictionary.compiled(voice_folder, source) == first
    assert first.stat().st_mtime_ns == stamp  # not compiled a second time
    source.write_text(
        source.read_text(encoding="utf-8")
        + "整理券,,,3000,名詞,一般,*,*,*,*,整理券,セイリケン,セーリケン,3/5,C1\n",
        encoding="utf-8",
    )
    second = voice_dictionary.compiled(voice_folder, source)
    assert second != first and compiled_files(voice_folder) == [second]  # the old one is gone
    assert not list(voice_folder.glob(".*partial"))


@pytest.mark.parametrize(
    "content",
    [None, "方,,,abc,名詞\n", "not a dictionary\n"],
    ids=["missing", "malformed-entry", "not-csv"],
)
def test_without_a_usable_dictionary_the_voice_still_speaks_and_says_so_once(
    voice_folder, tmp_path, caplog, content
):
    source = tmp_path / "words.csv"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    caplog.set_level(logging.WARNING, logger="kiosk.voice")
    voice = Voice(voice_folder, player=None, dictionary=source)
    first = voice.say(PERSON, "ja").result(timeout=WAIT_S)
    second = voice.say("番号札をお取りください", "ja").result(timeout=WAIT_S)
    voice.close()
    assert first is not None and second is not None and len(frames(second)) > 0
    assert voice.engine is None
    warnings = [r.getMessage() for r in caplog.records if "user dictionary" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "words.csv" in warnings[0]
    assert compiled_files(voice_folder) == [] and not list(voice_folder.glob(".*partial"))


def test_a_partly_broken_dictionary_keeps_its_good_entries_and_says_which_failed(
    voice_folder, tmp_path, caplog
):
    source = tmp_path / "words.csv"
    source.write_text(voice_dictionary.SOURCE.read_text(encoding="utf-8") + "x\n", encoding="utf-8")
    caplog.set_level(logging.WARNING, logger="kiosk.voice_dictionary")
    engine = voice_dictionary.front_end(voice_folder, source)
    assert "オモチノカタ" in voice_dictionary.kana(PERSON, engine)
    assert any("format error" in record.getMessage() for record in caplog.records)


def test_importing_and_creating_the_voice_loads_no_engine_and_compiles_nothing(tmp_path):
    """The kiosk's start-up stays free of the engine (half a second, ~100 MB)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom pathlib import Path\nfrom kiosk.voice import Voice\n"
            "voice = Voice(Path(sys.argv[1]), player=None)\nvoice.close()\n"
            "files = sorted(p.name for p in Path(sys.argv[1]).iterdir())\n"
            "print('pyopenjtalk' in sys.modules, files)",
            str(tmp_path / "voice"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "False []"


def test_text_writers_can_see_how_the_voice_reads_a_text():
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.voice_dictionary", "番号札をお取りください", PERSON],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.splitlines() == [
        "番号札をお取りください\tバンゴーフダヲオトリクダサイ",
        f"{PERSON}\tマイナンバーカードヲオモチノカタワ",
    ]
