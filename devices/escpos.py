"""Our own ESC/POS builder for Japanese receipt printers (bytes only, no I/O).

python-escpos sends kanji as GB18030 and kana as '?', so Japanese text is built here: every job
starts with the full preamble (a printer that reset mid-job forgets kanji mode), and text goes in
kanji mode encoded as cp932.
"""

from __future__ import annotations

from kiosk.receipt import PAPER_COLUMNS, Align, QrCode, Receipt, Rule, TextLine

ESC, GS, FS, LF = 0x1B, 0x1D, 0x1C, 0x0A

INITIALIZE = bytes([ESC, 0x40])
INTERNATIONAL_JAPAN = bytes([ESC, 0x52, 0x08])
CODE_PAGE_KATAKANA = bytes([ESC, 0x74, 0x01])
KANJI_SHIFT_JIS = bytes([FS, 0x43, 0x01])
KANJI_ON = bytes([FS, 0x26])
KANJI_OFF = bytes([FS, 0x2E])
PARTIAL_CUT = bytes([GS, 0x56, 0x42, 0x00])
PREAMBLE = INITIALIZE + INTERNATIONAL_JAPAN + CODE_PAGE_KATAKANA + KANJI_SHIFT_JIS

# Stands in for characters cp932 cannot encode (e.g. 𠮷) until the raster fallback exists:
# 〓 (geta) is the traditional mark for a missing character in Japanese print.
MISSING_CHARACTER = "〓"


def encode_text(text: str) -> bytes:
    out = bytearray()
    for character in text:
        try:
            out += character.encode("cp932")
        except UnicodeEncodeError:
            out += MISSING_CHARACTER.encode("cp932")
    return bytes(out)


class EscPosBuilder:
    def __init__(self) -> None:
        self._buffer = bytearray(PREAMBLE)

    def align(self, align: Align) -> EscPosBuilder:
        self._buffer += bytes([ESC, 0x61, 1 if align is Align.CENTER else 0])
        return self

    def size(self, scale: int) -> EscPosBuilder:
        if not 1 <= scale <= 8:
            raise ValueError("character scale must be 1..8")
        self._buffer += bytes([GS, 0x21, ((scale - 1) << 4) | (scale - 1)])
        return self

    def bold(self, on: bool) -> EscPosBuilder:
        self._buffer += bytes([ESC, 0x45, 1 if on else 0])
        return self

    def line(self, text: str) -> EscPosBuilder:
        self._buffer += KANJI_ON + encode_text(text) + KANJI_OFF + bytes([LF])
        return self

    def qr(self, data: str, module_size: int = 6) -> EscPosBuilder:
        payload = data.encode("utf-8")
        length = len(payload) + 3
        self._buffer += bytes([GS, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00])  # model 2
        self._buffer += bytes([GS, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, module_size])
        self._buffer += bytes([GS, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31])  # error level M
        self._buffer += bytes([GS, 0x28, 0x6B, length & 0xFF, length >> 8, 0x31, 0x50, 0x30])
        self._buffer += payload
        self._buffer += bytes([GS, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30])  # print
        return self

    def feed(self, lines: int) -> EscPosBuilder:
        self._buffer += bytes([ESC, 0x64, lines])
        return self

    def cut(self) -> EscPosBuilder:
        self._buffer += PARTIAL_CUT
        return self

    def build(self) -> bytes:
        return bytes(self._buffer)


def encode_receipt(receipt: Receipt) -> bytes:
    builder = EscPosBuilder()
    for block in receipt.blocks:
        if isinstance(block, TextLine):
            builder.align(block.align).size(block.scale).bold(block.bold).line(block.text)
        elif isinstance(block, Rule):
            builder.align(Align.LEFT).size(1).bold(False).line("-" * PAPER_COLUMNS)
        elif isinstance(block, QrCode):
            builder.align(Align.CENTER).qr(block.data)
    return builder.align(Align.LEFT).size(1).bold(False).feed(4).cut().build()
