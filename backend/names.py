"""The names a technician types: a kiosk's id and a staff token's name, checked in one place.

A kiosk id becomes a file name (DATA/local-kiosks/KIOSK_ID.token), a column value and part of
every application's identity, so it is held to the kiosk's own rule (kiosk/config.py's
kiosk_id pattern; a test keeps the two equal). A staff name may be Japanese (市民課, 窓口係)
but is still one word of letters and digits: no spaces, separators, control or format
characters, so it can neither leave a folder nor hide itself on a terminal.

No third-party imports: backend/paths.py uses this module, and it must import without the
backend extra.
"""

from __future__ import annotations

import re

# The kiosk's own rule for kiosk_id (kiosk/config.py): what a kiosk can actually be called.
KIOSK_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
STAFF_NAME_MAX = 64
# Besides letters and digits of any script: the joiners people put in names (市民課・窓口).
STAFF_NAME_JOINERS = frozenset("._-・")

_KIOSK_ID = re.compile(KIOSK_ID_PATTERN)


class InvalidName(ValueError):
    """A kiosk id or staff name outside its character set or length; worded for the CLI."""


def check_kiosk_id(kiosk_id: str) -> str:
    """kiosk_id when it is one a kiosk can have, else InvalidName."""
    if not _KIOSK_ID.fullmatch(kiosk_id):
        raise InvalidName(
            f"{kiosk_id!r} is not a kiosk id: 1 to 32 of a-z, 0-9 and '-', "
            "starting with a letter or digit (like kiosk-01)"
        )
    return kiosk_id


def check_staff_name(name: str) -> str:
    """name when it is one word of letters and digits (any script, joined by . _ - ・)."""
    valid = (
        0 < len(name) <= STAFF_NAME_MAX
        and name[0].isalnum()
        and all(char.isalnum() or char in STAFF_NAME_JOINERS for char in name)
    )
    if not valid:
        raise InvalidName(
            f"{name!r} is not a staff token name: 1 to {STAFF_NAME_MAX} letters or digits "
            "(any script) joined by . _ - ・, no spaces (like 市民課 or clerk-1)"
        )
    return name


def check_name(kind: str, name: str) -> str:
    """The one check every command and function taking a token name goes through."""
    return check_kiosk_id(name) if kind == "kiosk" else check_staff_name(name)
