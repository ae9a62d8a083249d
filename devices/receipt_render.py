"""Draw a decoded ESC/POS job as a paper-like PNG, so people can look at what was printed.

Text is laid out on the printer's own grid (font A: 12 x 24 dots half-width, 24 x 24 full-width,
times the character scale) and wraps at the right margin as a real printer does.
"""

from __future__ import annotations

from pathlib import Path
from unicodedata import east_asian_width

from PIL import Image, ImageDraw, ImageFont

from devices.escpos_decode import DecodedJob, PrintedLine, PrintedQr
from kiosk.fonts import receipt_font
from kiosk.qr import qr_image
from kiosk.receipt import Align

PAPER_WIDTH_PX = 576  # 80 mm paper at 203 dpi, 72 mm printable
CELL_PX = 12  # half-width cell of font A
LINE_PX = 24
LINE_GAP_PX = 6
MARGIN_PX = 16
QR_MODULE_PX = 6


class RenderError(RuntimeError):
    pass


def _cell_width(character: str, scale: int) -> int:
    return (2 if east_asian_width(character) in "WF" else 1) * CELL_PX * scale


def _wrap(text: str, scale: int) -> list[str]:
    rows, row, width = [], "", 0
    for character in text:
        cell = _cell_width(character, scale)
        if width + cell > PAPER_WIDTH_PX and row:
            rows.append(row)
            row, width = "", 0
        row += character
        width += cell
    rows.append(row)
    return rows


def render_job(job: DecodedJob, target: Path) -> Path:
    font_path = receipt_font()
    if font_path is None:
        raise RenderError("no Japanese font for receipt images (install fonts-ipaexfont)")
    fonts: dict[int, ImageFont.FreeTypeFont] = {}
    pieces: list[Image.Image] = []
    for item in job.items:
        if isinstance(item, PrintedLine):
            if item.scale not in fonts:
                fonts[item.scale] = ImageFont.truetype(str(font_path), LINE_PX * item.scale)
            pieces += [
                _row_image(row, item, fonts[item.scale]) for row in _wrap(item.text, item.scale)
            ]
        elif isinstance(item, PrintedQr):
            pieces.append(_qr_image(item.data))
    height = sum(piece.height for piece in pieces) + 2 * MARGIN_PX
    paper = Image.new("L", (PAPER_WIDTH_PX + 2 * MARGIN_PX, height), 255)
    y = MARGIN_PX
    for piece in pieces:
        paper.paste(piece, (MARGIN_PX, y))
        y += piece.height
    target.parent.mkdir(parents=True, exist_ok=True)
    paper.save(target)
    return target


def _row_image(row: str, line: PrintedLine, font: ImageFont.FreeTypeFont) -> Image.Image:
    image = Image.new("L", (PAPER_WIDTH_PX, LINE_PX * line.scale + LINE_GAP_PX), 255)
    draw = ImageDraw.Draw(image)
    used = sum(_cell_width(character, line.scale) for character in row)
    x = (PAPER_WIDTH_PX - used) // 2 if line.align is Align.CENTER else 0
    for character in row:
        cell = _cell_width(character, line.scale)
        glyph = draw.textlength(character, font=font)
        draw.text(
            (x + (cell - glyph) / 2, LINE_GAP_PX // 2),
            character,
            font=font,
            fill=0,
            stroke_width=1 if line.bold else 0,
            stroke_fill=0,
        )
        x += cell
    return image


def _qr_image(data: str) -> Image.Image:
    qr = qr_image(data, QR_MODULE_PX)
    strip = Image.new("L", (PAPER_WIDTH_PX, qr.height), 255)
    strip.paste(qr, ((PAPER_WIDTH_PX - qr.width) // 2, 0))
    return strip
