"""Reception numbers: short, read aloud easily, unique per kiosk and day without a server.

Form: the kiosk's letter and a three-digit daily sequence, e.g. "A-042". The letter set leaves
out I, O, Q, S and Z, which are confused with 1, 0, 2 and 5 when read from a slip or a screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, order=True)
class ReceptionNumber:
    letter: str
    sequence: int

    def __str__(self) -> str:
        return f"{self.letter}-{self.sequence:03d}"


@dataclass(frozen=True)
class FinalizedApplication:
    """An application once its transaction committed: what the receipt, the completion screen
    and the journal need, and nothing personal."""

    id: str
    reception_number: ReceptionNumber
    procedure_id: str
    created_at: datetime
    practice: bool
    # The kiosk that made it: an id is unique only per kiosk, so the receipt QR names both.
    # Empty where it is not known (a record made without one): the receipt then carries the
    # older code without the kiosk, which the counter still opens.
    kiosk_id: str = ""
    # The receipt's QR text when it is a sealed receipt (MADOGUCHI3: the answers sealed, so the
    # kiosk cannot read them either), for the completion screen to show the same code; empty:
    # the plain code of kiosk, number and id (core.receipt.qr_payload).
    receipt_code: str = ""
