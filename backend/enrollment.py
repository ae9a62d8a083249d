"""One-time enrollment codes: an administrator makes one for a kiosk id (`kiosk backend kiosk
enroll`), the kiosk exchanges it once for its token and reception letter (POST /api/v1/enroll,
backend/enroll_api.py), and a stolen or replaced kiosk is revoked (`kiosk backend kiosk revoke`).

A code has only ≈49 bits (core/enrollment.py: it is read aloud and typed on a touch screen), so
it is stored as an HMAC keyed from the municipality's private sealing key, not a bare sha256:
a copy of the database alone cannot be searched for the codes still waiting to be used. Every
code, exchange and revocation is audited; no code is ever logged or kept in plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Connection, Engine, and_, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from backend import audit
from backend.db import WRITE, enrollment_codes, kiosk_letters, tokens
from backend.tokens import TokenKind, issue_in, revoke_in
from core.enrollment import (
    CODE_ALPHABET,
    CODE_LENGTH,
    KIOSK_LETTERS,
    InvalidCode,
    normalize_code,
)

CODE_LIFETIME = timedelta(hours=24)
# Two enrollments at the same moment may pick the same free letter; the loser tries again.
LETTER_RACE_TRIES = 3


class Refused(Exception):
    """An exchange that gives nothing: reason (a word for scripts) and a plain message."""

    reason = "refused"
    status = 400
    message = "登録できませんでした。"

    def __init__(self) -> None:
        super().__init__(self.reason)


class CodeRefused(Refused):
    """Unknown, used, expired, revoked or mistyped: one answer, so codes cannot be probed."""

    reason = "code_refused"
    status = 403
    message = (
        "この登録コードは使えません（入力の誤り・使用済み・有効期限切れ・取り消し済みの"
        "いずれかです）。コードを確かめ、だめなら管理者に新しいコードを発行してもらって"
        "ください。"
    )


class NoLetterLeft(Refused):
    reason = "no_letter_left"
    status = 409
    message = (
        f"受付番号の記号（{len(KIOSK_LETTERS)}文字）がすべて他の端末で使われています。"
        "使わなくなった端末を無効にしてから（kiosk backend kiosk revoke 端末ID）、"
        "もう一度登録してください。"
    )


def code_key(private_key: X25519PrivateKey) -> bytes:
    """The HMAC key of code hashes, derived from the sealing private key (every backend
    process of a municipality has it; a database copy does not)."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return hashlib.sha256(b"madoguchi enrollment code v1\0" + raw).digest()


def code_hash(code: str, key: bytes) -> str:
    """The stored form of a normalized code."""
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class IssuedCode:
    code: str  # normalized; shown once, stored nowhere
    kiosk_id: str
    expires_at: datetime


def create_code(
    engine: Engine,
    key: bytes,
    kiosk_id: str,
    *,
    who: str,
    now: datetime,
    lifetime: timedelta = CODE_LIFETIME,
) -> IssuedCode:
    """A new single-use code for kiosk_id, valid for lifetime from now; audited."""
    code = new_code()
    expires_at = now + lifetime
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        connection.execute(
            insert(enrollment_codes).values(
                code_hash=code_hash(code, key),
                kiosk_id=kiosk_id,
                created_at=now,
                expires_at=expires_at,
                created_by=who,
            )
        )
        audit.append(
            connection,
            who=who,
            action=audit.Action.ENROLL_CODE,
            kiosk_id=kiosk_id,
            detail={"expires_at": expires_at},
            at=now,
        )
    return IssuedCode(code, kiosk_id, expires_at)


@dataclass(frozen=True)
class Enrolled:
    kiosk_id: str
    token: str
    letter: str
    replaced_tokens: int  # the kiosk id's earlier tokens, revoked by this enrollment


