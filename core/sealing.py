"""Seal a resident's answers to the municipality's public key, so the kiosk cannot read them back.

Hybrid encryption: a fresh X25519 key per application agrees a secret with the municipality's
key; HKDF turns it into an AES-256-GCM key; the application id is bound as associated data so a
sealed payload cannot be moved onto another application row.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENVELOPE_VERSION = 1
_INFO = b"madoguchi sealed application v1"


class SealingError(Exception):
    """The key or the sealed payload cannot be used."""


def fingerprint(public_key: X25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(path: Path) -> X25519PublicKey:
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise SealingError(f"{path}: not a readable PEM public key ({error})") from error
    return public_key_from_pem(pem, str(path))


def public_key_from_pem(pem: bytes, where: str) -> X25519PublicKey:
    """The municipality's key from PEM text (a file, or the municipality profile)."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as error:
        raise SealingError(f"{where}: not a readable PEM public key ({error})") from error
    if not isinstance(key, X25519PublicKey):
        raise SealingError(f"{where}: not an X25519 public key")
    return key


def generate_key_pair(folder: Path) -> tuple[Path, Path]:
    """Create private.pem (0600) and public.pem in folder, unless they exist; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / "private.pem", folder / "public.pem"
    if not private_path.exists():
        private_key = X25519PrivateKey.generate()
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        public_path.write_bytes(
            private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return private_path, public_path


def _derive(shared: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(shared)


def seal(payload: dict, recipient: X25519PublicKey, application_id: str) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    key = _derive(ephemeral.exchange(recipient))
    nonce = os.urandom(12)
    plaintext = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, application_id.encode())
    epk = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    envelope = {
        "v": ENVELOPE_VERSION,
        "kid": fingerprint(recipient),
        "epk": base64.b64encode(epk).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "ct": base64.b64encode(ciphertext).decode(),
    }
    return json.dumps(envelope).encode()


def seal_bytes(
    plaintext: bytes, recipient: X25519PublicKey, associated: bytes
) -> tuple[bytes, bytes, bytes]:
    """The same sealing as seal(), for bytes, without the JSON envelope: (ephemeral public key,
    nonce, ciphertext with its tag), for a carrier where every byte counts (the receipt QR)."""
    ephemeral = X25519PrivateKey.generate()
    key = _derive(ephemeral.exchange(recipient))
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, associated)
    epk = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return epk, nonce, ciphertext


def unseal_bytes(
    epk: bytes, nonce: bytes, ciphertext: bytes, private_key: X25519PrivateKey, associated: bytes
) -> bytes:
    """Open what seal_bytes sealed; SealingError if it cannot be opened (wrong key, damaged)."""
    try:
        key = _derive(private_key.exchange(X25519PublicKey.from_public_bytes(epk)))
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except Exception as error:  # a malformed key or a failed tag mean the same here
        raise SealingError("sealed payload cannot be opened") from error


def unseal(envelope_bytes: bytes, private_key: X25519PrivateKey, application_id: str) -> dict:
    """The municipality's side: open a sealed payload with the private key."""
    try:
        envelope = json.loads(envelope_bytes)
        if envelope.get("v") != ENVELOPE_VERSION:
            raise SealingError(f"unknown envelope version {envelope.get('v')!r}")
        epk = X25519PublicKey.from_public_bytes(base64.b64decode(envelope["epk"]))
        key = _derive(private_key.exchange(epk))
        plaintext = AESGCM(key).decrypt(
            base64.b64decode(envelope["nonce"]),
            base64.b64decode(envelope["ct"]),
            application_id.encode(),
        )
    except SealingError:
        raise
    except Exception as error:  # malformed JSON, base64, key or a failed tag all mean one thing
        raise SealingError("sealed payload cannot be opened") from error
    return json.loads(plaintext)
