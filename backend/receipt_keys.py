"""The kiosks' receipt signing keys: registered by each kiosk with its bearer token, trusted
only while that token is (revoking a kiosk's tokens revokes its keys too)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from enum import StrEnum

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from backend.db import WRITE, is_postgresql, kiosk_receipt_keys, tokens
from backend.tokens import TokenKind, token_sha256


class KeyStanding(StrEnum):
    TRUSTED = "trusted"  # at least one key of the kiosk, registered with a live token
    REVOKED = "revoked"  # keys registered, but every token that registered them is gone
    UNKNOWN = "unknown"  # the kiosk never registered a key here


def public_key_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _raw(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def register(engine: Engine, kiosk_id: str, public_key: str, token: str) -> bool:
    """Keep a kiosk's public key with the token it came with; True if it was new. The same key
    again changes nothing; a kiosk may have several (a lost key file makes a new one, and
    receipts printed with the old one still open)."""
    Ed25519PublicKey.from_public_bytes(_raw(public_key))  # ValueError if it is no key
    dialect_insert = postgresql.insert if is_postgresql(engine) else sqlite.insert
    statement = (
        dialect_insert(kiosk_receipt_keys)
        .values(
            kiosk_id=kiosk_id,
            public_key=public_key,
            token_sha256=token_sha256(token),
            registered_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(
            index_elements=[kiosk_receipt_keys.c.kiosk_id, kiosk_receipt_keys.c.public_key]
        )
        .returning(kiosk_receipt_keys.c.kiosk_id)  # rowcount is not reliable on every driver
    )
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        created = connection.execute(statement).first() is not None
        if not created:
            # Registered again with a newer token (the old one revoked, the kiosk given a
            # new one): the key follows the token the kiosk holds now.
            connection.execute(
                kiosk_receipt_keys.update()
                .where(
                    kiosk_receipt_keys.c.kiosk_id == kiosk_id,
                    kiosk_receipt_keys.c.public_key == public_key,
                )
                .values(token_sha256=token_sha256(token))
            )
    return created


def trusted_keys(engine: Engine, kiosk_id: str) -> tuple[KeyStanding, list[Ed25519PublicKey]]:
    """The keys of the kiosk whose registering token is still a live kiosk token of it."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(kiosk_receipt_keys.c.public_key, tokens.c.name)
            .select_from(
                kiosk_receipt_keys.outerjoin(
                    tokens,
                    (tokens.c.token_sha256 == kiosk_receipt_keys.c.token_sha256)
                    & (tokens.c.kind == TokenKind.KIOSK.value),
                )
            )
            .where(kiosk_receipt_keys.c.kiosk_id == kiosk_id)
        ).all()
    if not rows:
        return KeyStanding.UNKNOWN, []
    live = [
        Ed25519PublicKey.from_public_bytes(_raw(row.public_key))
        for row in rows
        if row.name == kiosk_id
    ]
    return (KeyStanding.TRUSTED, live) if live else (KeyStanding.REVOKED, [])
