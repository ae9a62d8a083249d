"""The real PC/SC stack for tests: pcscd as a child process, the vpcd virtual reader, and the
card emulator as another process — pyscard → pcscd → vpcd → emulator.

pcscd 1.9 always serves /run/pcscd/pcscd.comm, so a pcscd left running by the package's
postinst (or a developer's) would clash with ours. As root we start ours in a private mount
namespace with its own directory bound over /run/pcscd, and point pyscard at that socket with
PCSCLITE_CSOCK_NAME; the vpcd port comes from a private reader.conf.d (pcscd -c), so nothing
on the machine is touched. Without that privilege, the plain /run/pcscd is used if it is free.

Every wait polls a condition against a deadline. When pcscd cannot run, the fixture FAILS with
the reason (pytest.fail): a skipped real-stack test would hide a broken install.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from devices.card_transport import TransportError, list_readers

REPO = Path(__file__).resolve().parents[1]
READER = "Virtual PCD 00 00"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
POLL_S = 0.05
T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout_s: float, what: str) -> T:
    """Poll condition() until it returns something truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.1f} s waiting for {what}")
        time.sleep(POLL_S)  # the poll interval of a wait with a deadline, not a wait itself


def _free_port_pair() -> int:
    """A port p with p and p+1 free: vpcd listens on one port per slot (two slots)."""
    for _attempt in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as second:
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two adjacent free ports")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_S)


def _can_isolate() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"],
        capture_output=True,
        timeout=10,
    )
    return probe.returncode == 0


class EmulatedCardProcess:
    """One `python -m devices.emulators.card_emulator` process; its journal shows what it was
    sent."""

    def __init__(self, port: int, work: Path, options: list[str]) -> None:
        self.journal = work / f"journal-{time.monotonic_ns()}.txt"
        self.output = self.journal.with_suffix(".log")
        command = [sys.executable, "-m", "devices.emulators.card_emulator", "--port", str(port)]
        command += ["--journal", str(self.journal), *options]
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT
            )

    def remove(self) -> None:
        self.process.send_signal(signal.SIGUSR1)

    def insert(self) -> None:
        self.process.send_signal(signal.SIGUSR2)

    def journal_lines(self) -> list[str]:
        if not self.journal.exists():
            return []
        return self.journal.read_text(encoding="utf-8").splitlines()

    def verifies_with_pin(self) -> int:
        return sum(1 for line in self.journal_lines() if line.startswith("00 20 00 80 04"))

    def stop(self) -> None:
        _stop(self.process)


class PcscStack:
    """pcscd with the vpcd reader on a private port, plus at most one emulated card."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.isolated = _can_isolate()
        self.run_dir = work / "run"
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port_pair()
        self.pcscd: subprocess.Popen | None = None
        self.card: EmulatedCardProcess | None = None
        self.log = work / "pcscd.log"
        self._saved_socket = os.environ.get("PCSCLITE_CSOCK_NAME")
        if self.isolated:
            # Read by libpcsclite once per process, on first use: set before any PC/SC call.
            os.environ["PCSCLITE_CSOCK_NAME"] = str(self.run_dir / "pcscd.comm")

    # -- pcscd

    def _config(self, with_reader: bool) -> Path:
        config = self.work / ("conf-vpcd" if with_reader else "conf-empty")
        config.mkdir(exist_ok=True)
        if with_reader:
            (config / "vpcd").write_text(
                'FRIENDLYNAME "Virtual PCD"\n'
                f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
                "LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n"
                f"CHANNELID    0x{self.port:04X}\n"
            )
        return config

    def start_pcscd(self, with_reader: bool = True) -> None:
        pcscd = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not Path(pcscd).exists():
            pytest.fail("pcscd is not installed: run scripts/install-system-packages")
        if with_reader and not Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so").exists():
            pytest.fail("vsmartcard-vpcd is not installed: run scripts/install-system-packages")
        command = [pcscd, "--foreground", "--debug", "--config", str(self._config(with_reader))]
        if self.isolated:
            Path("/run/pcscd").mkdir(parents=True, exist_ok=True)
            bind = f"mount --bind {self.run_dir} /run/pcscd && exec {' '.join(command)}"
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", bind]
        elif Path("/run/pcscd/pcscd.comm").exists():
            pytest.fail(
                "another pcscd serves /run/pcscd/pcscd.comm and this user cannot start a "
                "private one (needs root and unshare); stop it and run the tests again"
            )
        with self.log.open("ab") as log:
            self.pcscd = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until(
            lambda: self._pcscd_answers(with_reader),
            START_TIMEOUT_S,
            f"pcscd to answer (its log: {self.log_tail()})",
        )

    def _pcscd_answers(self, with_reader: bool) -> bool:
        if self.pcscd is not None and self.pcscd.poll() is not None:
            pytest.fail(f"pcscd exited with {self.pcscd.returncode}: {self.log_tail()}")
        try:
            readers = list_readers(1.0)
        except TransportError:
            return False
        return (READER in readers) if with_reader else True

    def stop_pcscd(self) -> None:
        _stop(self.pcscd)
        self.pcscd = None

    def log_tail(self) -> str:
        if not self.log.exists():
            return "(no log)"
        return self.log.read_text(errors="replace")[-800:]

    # -- the card

    def insert_card(self, *options: str, wait: bool = True) -> EmulatedCardProcess:
        self.remove_card()
        self.card = EmulatedCardProcess(self.port, self.work, list(options))
        if wait:
            wait_until(self.card_present, START_TIMEOUT_S, f"the card in '{READER}'")
        return self.card

    def remove_card(self) -> None:
        if self.card is not None:
            self.card.stop()
            self.card = None
            wait_until(lambda: not self.card_present(), START_TIMEOUT_S, "the card to go")

    def card_present(self) -> bool:
        """pcscd's own view of the slot (SCardGetStatusChange), without touching the card.

        Connecting to probe would be worse than useless: a probe that powers down a card which
        just vanished makes pcscd mark the slot empty behind its polling thread's back.
        """
        from smartcard import scard

        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            return False
        try:
            hresult, states = scard.SCardGetStatusChange(
                context, 0, [(READER, scard.SCARD_STATE_UNAWARE)]
            )
            if hresult != scard.SCARD_S_SUCCESS:
                return False
            _reader, state, _atr = states[0]
            return bool(state & scard.SCARD_STATE_PRESENT)
        finally:
            scard.SCardReleaseContext(context)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.card is not None:
                self.card.stop()
        self.stop_pcscd()
        # Child processes of later tests must not look for our (now gone) private socket.
        if self._saved_socket is None:
            os.environ.pop("PCSCLITE_CSOCK_NAME", None)
        else:
            os.environ["PCSCLITE_CSOCK_NAME"] = self._saved_socket


@contextlib.contextmanager
def pcsc_stack(work: Path) -> Iterator[PcscStack]:
    try:
        import smartcard  # noqa: F401
    except ImportError:
        pytest.fail("pyscard is not installed: run scripts/install-python-env")
    stack = PcscStack(work)
    try:
        stack.start_pcscd()
        yield stack
    finally:
        stack.close()
