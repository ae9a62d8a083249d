"""Showing the kiosk on a machine with no display: a virtual X screen and a loopback VNC server.

Qt's own VNC platform plugin (6.x) always listens on every network interface and asks for no
password, which would expose a resident's answers to the office network. So `--vnc` runs the
kiosk on a private Xvfb screen and serves it with x11vnc bound to 127.0.0.1 only (reach it from
elsewhere through an SSH tunnel). Qt's plugin stays available behind an explicit flag.
"""

from __future__ import annotations

import ctypes
import os
import select
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

START_DEADLINE_S = 15.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Run in the child before exec: Linux sends it SIGTERM if the kiosk dies, even by SIGKILL."""
    # The kiosk holds SIGTERM back while it starts; its helpers must not inherit that.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: stop() still ends the children on a normal exit


class HeadlessError(RuntimeError):
    """The virtual display or the VNC server could not be started; says what to install."""


@dataclass
class VirtualDisplay:
    display: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def _require(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise HeadlessError(
            f"{program} is not installed (apt-get install {package}, or run "
            "scripts/install-system-packages as root)"
        )
    return path


def _read_display_number(read_end: int) -> str:
    """Read up to the newline: Xvfb writes the number and the newline separately, and dies
    ("Cannot write display number") if the pipe is closed between the two writes."""
    received = b""
    end = time.monotonic() + START_DEADLINE_S
    while not received.endswith(b"\n"):
        remaining = end - time.monotonic()
        ready, _, _ = select.select([read_end], [], [], max(remaining, 0))
        chunk = os.read(read_end, 32) if ready else b""
        if not chunk:  # deadline passed, or Xvfb exited and closed its end
            break
        received += chunk
    return received.decode().strip() if received.endswith(b"\n") else ""


def start_xvfb(width: int, height: int) -> VirtualDisplay:
    """Start Xvfb on a free display number and wait until it accepts clients."""
    xvfb = _require("Xvfb", "xvfb")
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [
            xvfb,
            "-displayfd",
            str(write_end),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    os.close(write_end)
    try:
        number = _read_display_number(read_end)
    finally:
        os.close(read_end)
    if not number.isdigit():
        process.kill()
        process.wait(timeout=5)
        raise HeadlessError(f"Xvfb did not start within {START_DEADLINE_S:.0f} s")
    return VirtualDisplay(f":{number}", [process])


def wait_for_port(host: str, port: int, deadline_s: float = START_DEADLINE_S) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def serve_loopback_vnc(screen: VirtualDisplay, port: int, log_file: Path) -> None:
    """Serve the virtual screen with x11vnc on 127.0.0.1:port (no other interface).

    x11vnc's own messages go to log_file, for the technician when it will not start.
    """
    x11vnc = _require("x11vnc", "x11vnc")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [
                x11vnc,
                "-display",
                screen.display,
                "-localhost",
                "-rfbport",
                str(port),
                "-forever",
                "-shared",
                "-nopw",
                "-quiet",
                "-noxdamage",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    screen.processes.append(process)
    if not wait_for_port("127.0.0.1", port):
        screen.stop()
        raise HeadlessError(
            f"the VNC server did not open port {port} within {START_DEADLINE_S:.0f} s "
            f"(is the port in use? x11vnc's messages: {log_file})"
        )
