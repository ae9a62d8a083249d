"""A QR scanner emulator, as a real process on a socat pty pair: it sends a frame on request.

Requests come one per line on standard input:
  scan TEXT          TEXT in UTF-8, then CR
  scan-cp932 TEXT    TEXT in Shift_JIS (cp932), then CR
  scan-split TEXT    UTF-8, sent in two writes a moment apart (a frame split across reads)
  raw HEX            exactly these bytes
  quit
Each request is answered with "ok …" on stdout once the bytes are written.

  kiosk devices emulate scanner --link /tmp/scanner
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from devices.emulators.emulator_process import run_until_stopped, say
from devices.emulators.pty_link import PtyLink

SPLIT_GAP_S = 0.15  # longer than the reader's own read timeout slice, so the split is real


def frame(command: str, text: str) -> list[bytes]:
    if command == "scan":
        return [text.encode("utf-8") + b"\r"]
    if command == "scan-cp932":
        return [text.encode("cp932") + b"\r"]
    if command == "scan-split":
        data = text.encode("utf-8") + b"\r"
        middle = len(data) // 2
        return [data[:middle], data[middle:]]
    if command == "raw":
        return [bytes.fromhex(text)]
    raise ValueError(f"unknown request {command!r}")


def serve(link: Path, baud: int) -> None:
    import serial

    cable = PtyLink(link)
    cable.plug_in()
    port = serial.Serial(str(cable.emulator_end), baud, timeout=0.1, write_timeout=5)
    say(f"ready on {link}")
    try:
        for line in sys.stdin:
            command, _, text = line.rstrip("\n").partition(" ")
            if command == "quit":
                break
            try:
                pieces = frame(command, text)
            except (ValueError, UnicodeEncodeError) as error:
                say(f"error {error}")
                continue
            for index, piece in enumerate(pieces):
                if index:
                    time.sleep(SPLIT_GAP_S)  # the gap between two reads is the point here
                port.write(piece)
                port.flush()
            say(f"ok {line.strip()}")
    finally:
        port.close()
        cable.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kiosk devices emulate scanner",
        description="Emulate a QR scanner in virtual serial mode; send scans from stdin.",
    )
    parser.add_argument("--link", type=Path, required=True, help="serial device path to create")
    parser.add_argument("--baud", type=int, default=9600)
    options = parser.parse_args(argv)
    return run_until_stopped("scanner", lambda: serve(options.link, options.baud))


if __name__ == "__main__":
    sys.exit(main())
