"""A receipt printer emulator, as a real process on a socat pty pair or a TCP port.

It reads at the configured baud rate (a pty does not throttle, so it paces itself), decodes the
stream with our own decoder, answers DLE EOT at once as a real printer does, draws each receipt
to PNG with the Japanese font, and injects faults: at start (--fault) or on request, one
command per line on standard input ("fault cover-open", "clear", "quit").

  kiosk devices emulate printer --link /tmp/printer --render /tmp/paper --fault paper-out-after=2
"""

from __future__ import annotations

import argparse
import select
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from devices import escpos_status
from devices.emulators.emulator_process import run_until_stopped, say
from devices.emulators.pty_link import PtyLink
from devices.escpos_decode import (
    DecodedJob,
    JobCut,
    ProcessIdRequest,
    StatusRequest,
    StreamDecoder,
    describe,
)
from devices.escpos_status import Condition

SWITCHES = ("paper-out-mid-job", "silent", "garbage-status", "reset-mid-job", "unplug-mid-job")
MID_JOB_BYTES = 120  # where a mid-job fault strikes, counted from the job's ESC @
READ_CHUNK = 64
FAULTS = (
    "near-end",  # paper near end from the start
    "paper-out",  # no paper from the start
    "paper-out-after=N",  # the paper runs out once N receipts are cut
    "paper-out-mid-job",  # the next job runs out of paper part way
    "cover-open",
    "silent",  # takes bytes, never answers DLE EOT
    "garbage-status",  # answers DLE EOT with a byte that is not a status
    "reset-mid-job",  # restarts part way through the next job (forgets kanji mode)
    "unplug-mid-job",  # the cable is pulled part way through the next job
)


@dataclass
class Faults:
    conditions: set[Condition] = field(default_factory=set)
    paper_out_after: int | None = None
    paper_out_mid_job: bool = False
    silent: bool = False
    garbage_status: bool = False
    reset_mid_job: bool = False
    unplug_mid_job: bool = False

    def apply(self, text: str) -> None:
        name, _, value = text.strip().partition("=")
        if name == "near-end":
            self.conditions.add(Condition.PAPER_NEAR_END)
        elif name == "cover-open":
            self.conditions.add(Condition.COVER_OPEN)
        elif name == "paper-out":
            self.conditions.add(Condition.PAPER_OUT)
        elif name == "paper-out-after" and value.isascii() and value.isdigit():
            self.paper_out_after = int(value)
        elif name in SWITCHES:
            setattr(self, name.replace("-", "_"), True)
        else:
            raise ValueError(f"unknown fault {text!r}; known: {', '.join(FAULTS)}")


