"""Draw a decoded ESC/POS job as a paper-like PNG, so people can look at what was printed.

Text is laid out on the printer's own grid (font A: 12 x 24 dots half-width, 24 x 24 full-width,
times the character scale) and wraps at the right margin as a real printer does. Raster images
and QR codes are drawn dot for dot.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from core.qr import qr_image
from devices.escpos_decode import DecodedJob, PrintedImage, PrintedLine, PrintedQr
from devices.raster import ReceiptFonts, draw_text_row, wrap_rows

PAPER_WIDTH_PX = 576  # 80 mm paper at 203 dpi, 72 mm printable
MARGIN_PX = 16
QR_MODULE_PX = 6


def draw_job(job: DecodedJob, margin: int = MARGIN_PX, width: int = PAPER_WIDTH_PX) -> Image.Image:
    pieces: list[Image.Image] = []
    fonts = ReceiptFonts()
    for item in job.items:
        if isinstance(item, PrintedLine):
            pieces += [
                draw_text_row(row, item.scale, item.bold, item.align, width, fonts=fonts)
                for row in wrap_rows(item.text, item.scale, width)
            ]
        elif isinstance(item, PrintedQr):
            pieces.append(_centred(qr_image(item.data, item.module_dots or QR_MODULE_PX), width))
        elif isinstance(item, PrintedImage):
            pieces.append(item.raster.to_image())
    height = sum(piece.height for piece in pieces) + 2 * margin
    paper = Image.new("L", (width + 2 * margin, height), 255)
    y = margin
    for piece in pieces:
        paper.paste(piece, (margin, y))
        y += piece.height
    return paper


def render_job(job: DecodedJob, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    draw_job(job).save(target)
    return target


def _centred(picture: Image.Image, width: int) -> Image.Image:
    strip = Image.new("L", (width, picture.height), 255)
    strip.paste(picture, ((width - picture.width) // 2, 0))
    return strip
