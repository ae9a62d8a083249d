"""Bearer tokens: issued once in plaintext, stored only as their sha256.

A token is 32 random bytes (urlsafe base64), so a plain sha256 is enough: there is nothing to
guess, and a leaked database copy gives no usable token. Each token has a kind (a kiosk may
submit, staff may read applications) and a name (for a kiosk: its kiosk_id).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine, delete, insert, select

from backend.db import WRITE, tokens
from backend.names import check_name


class TokenKind(StrEnum):
    KIOSK = "kiosk"
    STAFF = "staff"


@dataclass(frozen=True)
class Principal:
    kind: TokenKind
    name: str


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(engine: Engine, kind: TokenKind | str, name: str) -> str:
    """A new token for (kind, name); returns the plaintext, which is stored nowhere. The name
    must pass backend.names.check_name (InvalidName, a ValueError, otherwise)."""
    kind = TokenKind(kind)
    check_name(kind.value, name)
    token = secrets.token_urlsafe(32)
    register(engine, token, kind, name)
    return token


def register(engine: Engine, token: str, kind: TokenKind | str, name: str) -> None:
    """Store the hash of an existing token (a legacy plaintext one being imported)."""
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(
            insert(tokens).values(
                token_sha256=token_sha256(token),
                kind=TokenKind(kind).value,
                name=name,
                created_at=datetime.now(UTC),
            )
        )


def authenticate(engine: Engine, presented: str) -> Principal | None:
    """Who presented this token, or None."""
    if not presented:
        return None
    digest = token_sha256(presented)
    with engine.connect() as connection:
        row = connection.execute(
            select(tokens.c.token_sha256, tokens.c.kind, tokens.c.name).where(
                tokens.c.token_sha256 == digest
            )
        ).first()
    # The lookup is by an index; the final comparison is constant-time all the same.
    if row is None or not hmac.compare_digest(row.token_sha256, digest):
        return None
    return Principal(TokenKind(row.kind), row.name)


def revoke(engine: Engine, kind: TokenKind | str, name: str) -> int:
    """Remove every token of (kind, name); returns how many there were."""
    check_name(TokenKind(kind).value, name)
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        result = connection.execute(
            delete(tokens).where(tokens.c.kind == TokenKind(kind).value, tokens.c.name == name)
        )
        return result.rowcount