class PrinterEmulator:
    """The printer's behaviour, apart from the wire; feed() returns the bytes it answers."""

    def __init__(self, faults: Faults, render_dir: Path | None) -> None:
        self.faults = faults
        self.render_dir = render_dir
        self.decoder = StreamDecoder(strict=False)
        self.jobs = 0
        self.unplugged = False
        self._rebooting = False
        self._cut_printed = False  # the last job reached the cutter on paper

    def feed(self, data: bytes) -> bytes:
        reply = bytearray()
        for event in self.decoder.feed(data):
            if isinstance(event, StatusRequest):
                reply += self._status_reply(event.n)
            elif isinstance(event, JobCut):
                self._cut(event.job)
            elif isinstance(event, ProcessIdRequest):
                # Answered only when what came before it printed: not without paper.
                on_paper = Condition.PAPER_OUT not in self.faults.conditions or self._cut_printed
                if on_paper and not self.faults.silent:
                    reply += b"\x37\x22" + event.token + b"\x00"
        self._mid_job_faults()
        return bytes(reply)

    def _status_reply(self, n: int) -> bytes:
        if self.faults.silent:
            return b""
        if self.faults.garbage_status:
            return b"\xff"
        replies = escpos_status.replies_for(self.faults.conditions)
        byte = replies.get(n, escpos_status.FIXED_VALUE)
        if self._rebooting and n == escpos_status.PRINTER:
            byte |= 0x08  # offline while it starts up again
            self._rebooting = False
        return bytes([byte])

    def _mid_job_faults(self) -> None:
        in_job = self.decoder.job.initialized and self.decoder.bytes_since_initialize
        if not in_job or self.decoder.bytes_since_initialize < MID_JOB_BYTES:
            return
        if self.faults.reset_mid_job:
            self.faults.reset_mid_job = False
            self.decoder.power_cycle()
            self._rebooting = True
            say("reset during the job: kanji mode lost")
        if self.faults.paper_out_mid_job:
            self.faults.paper_out_mid_job = False
            self.faults.conditions.add(Condition.PAPER_OUT)
            say("paper ran out during the job")
        if self.faults.unplug_mid_job:
            self.faults.unplug_mid_job = False
            self.unplugged = True
            say("cable pulled during the job")

    def _cut(self, job: DecodedJob) -> None:
        self._cut_printed = False
        if Condition.PAPER_OUT in self.faults.conditions:
            say("job cut with no paper: nothing printed")
            return
        self._cut_printed = True
        self.jobs += 1
        name = f"receipt-{self.jobs:04d}"
        if self.render_dir is not None:
            from devices.receipt_render import render_job  # Pillow only when drawing

            self.render_dir.mkdir(parents=True, exist_ok=True)
            rows = describe(job)
            (self.render_dir / f"{name}.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
            render_job(job, self.render_dir / f"{name}.png")
        say(f"printed {name}")
        if self.faults.paper_out_after is not None and self.jobs >= self.faults.paper_out_after:
            self.faults.conditions.add(Condition.PAPER_OUT)
            say("paper out")


class Pacer:
    """Sleeps so bytes are taken no faster than the line would carry them (8N1)."""

    def __init__(self, baud: int) -> None:
        self.seconds_per_byte = 10 / baud
        self._clock = time.monotonic()

    def took(self, count: int) -> None:
        self._clock = max(self._clock, time.monotonic() - 0.05) + count * self.seconds_per_byte
        delay = self._clock - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # pacing the line, not waiting for a condition


def _control(emulator: PrinterEmulator) -> bool:
    """Apply one line of standard input, if one is waiting; False means quit."""
    if sys.stdin is None or sys.stdin.closed:
        return True
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if not ready:
        return True
    line = sys.stdin.readline()
    if not line:
        sys.stdin.close()  # no controller (stdin at its end): run until stopped by a signal
        return True
    if line.strip() == "quit":
        return False
    command, _, argument = line.strip().partition(" ")
    try:
        if command == "fault":
            emulator.faults.apply(argument)
        elif command == "clear":
            emulator.faults = Faults()
        say(f"ok {line.strip()}")
    except ValueError as error:
        say(f"error {error}")
    return True


def serve_serial(emulator: PrinterEmulator, link: Path, baud: int) -> None:
    import serial

    cable = PtyLink(link)
    cable.plug_in()
    port = serial.Serial(str(cable.emulator_end), baud, timeout=0.05)
    say(f"ready on {link} at {baud} baud")
    pacer = Pacer(baud)
    try:
        while _control(emulator):
            data = port.read(READ_CHUNK)
            if not data:
                continue
            pacer.took(len(data))
            reply = emulator.feed(data)
            if reply:
                port.write(reply)
            if emulator.unplugged:
                break
    finally:
        port.close()
        cable.close()


def serve_tcp(emulator: PrinterEmulator, host: str, port_number: int, baud: int) -> None:
    server = socket.create_server((host, port_number))
    server.settimeout(0.05)
    say(f"ready on tcp://{host}:{server.getsockname()[1]}")
    pacer = Pacer(baud)
    try:
        while _control(emulator) and not emulator.unplugged:
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connection.settimeout(0.05)
            with connection:
                while _control(emulator):
                    try:
                        data = connection.recv(READ_CHUNK)
                    except TimeoutError:
                        continue
                    if not data:
                        break
                    pacer.took(len(data))
                    reply = emulator.feed(data)
                    if reply:
                        connection.sendall(reply)
                    if emulator.unplugged:
                        connection.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                        )  # close with a reset, as a pulled cable looks to the kiosk
                        break
    finally:
        server.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk devices emulate printer",
        description="Emulate a Japanese ESC/POS receipt printer on a pty pair or TCP port.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--link", type=Path, help="path of the serial device the kiosk opens")
    where.add_argument("--listen", metavar="HOST:PORT", help="act as a network printer")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--render", type=Path, help="folder for receipt-NNNN.png and .txt")
    parser.add_argument("--fault", action="append", default=[], help="one of: " + ", ".join(FAULTS))
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    faults = Faults()
    for fault in options.fault:
        try:
            faults.apply(fault)
        except ValueError as error:
            print(f"kiosk devices emulate printer: {error}", file=sys.stderr)
            return 2
    emulator = PrinterEmulator(faults, options.render)

    def serve() -> None:
        if options.link:
            serve_serial(emulator, options.link, options.baud)
        else:
            host, _, port = options.listen.rpartition(":")
            serve_tcp(emulator, host or "127.0.0.1", int(port), options.baud)

    return run_until_stopped("printer", serve)


if __name__ == "__main__":
    sys.exit(main())
