"""The municipality's X25519 key pair: created on first start, the private half opens the
sealed answers for staff and proves at submission time that a kiosk sealed to the right key."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from backend.paths import BackendPaths
from core.sealing import SealingError, generate_key_pair, unseal


def load_private_key(paths: BackendPaths, *, create: bool = True) -> X25519PrivateKey:
    """The private key in paths.keys; created on first start unless create is False (the staff
    CLI: a mistyped --data must not mint a key that opens nothing)."""
    private_path = paths.keys / "private.pem"
    if create:
        private_path, _ = generate_key_pair(paths.keys)
    elif not private_path.exists():
        raise SealingError(f"no private key at {private_path}: is --data the backend's folder?")
    key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    if not isinstance(key, X25519PrivateKey):
        raise SealingError(f"{private_path}: not an X25519 private key")
    return key


def open_payload(sealed: str, private_key: X25519PrivateKey, application_id: str) -> dict:
    """The sealed payload ({procedure, procedure_version, kiosk, answers}); SealingError if not."""
    return unseal(sealed.encode("utf-8"), private_key, application_id)
