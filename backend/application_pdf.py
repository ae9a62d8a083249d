"""An application as its filled-in 申請書 PDF (core/application_form.py), with the answers in
the same words and sections as the console's application page (backend/console/answers.py).

Used by the console's 印刷 button and the day's bulk PDF (backend/console/form_pages.py) and by
`kiosk backend pdf`. The caller checks who may see the application and writes the audit entry:
a PDF shows every answer, exactly as the page does.
"""

from __future__ import annotations

from typing import Any

from backend.console import answers
from backend.console.catalog_view import ConsoleCatalog
from backend.console.listing import JST
from core.application_form import FilledForm, FormLine, FormSection
from core.catalog import FormLayout
from core.receipt import LEGACY_QR_SCHEME, QR_SCHEME

# Who signs, in the wording of each kind of paper form.
SIGNERS = {
    FormLayout.CERTIFICATE_REQUEST: "請求者",
    FormLayout.NOTIFICATION: "届出人",
    FormLayout.APPLICATION: "申請者",
    FormLayout.RESERVATION: "申込者",
}


def receipt_code(row: dict) -> str:
    """The receipt QR's payload (core/receipt.py's qr_payload), from a stored row."""
    if not row.get("kiosk_id"):
        return f"{LEGACY_QR_SCHEME}:{row['reception_number']}:{row['id']}"
    return f"{QR_SCHEME}:{row['kiosk_id']}:{row['reception_number']}:{row['id']}"


def filled_form(row: dict, given: dict[str, Any], catalog: ConsoleCatalog) -> FilledForm:
    """One stored application (a summary row and its opened answers) as the form prints it."""
    procedure = catalog.procedures.get(row["procedure_id"])
    municipality = catalog.municipality
    sections = tuple(
        FormSection(
            section.title,
            tuple(FormLine(line.label, line.text) for line in section.lines),
        )
        for section in answers.sections(procedure, given)
    )
    return FilledForm(
        municipality=municipality.name.text("ja") if municipality else "",
        title=catalog.title(row["procedure_id"]),
        reception_number=str(row["reception_number"]),
        application_id=str(row["id"]),
        kiosk_id=str(row["kiosk_id"]),
        receipt_code=receipt_code(row),
        created_at=row["created_at"].astimezone(JST),
        sections=sections,
        counter=catalog.counter_text(row["procedure_id"]),
        fee=answers.fee_text(procedure, municipality.fees if municipality else {}, given),
        signer=SIGNERS.get(procedure.form_layout, "申請者") if procedure else "申請者",
    )


def file_name(row: dict) -> str:
    """ASCII only (a header value): the reception number and the id, never a name."""
    return f"application-{row['reception_number']}-{row['id']}.pdf"