def exchange(engine: Engine, key: bytes, typed: str, *, now: datetime, address: str) -> Enrolled:
    """Use the code: the kiosk's new token and its letter, all in one transaction (the code is
    spent exactly when the token exists). Refused (CodeRefused, NoLetterLeft) otherwise; the
    code stays unused when the refusal is not about the code."""
    try:
        code = normalize_code(typed)
    except InvalidCode:
        raise CodeRefused() from None
    digest = code_hash(code, key)
    for attempt in range(LETTER_RACE_TRIES):
        try:
            with engine.connect().execution_options(**WRITE) as connection, connection.begin():
                return _exchange(connection, digest, now, address)
        except IntegrityError:
            if attempt == LETTER_RACE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def _exchange(connection: Connection, digest: str, now: datetime, address: str) -> Enrolled:
    codes = enrollment_codes.c
    # The guarded update is the single use: of two kiosks sending one code at once, the
    # second finds used_at set (PostgreSQL re-reads the row after the first commits).
    spent = connection.execute(
        update(enrollment_codes)
        .where(
            codes.code_hash == digest,
            codes.used_at.is_(None),
            codes.revoked_at.is_(None),
            codes.expires_at > now,
        )
        .values(used_at=now)
        .returning(codes.kiosk_id)
    ).first()
    if spent is None:
        raise CodeRefused()
    kiosk_id = spent.kiosk_id
    letter = _allocate_letter(connection, kiosk_id, now)
    # One device per kiosk id: the one this code enrolls replaces any earlier one.
    replaced = revoke_in(connection, TokenKind.KIOSK, kiosk_id)
    token = issue_in(connection, TokenKind.KIOSK, kiosk_id)
    audit.append(
        connection,
        who=f"kiosk:{kiosk_id}",
        action=audit.Action.ENROLLED,
        kiosk_id=kiosk_id,
        detail={"letter": letter, "replaced_tokens": replaced},
        at=now,
        address=address,
    )
    return Enrolled(kiosk_id, token, letter, replaced)


def _live_letters(connection: Connection) -> dict[str, str]:
    """Letter → kiosk, of the enrolled kiosks that still have a kiosk token."""
    has_token = exists().where(
        and_(tokens.c.kind == TokenKind.KIOSK.value, tokens.c.name == kiosk_letters.c.kiosk_id)
    )
    rows = connection.execute(
        select(kiosk_letters.c.letter, kiosk_letters.c.kiosk_id).where(has_token)
    )
    return {row.letter: row.kiosk_id for row in rows}


def _allocate_letter(connection: Connection, kiosk_id: str, now: datetime) -> str:
    """The kiosk's own letter if no live kiosk took it meanwhile, else the first free one."""
    taken = {letter for letter, holder in _live_letters(connection).items() if holder != kiosk_id}
    own = connection.execute(
        select(kiosk_letters.c.letter).where(kiosk_letters.c.kiosk_id == kiosk_id)
    ).scalar()
    if own is not None and own not in taken:
        letter = own
    else:
        letter = next((free for free in KIOSK_LETTERS if free not in taken), None)
        if letter is None:
            raise NoLetterLeft()
    # A revoked kiosk's row may still hold the letter: it is free, so the row goes.
    connection.execute(
        delete(kiosk_letters).where(
            (kiosk_letters.c.kiosk_id == kiosk_id) | (kiosk_letters.c.letter == letter)
        )
    )
    connection.execute(
        insert(kiosk_letters).values(kiosk_id=kiosk_id, letter=letter, enrolled_at=now)
    )
    return letter


@dataclass(frozen=True)
class Revocation:
    tokens: int
    codes: int


def revoke(engine: Engine, kiosk_id: str, *, who: str, now: datetime) -> Revocation:
    """A stolen or replaced kiosk: its tokens stop working (and with them its receipt signing
    keys, backend/receipt_keys.py) and its unused codes are void. It may be enrolled again
    with a new code; its letter is free for others meanwhile. Audited."""
    codes = enrollment_codes.c
    with engine.connect().execution_options(**WRITE) as connection, connection.begin():
        removed = revoke_in(connection, TokenKind.KIOSK, kiosk_id)
        voided = connection.execute(
            update(enrollment_codes)
            .where(codes.kiosk_id == kiosk_id, codes.used_at.is_(None), codes.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        audit.append(
            connection,
            who=who,
            action=audit.Action.REVOKED,
            kiosk_id=kiosk_id,
            detail={"tokens": removed, "codes": voided},
            at=now,
        )
    return Revocation(removed, voided)


def letters(engine: Engine) -> dict[str, str]:
    """Kiosk id → letter, of the enrolled kiosks that still have a token."""
    with engine.connect() as connection:
        return {kiosk: letter for letter, kiosk in _live_letters(connection).items()}
