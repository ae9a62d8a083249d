"""The phone form's addresses. Everything lives under PREFIX; the answers themselves never
appear in an address (they travel in POST bodies, which the access log does not show)."""

from __future__ import annotations

PREFIX = "/pre"
HOME = "/pre/"
STEP = "/pre/step"  # every POST: the sealed form state and the resident's answer
GUIDE = "/pre/guide.pdf"
CODE_IMAGE = "/pre/code.png"  # a POST: the sealed state in, the QR as a PNG download out
STATIC = "/pre/static"
STYLESHEET = f"{STATIC}/pre.css"


def category(category_id: str) -> str:
    return f"{PREFIX}/category/{category_id}"


def start(procedure_id: str) -> str:
    return f"{PREFIX}/start/{procedure_id}"


def is_phone_form_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")
