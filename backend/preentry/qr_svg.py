"""The QR code the phone shows, as inline SVG (no request to make, nothing to cache, sharp at
any size), and its size figures for the bench.

Error correction M, as every QR code of the kiosk (core/qr.py): it survives a scratched screen
protector and a little glare, and keeps the code small enough to read from a phone screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
from markupsafe import escape

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


@dataclass(frozen=True)
class QrSvg:
    svg: str  # an <svg> element, black on white, scaled by CSS
    version: int  # 1 … 40: the code's size class (version v has 17 + 4v modules a side)
    modules: int


def qr_matrix(text: str) -> tuple[list[list[bool]], int]:
    """The dark modules, row by row without the quiet zone, and the version: what the page's
    SVG and the saved image (qr_png.py) both draw, so they carry the same code."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text.encode("utf-8"))  # bytes: the kiosk reads UTF-8 (docs/PREENTRY.md)
    code.make(fit=True)
    return code.get_matrix(), code.version


def qr_version(text: str) -> int:
    return qr_matrix(text)[1]


def qr_svg(text: str, label: str) -> QrSvg:
    """The code as one stroked path of horizontal runs, each row "M x y.5" then "h run" and
    "m gap 0" (relative, mostly one digit): a version 23 code is some 20 KB, where one square
    per module would be 150 KB and break the page's 50 KB."""
    matrix, version = qr_matrix(text)
    size = len(matrix)
    rows: list[str] = []
    for y, row in enumerate(matrix):
        parts: list[str] = []
        x = 0
        pen = None  # where the pen stands after the last run of this row
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            if pen is None:
                parts.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}.5")
            else:
                parts.append(f"m{start - pen} 0")
            parts.append(f"h{x - start}")
            pen = x
        rows.append("".join(parts))
    full = size + 2 * QUIET_ZONE
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {full}" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges" class="qr">'
        f'<rect width="{full}" height="{full}" fill="#fff"/>'
        f'<path stroke="#000" stroke-width="1" fill="none" d="{"".join(rows)}"/></svg>'
    )
    return QrSvg(svg, version, size)
