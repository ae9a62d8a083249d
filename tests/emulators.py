"""Device emulators as real processes, for tests: started, watched line by line, stopped."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

READY_DEADLINE_S = 15.0


class EmulatorProcess:
    """`python -m devices.<module> ARGS`, with its stdout lines readable as they come."""

    def __init__(
        self,
        module: str,
        *args: str,
        env: dict[str, str] | None = None,
        ready_s: float = READY_DEADLINE_S,
    ) -> None:
        """env: the process's environment (None: this one's); ready_s: how long it may take
        to say "ready" (a kiosk on an X display takes longer than an emulator)."""
        self.command = [sys.executable, "-m", module, *args]
        self.env = env
        self.ready_s = ready_s
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process: subprocess.Popen | None = None

    def start(self) -> EmulatorProcess:
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            env=self.env,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        self.wait_for("ready", self.ready_s)
        return self

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float = 10.0) -> str:
        """The next line starting with prefix (earlier lines are kept in .seen)."""
        end = time.monotonic() + timeout
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line {prefix!r} within {timeout} s; saw {self.seen}")
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def send(self, command: str) -> None:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        self.wait_for(f"ok {command}")

    def write_raw(self, text: str) -> None:
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def printer_emulator(link: Path, paper: Path, *faults: str, baud: int = 115200) -> EmulatorProcess:
    fault_args = [arg for fault in faults for arg in ("--fault", fault)]
    return EmulatorProcess(
        "devices.emulators.printer_emulator",
        "--link",
        str(link),
        "--render",
        str(paper),
        "--baud",
        str(baud),
        *fault_args,
    )
