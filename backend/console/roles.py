"""The staff's roles: what each may see and do in the console, and how the console names them.

A clerk (窓口担当) works the applications of the divisions (課) they belong to; a supervisor
(係長) sees every division; an administrator (管理者) also manages staff accounts, kiosks and
tokens. Staff bearer tokens carry a role too (backend/tokens.py).
"""

from __future__ import annotations

from enum import StrEnum


class StaffRole(StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role as the console shows it."""
        return _LABELS[self]

    @property
    def sees_every_division(self) -> bool:
        return self is not StaffRole.CLERK


_LABELS = {
    StaffRole.CLERK: "窓口担当",
    StaffRole.SUPERVISOR: "係長",
    StaffRole.ADMIN: "管理者",
}

ROLE_NAMES = tuple(role.value for role in StaffRole)
# What a staff bearer token may do when none is named: what every staff token could do before
# tokens had roles (read and change every application).
DEFAULT_TOKEN_ROLE = StaffRole.SUPERVISOR
