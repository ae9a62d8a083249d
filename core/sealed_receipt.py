"""The sealed receipt QR (MADOGUCHI3): the application itself, sealed to the municipality's key
and signed by the kiosk, so that the counter can open it before the kiosk has synced.

    MADOGUCHI3:<KIOSK ID>:<reception number>:<APPLICATION ID>:<base32 of the blob>

Everything is upper case, from the QR alphanumeric set and (unlike base45's $ % * + / and
space) typed the same by a keyboard-mode USB scanner on any keyboard layout, and nothing a form
strips. Measured (bench/receipt_qr_bench.py): base45 would save about 6 % of characters, one
QR version on the largest procedure; base32 was kept for the keyboard. The blob (version 1):

    format 1 (1 byte) · created_at, µs since 1970 UTC (int64) · its UTC offset, minutes (int16)
    · ephemeral X25519 key (32) · nonce (12) · AES-256-GCM ciphertext with tag · Ed25519 (64)

The plaintext is the sync payload ({procedure, procedure_version, kiosk, answers}) as compact
JSON, raw-deflated, then sealed exactly as core/sealing.py seals the sync payload (X25519,
HKDF-SHA256, AES-256-GCM), bound to the kiosk and the application id. The kiosk signs the
header and the blob with its own Ed25519 key: sealing alone is anonymous (anyone holding the
municipality's public key could seal an application), the signature says which kiosk made it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from core.sealing import SealingError, seal_bytes, unseal_bytes
from core.wire import APPLICATION_ID_PATTERN, KIOSK_ID_PATTERN, RECEPTION_NUMBER_PATTERN

SCHEME = "MADOGUCHI3"
FORMAT = 1
# A version 40 QR code holds 3,391 alphanumeric characters at error correction M: a longer
# text was never one of ours, and is refused before anything else looks at it.
MAX_CODE_CHARS = 3_400
# Opened answers: a QR's few kilobytes of deflate could claim megabytes (a "zip bomb").
MAX_PLAINTEXT_BYTES = 256 * 1024
_SIGNED_CONTEXT = b"madoguchi sealed receipt v1\x00"
_FIXED = struct.Struct(">Bqh")  # format, created_at in µs, UTC offset in minutes
_EPK, _NONCE, _TAG, _SIGNATURE = 32, 12, 16, 64
_MIN_BLOB = _FIXED.size + _EPK + _NONCE + _TAG + _SIGNATURE
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_CODE = re.compile(
    rf"{SCHEME}:(?P<kiosk>[A-Z0-9][A-Z0-9-]{{0,31}}):(?P<number>[A-Z]-[0-9]{{3,6}})"
    r":(?P<id>[0-9A-F-]{36}):(?P<blob>[A-Z2-7]+)"
)


class ReceiptCodeDamaged(ValueError):
    """The text is not a whole, well-formed MADOGUCHI3 code (damaged, truncated, or not ours).
    Its message never repeats the text."""


def is_sealed_receipt(text: str) -> bool:
    """Whether the text claims to be a sealed receipt (then it is answered as one, or refused)."""
    return text.strip()[: len(SCHEME) + 1].upper() == SCHEME + ":"


@dataclass(frozen=True)
class SealedReceipt:
    kiosk_id: str
    reception_number: str
    application_id: str
    created_at: datetime
    epk: bytes
    nonce: bytes
    ciphertext: bytes
    signature: bytes = b""

    def header(self) -> str:
        return (
            f"{SCHEME}:{self.kiosk_id.upper()}:{self.reception_number}"
            f":{self.application_id.upper()}:"
        )

    def _unsigned_blob(self) -> bytes:
        offset = self.created_at.utcoffset() or timedelta(0)
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        fixed = _FIXED.pack(FORMAT, micros, int(offset.total_seconds() // 60))
        return fixed + self.epk + self.nonce + self.ciphertext

    def signed_message(self) -> bytes:
        return _SIGNED_CONTEXT + self.header().encode("ascii") + self._unsigned_blob()

    def text(self) -> str:
        blob = self._unsigned_blob() + self.signature
        return self.header() + base64.b32encode(blob).decode("ascii").rstrip("=")

    def signed_by(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.signature, self.signed_message())
        except InvalidSignature:
            return False
        return True

    def open(self, private_key: X25519PrivateKey) -> dict:
        """The sealed payload; SealingError if this municipality's key does not open it or what
        it holds is not compressed JSON."""
        compressed = unseal_bytes(
            self.epk, self.nonce, self.ciphertext, private_key, _associated(self)
        )
        try:
            inflater = zlib.decompressobj(wbits=-15)
            plaintext = inflater.decompress(compressed, MAX_PLAINTEXT_BYTES)
            if inflater.unconsumed_tail or not inflater.eof:
                raise SealingError("the sealed answers are too large or incomplete")
            opened = json.loads(plaintext)
        except (zlib.error, ValueError, RecursionError) as error:
            raise SealingError("the sealed answers are not readable") from error
        if not isinstance(opened, dict):
            raise SealingError("the sealed answers are not an application")
        return opened


def _associated(receipt: SealedReceipt) -> bytes:
    # Bound to the kiosk and the id: a sealed body cannot be moved onto another application.
    return f"{SCHEME}:{receipt.kiosk_id}:{receipt.application_id}".encode("ascii")


def seal_receipt(
    *,
    kiosk_id: str,
    reception_number: str,
    application_id: str,
    created_at: datetime,
    payload: dict,
    recipient: X25519PublicKey,
    signer: Ed25519PrivateKey,
) -> str:
    """The MADOGUCHI3 text for one finalized application (created_at must be aware)."""
    plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = deflater.compress(plain) + deflater.flush()
    unsealed = SealedReceipt(kiosk_id, reception_number, application_id, created_at, b"", b"", b"")
    epk, nonce, ciphertext = seal_bytes(compressed, recipient, _associated(unsealed))
    receipt = SealedReceipt(
        kiosk_id, reception_number, application_id, created_at, epk, nonce, ciphertext
    )
    signature = signer.sign(receipt.signed_message())
    return SealedReceipt(
        kiosk_id, reception_number, application_id, created_at, epk, nonce, ciphertext, signature
    ).text()


def plain_code(receipt: SealedReceipt) -> str:
    """The MADOGUCHI2 code naming the same application, without its answers: what a kept
    receipt layout carries once the sealed answers are purged from the kiosk."""
    return f"MADOGUCHI2:{receipt.kiosk_id}:{receipt.reception_number}:{receipt.application_id}"


def parse_sealed_receipt(text: str) -> SealedReceipt:
    """The parts of a scanned MADOGUCHI3 code, checked for form only (not the signature, not
    the seal); ReceiptCodeDamaged for anything that is not a whole code."""
    if not isinstance(text, str) or len(text) > MAX_CODE_CHARS:
        raise ReceiptCodeDamaged("not a sealed receipt code")
    found = _CODE.fullmatch(text.strip().upper())
    if found is None:
        raise ReceiptCodeDamaged("not a sealed receipt code")
    kiosk_id, application_id = found["kiosk"].lower(), found["id"].lower()
    if not (
        re.fullmatch(KIOSK_ID_PATTERN, kiosk_id)
        and re.fullmatch(APPLICATION_ID_PATTERN, application_id)
        and re.fullmatch(RECEPTION_NUMBER_PATTERN, found["number"])
    ):
        raise ReceiptCodeDamaged("not a sealed receipt code")
    encoded = found["blob"]
    try:
        blob = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except (binascii.Error, ValueError):
        raise ReceiptCodeDamaged("the code is damaged or cut short") from None
    if base64.b32encode(blob).decode("ascii").rstrip("=") != encoded:
        # Spare bits in the last character: one code, one text (nothing else is ours).
        raise ReceiptCodeDamaged("the code is damaged or cut short")
    if len(blob) < _MIN_BLOB:
        raise ReceiptCodeDamaged("the code is damaged or cut short")
    version, micros, offset_minutes = _FIXED.unpack_from(blob)
    if version != FORMAT:
        raise ReceiptCodeDamaged("a sealed receipt of an unknown format")
    if not -18 * 60 < offset_minutes < 18 * 60:
        raise ReceiptCodeDamaged("the code is damaged")
    try:
        created_at = (_EPOCH + timedelta(microseconds=micros)).astimezone(
            timezone(timedelta(minutes=offset_minutes))
        )
    except (OverflowError, ValueError):
        raise ReceiptCodeDamaged("the code is damaged") from None
    at = _FIXED.size
    epk, at = blob[at : at + _EPK], at + _EPK
    nonce, at = blob[at : at + _NONCE], at + _NONCE
    return SealedReceipt(
        kiosk_id,
        found["number"],
        application_id,
        created_at,
        epk,
        nonce,
        blob[at:-_SIGNATURE],
        blob[-_SIGNATURE:],
    )
