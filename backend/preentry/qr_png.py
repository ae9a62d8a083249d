"""The QR code as a PNG, for the resident to keep in their phone's photos and show later (the
page's SVG cannot be saved as a picture by every phone's browser).

Drawn from the very matrix the page's SVG draws (qr_svg.qr_matrix): one pixel a module, the
quiet zone included, then enlarged without smoothing, so every module stays a sharp square
that a scanner reads from a photo as well as from the page.
"""

from __future__ import annotations

import io

from PIL import Image

from backend.preentry.qr_svg import QUIET_ZONE, qr_matrix

MODULE_PX = 8  # a version 23 code (the largest procedure's) is some 1,000 px a side


def qr_png(text: str, module_px: int = MODULE_PX) -> bytes:
    matrix, _ = qr_matrix(text)
    side = len(matrix) + 2 * QUIET_ZONE
    image = Image.new("1", (side, side), 1)  # one bit a pixel: white
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + QUIET_ZONE, y + QUIET_ZONE), 0)
    image = image.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
