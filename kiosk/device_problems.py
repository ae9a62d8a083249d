"""Device conditions in plain words: which message the resident sees, which alert staff get.

The resident is told what to do (call staff, keep the number on screen); staff are told what
to fix. The application is already stored when any of this happens, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Iterable

from devices.escpos_status import Condition
from devices.printer import PrintOutcome

# The first condition present decides the resident's message (UI text keys).
RESIDENT_MESSAGES: tuple[tuple[Condition, str], ...] = (
    (Condition.PAPER_OUT, "printer_paper_out"),
    (Condition.COVER_OPEN, "printer_cover_open"),
)
# Every condition is worth a staff alert, paper near end included (it printed, but not for long).
STAFF_ALERTS = frozenset(Condition)


def resident_message(outcome: PrintOutcome, conditions: Iterable[str]) -> str | None:
    """The UI text key for the resident after a print, or None when all went well."""
    if outcome is PrintOutcome.COMPLETED:
        return None
    present = set(conditions)
    for condition, key in RESIDENT_MESSAGES:
        if condition in present:
            return key
    if outcome is PrintOutcome.UNKNOWN:
        return "print_unknown"
    return "print_failed"


def staff_alert(conditions: Iterable[str]) -> list[str]:
    """Conditions staff should act on (paper near end included), sorted for stable output."""
    return sorted(str(condition) for condition in conditions if condition in STAFF_ALERTS)
