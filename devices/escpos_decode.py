"""Decode the ESC/POS byte stream we send back into lines and QR codes.

Used by the simulated printer (to render what a real printer would print) and by tests (to
compare what we meant with what went over the wire). Unknown commands are an error, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.receipt import Align


class EscPosDecodeError(ValueError):
    pass


@dataclass(frozen=True)
class PrintedLine:
    text: str
    scale: int
    bold: bool
    align: Align


@dataclass(frozen=True)
class PrintedQr:
    data: str


@dataclass
class DecodedJob:
    items: list[PrintedLine | PrintedQr] = field(default_factory=list)
    cuts: int = 0
    initialized: bool = False
    kanji_shift_jis: bool = False

    @property
    def text_lines(self) -> list[str]:
        return [item.text for item in self.items if isinstance(item, PrintedLine)]

    @property
    def qr_codes(self) -> list[str]:
        return [item.data for item in self.items if isinstance(item, PrintedQr)]


def decode(stream: bytes) -> DecodedJob:
    job = DecodedJob()
    scale, bold, align, kanji = 1, False, Align.LEFT, False
    pending_qr: bytes | None = None
    text = bytearray()  # bytes of the current run, all sent in one kanji mode
    runs: list[str] = []  # the line so far, decoded run by run
    i = 0

    def close_run() -> None:
        encoding = "cp932" if kanji and job.kanji_shift_jis else "latin-1"
        runs.append(bytes(text).decode(encoding, errors="replace"))
        text.clear()

    def need(count: int) -> bytes:
        if i + count > len(stream):
            raise EscPosDecodeError(f"command at byte {i} is cut short")
        return stream[i : i + count]

    while i < len(stream):
        byte = stream[i]
        if byte == 0x1B:  # ESC
            command = need(2)[1]
            if command == 0x40:
                job.initialized, scale, bold, align, kanji = True, 1, False, Align.LEFT, False
                i += 2
            elif command in (0x52, 0x74, 0x61, 0x45, 0x64):
                argument = need(3)[2]
                if command == 0x61:
                    align = Align.CENTER if argument in (1, 49) else Align.LEFT
                elif command == 0x45:
                    bold = bool(argument & 1)
                i += 3
            else:
                raise EscPosDecodeError(f"unknown ESC command 0x{command:02X} at byte {i}")
        elif byte == 0x1C:  # FS
            command = need(2)[1]
            if command in (0x26, 0x2E):
                close_run()
                kanji, i = command == 0x26, i + 2
            elif command == 0x43:
                job.kanji_shift_jis = need(3)[2] in (1, 49)
                i += 3
            else:
                raise EscPosDecodeError(f"unknown FS command 0x{command:02X} at byte {i}")
        elif byte == 0x1D:  # GS
            command = need(2)[1]
            if command == 0x21:
                n = need(3)[2]
                scale = (n & 0x0F) + 1
                i += 3
            elif command == 0x56:
                job.cuts += 1
                i += 4 if need(3)[2] in (0x41, 0x42) else 3
            elif command == 0x28 and need(3)[2] == 0x6B:
                header = need(7)
                size = header[3] | (header[4] << 8)
                body = need(5 + size)[5:]
                function = body[1]
                if function == 0x50:
                    pending_qr = body[3:]
                elif function == 0x51 and pending_qr is not None:
                    job.items.append(PrintedQr(pending_qr.decode("utf-8")))
                    pending_qr = None
                i += 5 + size
            else:
                raise EscPosDecodeError(f"unknown GS command 0x{command:02X} at byte {i}")
        elif byte == 0x0A:  # LF ends a printed line
            close_run()
            job.items.append(PrintedLine("".join(runs), scale, bold, align))
            runs.clear()
            i += 1
        elif byte >= 0x20:
            # Shift_JIS lead bytes take their trail byte with them.
            width = 2 if kanji and (0x81 <= byte <= 0x9F or 0xE0 <= byte <= 0xFC) else 1
            text += need(width)
            i += width
        else:
            raise EscPosDecodeError(f"unexpected control byte 0x{byte:02X} at byte {i}")
    return job
