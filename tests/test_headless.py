"""`kiosk demo --vnc`: a real Xvfb and x11vnc, served on loopback only, stopped with the kiosk."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kiosk.headless import wait_for_port
from tests.netutil import free_port


def listening_addresses(port: int) -> set[str]:
    output = subprocess.run(
        ["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    return {line.split()[3].rsplit(":", 1)[0] for line in output.splitlines()}


def children_of(pid: int) -> list[int]:
    output = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, timeout=10
    ).stdout
    return [int(value) for value in output.split()]


def process_gone(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().split()[2] == "Z"


def start_demo(home, *arguments: str) -> subprocess.Popen:
    """`kiosk demo` as a technician starts it on a machine with no display."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    environment["KIOSK_HOME"] = str(home)
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "demo", *arguments],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_vnc_demo_serves_loopback_only_and_cleans_up(tmp_path):
    port = free_port()
    process = start_demo(tmp_path, "--vnc", str(port))
    try:
        assert wait_for_port("127.0.0.1", port, deadline_s=60), process.stderr.read()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.settimeout(10)
            assert client.recv(12).startswith(b"RFB 003.")
        assert listening_addresses(port) <= {"127.0.0.1", "[::1]"}
        helpers = children_of(process.pid)
        assert len(helpers) == 2  # Xvfb and x11vnc
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read()
    for pid in helpers:
        assert process_gone(pid)


def test_qt_vnc_plugin_is_opt_in_and_says_it_listens_everywhere(tmp_path):
    port = free_port()
    process = start_demo(tmp_path, "--vnc", str(port), "--vnc-listen-all")
    try:
        assert wait_for_port("127.0.0.1", port, deadline_s=60), process.stderr.read()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.settimeout(10)
            assert client.recv(12).startswith(b"RFB 003.")
        # Qt gives its plugin no address option: this is why it is not the default.
        assert listening_addresses(port) - {"127.0.0.1", "[::1]"}
        assert children_of(process.pid) == []  # no Xvfb, no x11vnc on this path
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "EVERY interface" in out


def test_sigterm_during_start_up_still_ends_cleanly(tmp_path):
    process = start_demo(tmp_path, "--vnc", str(free_port()))
    output_line = process.stdout.readline()  # the first line: the screen is being made
    assert output_line.startswith("kiosk: VNC on")
    process.send_signal(signal.SIGTERM)  # Qt is not up yet, the kiosk not prepared
    process.wait(timeout=60)
    assert process.returncode == 0, process.stderr.read()


def test_kiosk_run_is_fullscreen_frameless_ignores_keys_and_stops_on_sigterm(tmp_path):
    """`kiosk run` on a real X server: a resident's Alt+F4 or Escape does not end it; the
    operating system's SIGTERM does."""
    from kiosk.headless import start_xvfb

    screen = start_xvfb(1920, 1080)
    environment = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    environment.update(DISPLAY=screen.display, KIOSK_HOME=str(tmp_path), QT_QPA_PLATFORM="xcb")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        window = ""
        deadline = time.monotonic() + 60
        while not window and time.monotonic() < deadline and process.poll() is None:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", "Madoguchi"],
                env=environment,
                capture_output=True,
                text=True,
                timeout=10,
            )
            window = found.stdout.split()[0] if found.stdout.split() else ""
            if not window:
                time.sleep(0.2)  # polling for the window to be mapped, with a deadline
        assert window, process.stderr.read() if process.poll() is not None else "no window"
        geometry = subprocess.run(
            ["xdotool", "getwindowgeometry", window],
            env=environment,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        assert "1920x1080" in geometry
        for keys in ("alt+F4", "Escape", "ctrl+q", "ctrl+w"):
            subprocess.run(
                ["xdotool", "key", "--window", window, keys], env=environment, timeout=10
            )
        assert process.poll() is None  # still running
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        screen.stop()
    assert process.returncode == 0, process.stderr.read()
