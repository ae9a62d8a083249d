"""Short sounds the kiosk plays (the staff-call chime), without Qt Multimedia.

PySide6-Essentials has no QtMultimedia, so a chime goes to ALSA's `aplay` in the background.
A kiosk without a sound device still shows every signal on screen; a failed or missing player
is logged, never an error for the resident.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

PLAY_DEADLINE_S = 10.0  # a chime is 1.5 s; a player that hangs is stopped


def sound_file(name: str) -> Path:
    return Path(str(resources.files("assets").joinpath("sounds", f"{name}.wav")))


def play(name: str, player: str | None = "aplay") -> subprocess.Popen | None:
    """Start playing assets/sounds/NAME.wav in the background; None when it cannot play."""
    return play_file(sound_file(name), player)


def play_file(path: Path, player: str | None = "aplay") -> subprocess.Popen | None:
    name = path.stem
    command = shutil.which(player) if player else None
    if command is None:
        log.info("no sound player (%s); the %s signal is visual only", player, name)
        return None
    try:
        process = subprocess.Popen(
            [command, "-q", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError as error:
        log.info("could not play %s: %s", name, error)
        return None
    threading.Thread(target=_reap, args=(process,), name="sound", daemon=True).start()
    return process


def _reap(process: subprocess.Popen) -> None:
    try:
        process.wait(timeout=PLAY_DEADLINE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.returncode:
        log.info("sound player ended with %s (no sound device?)", process.returncode)
