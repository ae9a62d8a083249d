"""QR codes as images, for the completion screen and for drawing simulated receipts."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


def qr_image(data: str, module_px: int, border_modules: int = 4) -> Image.Image:
    """A black-on-white, greyscale QR code (error correction M) with a quiet zone."""
    import qrcode  # imported on first use: it pulls in Pillow, which start-up does not need

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=module_px,
        border=border_modules,
    )
    code.add_data(data)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def qr_modules(data: str) -> list[list[bool]]:
    """The dark modules of the same code (error correction M), without a quiet zone, for a
    drawing that scales without blur (the printed 申請書 draws them as vector squares)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_png(data: str, module_px: int) -> bytes:
    buffer = io.BytesIO()
    qr_image(data, module_px).save(buffer, format="PNG")
    return buffer.getvalue()
