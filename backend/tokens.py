"""Bearer tokens: issued once in plaintext, stored only as their sha256.

A token is 32 random bytes (urlsafe base64), so a plain sha256 is enough: there is nothing to
guess, and a leaked database copy gives no usable token. Each token has a kind (a kiosk may
submit, staff may read applications) and a name (for a kiosk: its kiosk_id); a staff token
also has a role (backend/console/roles.py: supervisor unless another is named). A clerk
token is refused: tokens have no divisions, and a clerk sees only their divisions' work, so
it would either see everything or nothing (backend/auth.py also refuses one made before).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Connection, Engine, delete, insert, select

from backend.console.roles import DEFAULT_TOKEN_ROLE, StaffRole
from backend.db import WRITE, tokens
from backend.names import check_name


class TokenKind(StrEnum):
    KIOSK = "kiosk"
    STAFF = "staff"


@dataclass(frozen=True)
class Principal:
    kind: TokenKind
    name: str
    # What the token may do, not who it is: principals are the same caller by kind and name.
    role: StaffRole | None = field(default=None, compare=False)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


CLERK_TOKEN_REFUSED = (
    "a staff token has no divisions, and a clerk sees only their divisions' applications: "
    "give a clerk a console account (kiosk backend user create NAME --role clerk --division …), "
    "and an office tool a supervisor or admin token"
)


def _role(kind: TokenKind, role: StaffRole | str | None) -> StaffRole | None:
    if kind is TokenKind.KIOSK:
        if role is not None:
            raise ValueError("only a staff token has a role")
        return None
    staff_role = StaffRole(role) if role is not None else DEFAULT_TOKEN_ROLE
    if staff_role is StaffRole.CLERK:
        raise ValueError(CLERK_TOKEN_REFUSED)
    return staff_role


def issue(
    engine: Engine, kind: TokenKind | str, name: str, role: StaffRole | str | None = None
) -> str:
    """A new token for (kind, name); returns the plaintext, which is stored nowhere. The name
    must pass backend.names.check_name (InvalidName, a ValueError, otherwise); a staff token
    gets role (default: supervisor), a kiosk token none (ValueError if one is given)."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        return issue_in(connection, kind, name, role)


def issue_in(
    connection: Connection, kind: TokenKind | str, name: str, role: StaffRole | str | None = None
) -> str:
    """issue() inside the caller's open transaction (an enrollment consumes its code and
    gets its token in one: both happen, or neither)."""
    kind = TokenKind(kind)
    check_name(kind.value, name)
    staff_role = _role(kind, role)
    token = secrets.token_urlsafe(32)
    _insert(connection, token, kind, name, staff_role)
    return token


def register(
    engine: Engine,
    token: str,
    kind: TokenKind | str,
    name: str,
    role: StaffRole | str | None = None,
) -> None:
    """Store the hash of an existing token (a legacy plaintext one being imported)."""
    kind = TokenKind(kind)
    staff_role = _role(kind, role)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        _insert(connection, token, kind, name, staff_role)


def _insert(
    connection: Connection, token: str, kind: TokenKind, name: str, role: StaffRole | None
) -> None:
    connection.execute(
        insert(tokens).values(
            token_sha256=token_sha256(token),
            kind=kind.value,
            name=name,
            created_at=datetime.now(UTC),
            role=role.value if role else None,
        )
    )


def authenticate(engine: Engine, presented: str) -> Principal | None:
    """Who presented this token, or None."""
    if not presented:
        return None
    digest = token_sha256(presented)
    with engine.connect() as connection:
        row = connection.execute(
            select(tokens.c.token_sha256, tokens.c.kind, tokens.c.name, tokens.c.role).where(
                tokens.c.token_sha256 == digest
            )
        ).first()
    # The lookup is by an index; the final comparison is constant-time all the same.
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        return None
    kind = TokenKind(row.kind)
    role = StaffRole(row.role or DEFAULT_TOKEN_ROLE) if kind is TokenKind.STAFF else None
    return Principal(kind, row.name, role)


def revoke(engine: Engine, kind: TokenKind | str, name: str) -> int:
    """Remove every token of (kind, name); returns how many there were."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        return revoke_in(connection, kind, name)


def revoke_in(connection: Connection, kind: TokenKind | str, name: str) -> int:
    """revoke() inside the caller's open transaction."""
    check_name(TokenKind(kind).value, name)
    result = connection.execute(
        delete(tokens).where(tokens.c.kind == TokenKind(kind).value, tokens.c.name == name)
    )
    return result.rowcount
