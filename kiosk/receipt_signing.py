"""The kiosk's own signing key for sealed receipt QR codes: made once, kept 0600, never logged.

The backend learns its public half over the kiosk API (kiosk/sync/key_registration.py) and
opens a sealed receipt only when this kiosk's key signed it.
"""

from __future__ import annotations

import base64
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class SigningKeyUnusable(Exception):
    """The key file exists but holds no Ed25519 key (worded for the technician)."""


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The key in path, made first if there is none. Written whole to a 0600 file of its own,
    then linked into place: never readable by others, never seen half-written, and two
    threads starting at once end with one key."""
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)
        except FileExistsError:
            pass  # another thread's key is in place a moment earlier: that one is used
        else:
            return key
        finally:
            partial.unlink()
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        # The reason only: the file's content is a secret.
        raise SigningKeyUnusable(
            f"{path}: not a readable signing key ({type(error).__name__})"
        ) from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise SigningKeyUnusable(f"{path}: not an Ed25519 key")
    return loaded


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The public half as the kiosk API carries it: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(public_bytes(key)).decode("ascii").rstrip("=")
