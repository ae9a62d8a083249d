"""The staff-call chime: a real WAV asset, handed to a real player process."""

from __future__ import annotations

import wave

from kiosk import sound
from kiosk.events import EventKind, StaffCalled


def test_the_chime_is_a_short_wav_in_the_package():
    with wave.open(str(sound.sound_file("staff_call")), "rb") as chime:
        seconds = chime.getnframes() / chime.getframerate()
        assert chime.getnchannels() == 1 and chime.getsampwidth() == 2
    assert 1.0 <= seconds <= 2.0


def test_play_hands_the_file_to_the_player(tmp_path):
    record = tmp_path / "played.txt"
    player = tmp_path / "fake-aplay"
    player.write_text(f'#!/bin/sh\necho "$@" > {record}\n', encoding="utf-8")
    player.chmod(0o755)
    process = sound.play("staff_call", player=str(player))
    assert process is not None
    process.wait(timeout=10)
    assert record.read_text(encoding="utf-8").split() == ["-q", str(sound.sound_file("staff_call"))]


def test_no_player_means_a_visual_signal_only(caplog):
    caplog.set_level("INFO")
    assert sound.play("staff_call", player="no-such-player-here") is None
    assert "visual only" in caplog.text


def test_call_staff_rings_and_publishes(services, monkeypatch):
    rung = []
    monkeypatch.setattr(sound, "play", lambda name, **_: rung.append(name))
    events = []
    services.events.subscribe(events.append)
    services.call_staff("question")
    assert rung == ["staff_call"]
    called = [event for event in events if event.kind is EventKind.STAFF_WAS_CALLED]
    assert called == [StaffCalled("question")]
