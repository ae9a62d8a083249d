"""Our own ESC/POS builder for Japanese receipt printers (bytes only, no I/O).

python-escpos sends kanji as GB18030 and kana as '?', so Japanese text is built here: every job
starts with the full preamble (a printer that reset mid-job forgets kanji mode), and text goes in
kanji mode encoded as cp932. A line with a character cp932 cannot encode (𠮷) is drawn with the
Japanese font and sent as a raster image, because a geta mark (〓) in a resident's name is wrong.
"""

from __future__ import annotations

from core.receipt import PAPER_COLUMNS, Align, QrCode, Receipt, Rule, TextLine
from devices.printer_models import DEFAULT_MODEL, PrinterModel
from devices.raster import Raster, ReceiptFonts, from_image, text_raster, wrap_rows

ESC, GS, FS, LF = 0x1B, 0x1D, 0x1C, 0x0A

INITIALIZE = bytes([ESC, 0x40])
INTERNATIONAL_JAPAN = bytes([ESC, 0x52, 0x08])
CODE_PAGE_KATAKANA = bytes([ESC, 0x74, 0x01])
KANJI_SHIFT_JIS = bytes([FS, 0x43, 0x01])
KANJI_ON = bytes([FS, 0x26])
KANJI_OFF = bytes([FS, 0x2E])
PARTIAL_CUT = bytes([GS, 0x56, 0x42, 0x00])
PREAMBLE = INITIALIZE + INTERNATIONAL_JAPAN + CODE_PAGE_KATAKANA + KANJI_SHIFT_JIS
QR_MODULE_DOTS = 6


def encodable(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def raster_command(raster: Raster) -> bytes:
    """GS v 0, normal density: the header, then the dots row by row."""
    x, y = raster.width_bytes, raster.height
    return bytes([GS, 0x76, 0x30, 0x00, x & 0xFF, x >> 8, y & 0xFF, y >> 8]) + raster.data


class EscPosBuilder:
    def __init__(self, model: PrinterModel = DEFAULT_MODEL) -> None:
        self.model = model
        self._buffer = bytearray(PREAMBLE)
        self._scale, self._bold, self._align = 1, False, Align.LEFT
        self._fonts = ReceiptFonts()  # for lines drawn as pictures (𠮷), opened when needed

    def align(self, align: Align) -> EscPosBuilder:
        self._align = align
        self._buffer += bytes([ESC, 0x61, 1 if align is Align.CENTER else 0])
        return self

    def size(self, scale: int) -> EscPosBuilder:
        if not 1 <= scale <= 8:
            raise ValueError("character scale must be 1..8")
        self._scale = scale
        self._buffer += bytes([GS, 0x21, ((scale - 1) << 4) | (scale - 1)])
        return self

    def bold(self, on: bool) -> EscPosBuilder:
        self._bold = on
        self._buffer += bytes([ESC, 0x45, 1 if on else 0])
        return self

    def line(self, text: str) -> EscPosBuilder:
        if encodable(text):
            self._buffer += KANJI_ON + text.encode("cp932") + KANJI_OFF + bytes([LF])
            return self
        # Drawn with the current size, weight and alignment, wrapped as the printer would.
        width = self.model.dots_per_line
        for row in wrap_rows(text, self._scale, width):
            self.image(text_raster(row, self._scale, self._bold, self._align, width, self._fonts))
        return self

    def image(self, raster: Raster) -> EscPosBuilder:
        self._buffer += raster_command(raster)
        return self

    def qr(self, data: str, module_size: int = QR_MODULE_DOTS) -> EscPosBuilder:
        if not self.model.native_qr:
            return self._qr_as_image(data, module_size)
        payload = data.encode("utf-8")
        length = len(payload) + 3
        self._buffer += bytes([GS, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00])  # model 2
        self._buffer += bytes([GS, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, module_size])
        self._buffer += bytes([GS, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31])  # error level M
        self._buffer += bytes([GS, 0x28, 0x6B, length & 0xFF, length >> 8, 0x31, 0x50, 0x30])
        self._buffer += payload
        self._buffer += bytes([GS, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30])  # print
        return self

    def _qr_as_image(self, data: str, module_size: int) -> EscPosBuilder:
        from PIL import Image

        from core.qr import qr_image

        code = qr_image(data, module_size)
        strip = Image.new("L", (self.model.dots_per_line, code.height), 255)
        strip.paste(code, ((strip.width - code.width) // 2, 0))
        return self.image(from_image(strip))

    def process_id(self, token: str) -> EscPosBuilder:
        """GS ( H fn 48: ask for "37 22 token 00" once everything before it has printed."""
        if len(token) != 4 or not token.isdigit():
            raise ValueError("a process id is four digits")
        self._buffer += bytes([GS, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30]) + token.encode("ascii")
        return self

    def feed(self, lines: int) -> EscPosBuilder:
        self._buffer += bytes([ESC, 0x64, lines])
        return self

    def cut(self) -> EscPosBuilder:
        self._buffer += self.model.cut
        return self

    def build(self) -> bytes:
        return bytes(self._buffer)


def process_id_reply(token: str) -> bytes:
    return b"\x37\x22" + token.encode("ascii") + b"\x00"


def encode_receipt(
    receipt: Receipt, model: PrinterModel = DEFAULT_MODEL, process_id: str | None = None
) -> bytes:
    builder = EscPosBuilder(model)
    for block in receipt.blocks:
        if isinstance(block, TextLine):
            builder.align(block.align).size(block.scale).bold(block.bold).line(block.text)
        elif isinstance(block, Rule):
            builder.align(Align.LEFT).size(1).bold(False).line("-" * PAPER_COLUMNS)
        elif isinstance(block, QrCode):
            builder.align(Align.CENTER).qr(block.data, block.module_dots or QR_MODULE_DOTS)
    builder.align(Align.LEFT).size(1).bold(False).feed(4).cut()
    if process_id is not None and model.process_id:
        builder.process_id(process_id)
    return builder.build()


def encode_receipt_as_image(receipt: Receipt, model: PrinterModel = DEFAULT_MODEL) -> bytes:
    """The same receipt as one raster picture: the baseline the benchmark compares against."""
    from devices.escpos_decode import decode
    from devices.receipt_render import draw_job

    picture = draw_job(decode(encode_receipt(receipt, model)), margin=0)
    return EscPosBuilder(model).image(from_image(picture)).feed(4).cut().build()
