"""The printable guide (A4 PDF) that staff hand out in a スマホ教室 and post at the entrance:
what the phone form is, four steps, and a QR code of the form's own address.

Drawn with reportlab and IPAex Gothic (core.fonts), embedded, so it prints the same on any
office printer. Made once per address and profile and kept in memory: it holds nothing of
anyone's, and a poster's QR must not cost a PDF rendering per scan.
"""

from __future__ import annotations

import functools
import io

import qrcode
from fastapi import APIRouter, Depends, Request
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from starlette.responses import Response

from backend.preentry import urls
from backend.preentry.catalog import phone_catalog
from backend.preentry.limits import page_budget
from core.fonts import font_file
from core.i18n import UiText

FONT = "IPAexGothic"
QR_MM = 70
MARGIN_MM = 20
router = APIRouter(include_in_schema=False)


class GuideFontMissing(RuntimeError):
    """IPAex Gothic is not installed (scripts/install-system-packages installs it)."""


def _register_font() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    path = font_file(FONT)
    if path is None:
        raise GuideFontMissing("IPAexGothic (fonts-ipaexfont-gothic) is not installed")
    pdfmetrics.registerFont(TTFont(FONT, str(path)))


def _wrapped(text: str, size: float, width: float) -> list[str]:
    """Lines of text that fit width (Japanese breaks between any two characters)."""
    lines, line = [], ""
    for character in text:
        if pdfmetrics.stringWidth(line + character, FONT, size) > width:
            lines.append(line)
            line = character.lstrip()
        else:
            line += character
    return [*lines, line] if line else lines


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    module = side / len(matrix)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:  # vector squares: sharp on any printer
                top = y + side - (row + 1) * module
                canvas.rect(x + column * module, top, module, module, stroke=0, fill=1)


@functools.lru_cache(maxsize=8)
def guide_pdf(address: str, municipality: str, days: int, ui: UiText) -> bytes:
    _register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(ui.get("pre_title", "ja"))
    width, height = A4
    left, text_width = MARGIN_MM * mm, width - 2 * MARGIN_MM * mm
    y = height - MARGIN_MM * mm - 10 * mm
    canvas.setFont(FONT, 14)
    canvas.drawString(left, y, municipality)
    y -= 14 * mm
    for line in _wrapped(ui.get("pre_guide_heading", "ja"), 24, text_width):
        canvas.setFont(FONT, 24)
        canvas.drawString(left, y, line)
        y -= 11 * mm
    canvas.setFont(FONT, 13)
    canvas.drawString(left, y, ui.get("pre_guide_heading", "en"))
    y -= 12 * mm
    steps = ("pre_guide_step1", "pre_guide_step2", "pre_guide_step3", "pre_guide_step4")
    for key in (*steps, "pre_guide_no_number"):
        for line in _wrapped(ui.get(key, "ja", days=days), 15, text_width):
            canvas.setFont(FONT, 15)
            canvas.drawString(left, y, line)
            y -= 8 * mm
        y -= 2 * mm
    side = QR_MM * mm
    _draw_qr(canvas, address, (width - side) / 2, y - side - 4 * mm, side)
    canvas.setFont(FONT, 14)
    canvas.drawCentredString(width / 2, y - side - 14 * mm, address)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@router.get(urls.GUIDE, dependencies=[Depends(page_budget)])
def guide(request: Request) -> Response:
    phone = phone_catalog(request.app.state.catalog)
    address = str(request.base_url).rstrip("/") + urls.HOME  # the host the phone used
    municipality = phone.catalog.municipality
    pdf = guide_pdf(
        address, municipality.name.text("ja"), municipality.preentry_valid_days, phone.ui
    )
    disposition = 'inline; filename="madoguchi-pre-guide.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})
