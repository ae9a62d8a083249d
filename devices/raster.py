"""Text and pictures as ESC/POS raster images (GS v 0), drawn with the Japanese font.

Used only where text cannot go as text: lines with characters cp932 cannot encode (𠮷), and QR
codes on models without a native QR command. A raster line costs about 80 times the bytes of
the same line as kanji text, so it is the exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from unicodedata import east_asian_width

from core.fonts import rare_character_font, receipt_font
from core.receipt import Align

if TYPE_CHECKING:  # Pillow is imported where a picture is drawn: start-up does not need it
    from PIL import Image, ImageFont

CELL_DOTS = 12  # half-width cell of font A; full-width is 24
LINE_DOTS = 24
LINE_GAP_DOTS = 6


class RasterError(RuntimeError):
    pass


@dataclass(frozen=True)
class Raster:
    """A 1-bit picture: rows of width_bytes bytes, most significant bit left, 1 = black dot."""

    width_bytes: int
    height: int
    data: bytes

    def to_image(self) -> Image.Image:
        from PIL import Image

        picture = Image.frombytes("1", (self.width_bytes * 8, self.height), self.data)
        # In Pillow's mode "1" a set bit is white; on paper a set bit is a black dot.
        return Image.eval(picture.convert("L"), lambda value: 255 - value)


def cell_dots(character: str, scale: int) -> int:
    return (2 if east_asian_width(character) in "WF" else 1) * CELL_DOTS * scale


class ReceiptFonts:
    """The fonts one receipt is drawn with, each opened at its first row and let go with the
    receipt. A kiosk prints a receipt every few minutes: fonts held open between them would
    keep some 3.5 MB of font files in its memory for good (`kiosk bench`, RSS after 300
    sessions), and opening one again costs about a millisecond."""

    def __init__(self) -> None:
        self._open: dict[tuple[int, bool], ImageFont.FreeTypeFont] = {}

    def get(self, size: int, rare: bool) -> ImageFont.FreeTypeFont:
        font = self._open.get((size, rare))
        if font is None:
            font = self._open[(size, rare)] = _open_font(size, rare)
        return font


def _open_font(size: int, rare: bool) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    path = rare_character_font() if rare else receipt_font()
    if path is None:
        raise RasterError("no Japanese font for receipt images (install fonts-noto-cjk)")
    return ImageFont.truetype(str(path), size)  # face 0 of Noto's collection is JP


def draw_text_row(
    text: str,
    scale: int,
    bold: bool,
    align: Align,
    width: int,
    rare: bool = False,
    fonts: ReceiptFonts | None = None,
) -> Image.Image:
    """One printed row on the printer's grid, black on white (L mode).

    rare: the row holds characters beyond cp932 (𠮷), which only the Noto font draws.
    fonts: the receipt's (a row drawn alone opens its font for itself).
    """
    from PIL import Image, ImageDraw

    font = (fonts or ReceiptFonts()).get(LINE_DOTS * scale, rare)
    image = Image.new("L", (width, LINE_DOTS * scale + LINE_GAP_DOTS), 255)
    draw = ImageDraw.Draw(image)
    # Japanese fonts place the ideographic em box from 0.12 em below the baseline to 0.88 em
    # above it; anchoring there fits IPAex and Noto alike (their ascents differ).
    baseline = LINE_GAP_DOTS // 2 + round(0.88 * LINE_DOTS * scale)
    used = sum(cell_dots(character, scale) for character in text)
    x = (width - used) // 2 if align is Align.CENTER else 0
    for character in text:
        cell = cell_dots(character, scale)
        glyph = draw.textlength(character, font=font)
        draw.text(
            (x + (cell - glyph) / 2, baseline),
            character,
            font=font,
            anchor="ls",
            fill=0,
            stroke_width=1 if bold else 0,
            stroke_fill=0,
        )
        x += cell
    return image


def from_image(image: Image.Image) -> Raster:
    """Threshold a greyscale picture to dots; the width is padded to whole bytes."""
    from PIL import Image

    width_bytes = (image.width + 7) // 8
    canvas = Image.new("L", (width_bytes * 8, image.height), 255)
    canvas.paste(image.convert("L"), (0, 0))
    dots = canvas.point(lambda value: 255 if value < 128 else 0).convert("1")
    return Raster(width_bytes, image.height, dots.tobytes())


def text_raster(
    text: str, scale: int, bold: bool, align: Align, width: int, fonts: ReceiptFonts | None = None
) -> Raster:
    return from_image(draw_text_row(text, scale, bold, align, width, rare=True, fonts=fonts))


def wrap_rows(text: str, scale: int, width: int) -> list[str]:
    """Split a line where the printer's own wrapping would: at the last cell that fits."""
    rows, row, used = [], "", 0
    for character in text:
        cell = cell_dots(character, scale)
        if used + cell > width and row:
            rows.append(row)
            row, used = "", 0
        row += character
        used += cell
    rows.append(row)
    return rows
