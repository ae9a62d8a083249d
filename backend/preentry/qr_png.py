"""The QR code as a PNG, for the resident to keep in their phone's photos and show later (the
page's SVG cannot be saved as a picture by every phone's browser).

Drawn from the very matrix the page's SVG draws (qr_svg.qr_matrix): one pixel a module, the
quiet zone included, then enlarged without smoothing, so every module stays a sharp square
that a scanner reads from a photo as well as from the page.

A practice code (スマホ教室, /pre/?practice=1) says 練習 on the picture itself, in a band above
and below the code, outside its quiet zone: a saved photo shows it as plainly as the page does.
Drawn with IPAex Gothic (core.fonts; Debian's fonts-ipaexfont, as the guide PDF), never a font
fetched at run time.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from backend.preentry.qr_svg import QUIET_ZONE, qr_matrix
from core.fonts import font_file

MODULE_PX = 8  # a version 23 code (the largest procedure's) is some 1,000 px a side
PRACTICE_MARK = "練習"  # as the page's mark (practice_banner): the class is in Japan
PRACTICE_FONT = "IPAexGothic"
MARK_HEIGHT = 0.7  # of the band


class PracticeFontMissing(RuntimeError):
    """IPAex Gothic is not installed (scripts/install-system-packages installs it)."""


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    path = font_file(PRACTICE_FONT)
    if path is None:
        raise PracticeFontMissing("IPAexGothic (fonts-ipaexfont-gothic) is not installed")
    return ImageFont.truetype(str(path), size)


def practice_band(width: int, text: str = PRACTICE_MARK) -> Image.Image:
    """A white band as wide as the code, the mark centred in it in black."""
    height = max(width // 5, 48)
    band = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(band)
    draw.text(
        (width / 2, height / 2), text, font=_font(int(height * MARK_HEIGHT)), fill=0, anchor="mm"
    )
    return band


def qr_png(text: str, module_px: int = MODULE_PX, practice: bool = False) -> bytes:
    """practice: 練習 above and below the code."""
    matrix, _ = qr_matrix(text)
    side = len(matrix) + 2 * QUIET_ZONE
    image = Image.new("1", (side, side), 1)  # one bit a pixel: white
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + QUIET_ZONE, y + QUIET_ZONE), 0)
    image = image.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)
    if practice:
        band = practice_band(image.width)
        marked = Image.new("1", (image.width, image.height + 2 * band.height), 1)
        marked.paste(band, (0, 0))
        marked.paste(image, (0, band.height))
        marked.paste(band, (0, band.height + image.height))
        image = marked
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
