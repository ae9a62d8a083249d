"""Voice guidance with the real offline engine (pyopenjtalk-plus, the voice extra): WAV files
of the right length, spoken off the GUI thread, newest page first; absent engine, no option."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import wave

import pytest
from PySide6.QtCore import Qt

from kiosk.qtbridge import QtEventBridge
from kiosk.voice import Voice
from screens.theme import Look
from screens.window import KioskWindow

WAIT_S = 60.0  # the first sentence loads the dictionary and the voice


def seconds(path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


@pytest.fixture
def player(tmp_path):
    """A player process that records what it was given (there is no sound card here)."""
    record = tmp_path / "played.txt"
    script = tmp_path / "fake-aplay"
    script.write_text(f'#!/bin/sh\necho "$2" >> {record}\n', encoding="utf-8")
    script.chmod(0o755)
    return str(script), record


def test_a_sentence_becomes_speech_off_the_calling_thread(tmp_path, player):
    command, record = player
    voice = Voice(tmp_path / "voice", player=command)
    threads = []
    original = voice._speak
    voice._speak = lambda *args: threads.append(threading.current_thread().name) or original(*args)
    path = voice.say("住民票の写しを請求します", "ja").result(timeout=WAIT_S)
    assert 1.5 < seconds(path) < 6.0
    assert threads and threads[0].startswith("voice") and threads[0] != "MainThread"
    voice.close()
    end = time.monotonic() + 10
    while not (record.exists() and record.read_text().strip()) and time.monotonic() < end:
        time.sleep(0.02)  # the player runs in the background; poll for what it recorded
    assert record.read_text().split() == [str(path)]  # handed to the player


def test_only_japanese_is_spoken(tmp_path, player):
    voice = Voice(tmp_path / "voice", player=player[0])
    assert voice.say("Please choose a procedure", "en") is None
    assert voice.say("   ", "ja") is None
    voice.close()


def test_the_newest_page_wins_over_sentences_not_yet_spoken(tmp_path, player):
    voice = Voice(tmp_path / "voice", player=player[0])
    jobs = [voice.say(f"{n}番目の質問です", "ja") for n in range(1, 6)]
    results = [job.result(timeout=WAIT_S) for job in jobs]
    assert results[-1] is not None  # the last one is always spoken
    assert sum(result is not None for result in results) <= 2  # at most the one already going
    voice.close()


def test_without_the_engine_the_option_is_not_offered():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.modules['pyopenjtalk'] = None\n"
            "from kiosk import voice; print(voice.available())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "False"


def test_home_hides_the_option_without_an_engine(services, japanese_qapp, qtbot):
    services.voice = None
    window = KioskWindow(services, QtEventBridge(services.events), Look("standard", "standard"))
    qtbot.addWidget(window)
    window.show()
    assert not window.home.voice_button.isVisible()


def test_questions_are_read_when_the_resident_asks_for_it(
    services, japanese_qapp, qtbot, player, tmp_path
):
    command, record = player
    services.voice = Voice(tmp_path / "voice", player=command)
    window = KioskWindow(services, QtEventBridge(services.events), Look("standard", "standard"))
    window.resize(1920, 1080)
    qtbot.addWidget(window)
    window.show()
    assert window.home.voice_button.isVisible()
    qtbot.mouseClick(window.home.voice_button, Qt.MouseButton.LeftButton)
    assert window.home.voice_button.text() == "音声案内をやめる"
    window.choose_procedure("juminhyo")
    qtbot.waitUntil(
        lambda: record.exists() and len(record.read_text().split()) >= 1, timeout=60_000
    )
    assert services.voice.spoken and seconds(services.voice.spoken[-1]) > 0.5
    qtbot.mouseClick(window.question.start_over_button, Qt.MouseButton.LeftButton)
    assert window.voice_on is False  # the next resident starts without it
