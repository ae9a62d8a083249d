"""What the last page shows: the QR code (MADOGUCHI-PRE/2, core/preentry.py), when it expires,
where to go and what to bring, as the kiosk's completion page would say it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backend.preentry.answers import payload_answers
from backend.preentry.catalog import PhoneCatalog
from backend.preentry.qr_svg import qr_svg
from backend.preentry.render import trusted_svg
from core import preentry
from core.catalog import Procedure
from core.fees import fee_texts
from core.flow import ResidentSession
from core.wareki import to_wareki


def expiry(phone: PhoneCatalog, today: date) -> date:
    """The last day the code may be used: the municipality's period (preentry_valid_days)."""
    return today + timedelta(days=phone.catalog.municipality.preentry_valid_days)


def payload_body_chars(code: str) -> int:
    """What the kiosk bounds (core.preentry.MAX_PAYLOAD_CHARS): the JSON after the prefix."""
    return len(code.partition(" ")[2])


def code_text(
    phone: PhoneCatalog,
    procedure: Procedure,
    session: ResidentSession,
    *,
    practice: bool,
    today: date,
) -> str:
    """The MADOGUCHI-PRE/2 text of a finished walk: what the page's QR and the saved image
    (POST urls.CODE_IMAGE) carry, built in one place so they cannot differ."""
    pages = {page.id: page for page in session.pages}
    return preentry.encode_v2(
        procedure.id,
        payload_answers(session.answers(), pages, procedure.groups),
        procedure_version=procedure.version,
        expires=expiry(phone, today),
        practice=practice,
    )


def fits_a_code(code: str) -> bool:
    return payload_body_chars(code) <= preentry.MAX_PAYLOAD_CHARS


def code_page_context(
    phone: PhoneCatalog,
    procedure: Procedure,
    session: ResidentSession,
    *,
    language: str,
    practice: bool,
    today: date,
) -> dict[str, Any]:
    ui = phone.ui
    until = expiry(phone, today)
    code = code_text(phone, procedure, session, practice=practice, today=today)
    fits = fits_a_code(code)
    qr = qr_svg(code, ui.get("pre_code_qr_label", language)) if fits else None
    counter = phone.catalog.counter_for(procedure)
    fee = fee_texts(
        session.fee_breakdown(phone.catalog.municipality.fees),
        language,
        lambda key, **values: ui.get(key, language, **values),
    )
    western = until.isoformat()
    shown_date = f"{to_wareki(until)}（{western}）" if language.startswith("ja") else western
    return {
        "qr": trusted_svg(qr.svg) if qr else None,
        "expires": ui.get("pre_code_expires", language, date=shown_date),
        "counter": ui.get(
            "pre_code_counter", language, counter=f"{counter.number} {counter.name.text(language)}"
        ),
        # One paragraph in the page (the lines and the total, as on the kiosk's review);
        # fee_lines for a template that lists them.
        "fee": " ／ ".join(fee) if fee else None,
        "fee_lines": fee,
        "bring": [text.text(language) for text in session.documents()],
    }
