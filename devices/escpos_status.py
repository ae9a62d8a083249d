"""ESC/POS real-time status (DLE EOT n): the requests, the replies, and what they mean.

Every reply byte has fixed bits (bit 1 and bit 4 set, bits 0 and 7 clear: the 0x12 pattern).
A byte that breaks the pattern is line noise or another device answering, never a status.
"""

from __future__ import annotations

from enum import StrEnum

DLE, EOT = 0x10, 0x04

PRINTER = 1  # n = 1: printer status
OFFLINE_CAUSE = 2  # n = 2: why it is offline
ERROR_CAUSE = 3  # n = 3: which error
PAPER = 4  # n = 4: paper roll sensors

# What the kiosk asks before and after every job, in this order.
QUERIES = (PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER)

FIXED_MASK = 0b1001_0011
FIXED_VALUE = 0b0001_0010


class Condition(StrEnum):
    """Conditions a printer can be in; several can hold at once."""

    NOT_CONNECTED = "not_connected"  # no port, or the cable is out
    NOT_ANSWERING = "not_answering"  # connected, but no status reply within the deadline
    OFFLINE = "offline"
    COVER_OPEN = "cover_open"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    CUTTER_ERROR = "cutter_error"
    UNRECOVERABLE_ERROR = "unrecoverable_error"


# Conditions that stop a job from starting or finishing; paper near end only warns staff.
BLOCKING = frozenset(Condition) - {Condition.PAPER_NEAR_END}
# What makes a printer go offline by itself; offline without any of them means it restarted.
CAUSES_OF_OFFLINE = frozenset(
    {
        Condition.COVER_OPEN,
        Condition.PAPER_OUT,
        Condition.CUTTER_ERROR,
        Condition.UNRECOVERABLE_ERROR,
    }
)


class StatusReplyError(ValueError):
    pass


def request(n: int) -> bytes:
    if n not in QUERIES:
        raise ValueError(f"DLE EOT {n} is not a status request this kiosk uses")
    return bytes([DLE, EOT, n])


def check_reply(n: int, byte: int) -> int:
    if byte & FIXED_MASK != FIXED_VALUE:
        raise StatusReplyError(f"status reply 0x{byte:02X} to DLE EOT {n} is not a status byte")
    return byte


def conditions_from(replies: dict[int, int]) -> frozenset[Condition]:
    """Read the conditions out of validated replies (missing queries contribute nothing)."""
    found: set[Condition] = set()
    printer = replies.get(PRINTER, FIXED_VALUE)
    offline = replies.get(OFFLINE_CAUSE, FIXED_VALUE)
    error = replies.get(ERROR_CAUSE, FIXED_VALUE)
    paper = replies.get(PAPER, FIXED_VALUE)
    if printer & 0x08:
        found.add(Condition.OFFLINE)
    if offline & 0x04:
        found.add(Condition.COVER_OPEN)
    if offline & 0x20 or paper & 0x60:
        found.add(Condition.PAPER_OUT)
    if paper & 0x0C:
        found.add(Condition.PAPER_NEAR_END)
    if error & 0x08:
        found.add(Condition.CUTTER_ERROR)
    if error & 0x20:
        found.add(Condition.UNRECOVERABLE_ERROR)
    return frozenset(found)


def replies_for(conditions: frozenset[Condition] | set[Condition]) -> dict[int, int]:
    """The reply bytes a printer in these conditions sends (for the emulator and tests)."""
    printer = offline = error = paper = FIXED_VALUE
    stopped = {Condition.OFFLINE, Condition.COVER_OPEN, Condition.PAPER_OUT} & set(conditions)
    if stopped:
        printer |= 0x08
    if Condition.COVER_OPEN in conditions:
        offline |= 0x04
    if Condition.PAPER_OUT in conditions:
        offline |= 0x20
        paper |= 0x60
    if Condition.PAPER_NEAR_END in conditions:
        paper |= 0x0C
    if Condition.CUTTER_ERROR in conditions:
        error |= 0x08
    if Condition.UNRECOVERABLE_ERROR in conditions:
        error |= 0x20
    return {PRINTER: printer, OFFLINE_CAUSE: offline, ERROR_CAUSE: error, PAPER: paper}
