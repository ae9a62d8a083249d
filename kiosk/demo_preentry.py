"""The sample phone pre-entry of the demo: the code a resident would bring from the
municipality's web form, built with core.preentry for a real procedure (住民票: the applicant,
two copies, for work), so that `kiosk demo` and a smartphone class can show pre-entry from the
scan to the review without a phone or a scanner. Only a simulated scanner is handed it."""

from __future__ import annotations

from typing import Any

from core import preentry
from core.catalog import Catalog, Procedure

SAMPLE_PROCEDURE = "juminhyo"
SAMPLE_ANSWERS: dict[str, Any] = {"applicant": "self", "copies": 2, "purpose": "work"}


def sample_procedure(catalog: Catalog) -> Procedure | None:
    """The sample's procedure where this municipality offers it; None elsewhere."""
    try:
        return catalog.procedure(SAMPLE_PROCEDURE)
    except KeyError:
        return None


def sample_code(catalog: Catalog) -> str | None:
    """The sample QR code's text, as the scanner would pass it on; None where the sample's
    procedure is not offered."""
    if sample_procedure(catalog) is None:
        return None
    return preentry.encode(SAMPLE_PROCEDURE, SAMPLE_ANSWERS)
