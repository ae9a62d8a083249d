"""A serial cable for emulators: a socat pseudo-terminal pair, one end named where the kiosk
looks for its device (--link PATH), the other end for the emulator.

socat ends when the last holder of a pty closes it, so every time the kiosk closed its port
the emulator would vanish; the link keeps the kiosk's end open itself (without reading from
it) for as long as the cable is "plugged in". unplug() is the cable being pulled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

LINK_DEADLINE_S = 5.0
POLL_S = 0.02


class LinkError(RuntimeError):
    pass


class PtyLink:
    def __init__(self, link: Path) -> None:
        self.link = link
        self._folder = Path(tempfile.mkdtemp(prefix="madoguchi-link-"))
        self.emulator_end = self._folder / "emulator"
        self._socat: subprocess.Popen | None = None
        self._hold: int | None = None

    def plug_in(self) -> None:
        if shutil.which("socat") is None:
            raise LinkError("socat is not installed (scripts/install-system-packages adds it)")
        if self.link.is_symlink() or self.link.exists():
            if not self.link.is_symlink():
                raise LinkError(f"{self.link} exists and is not a link; choose another path")
            self.link.unlink()  # left behind by an emulator that was killed
        self.link.parent.mkdir(parents=True, exist_ok=True)
        self._socat = subprocess.Popen(
            [
                "socat",
                f"PTY,link={self.link},raw,echo=0",
                f"PTY,link={self.emulator_end},raw,echo=0",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        end = time.monotonic() + LINK_DEADLINE_S
        while not (self.link.exists() and self.emulator_end.exists()):
            if self._socat.poll() is not None:
                error = self._socat.stderr.read().decode(errors="replace").strip()
                raise LinkError(f"socat stopped: {error or self._socat.returncode}")
            if time.monotonic() > end:
                self.unplug()
                raise LinkError(f"socat did not create {self.link} within {LINK_DEADLINE_S} s")
            time.sleep(POLL_S)  # socat creates both links within milliseconds
        self._hold = os.open(self.link, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)

    def unplug(self) -> None:
        if self._hold is not None:
            os.close(self._hold)
            self._hold = None
        if self._socat is not None:
            self._socat.terminate()
            try:
                self._socat.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._socat.kill()
                self._socat.wait(timeout=5)
            self._socat = None
        for path in (self.link, self.emulator_end):
            if path.is_symlink():
                path.unlink()

    def close(self) -> None:
        self.unplug()
        shutil.rmtree(self._folder, ignore_errors=True)
