"""The municipality's X25519 key pair: created on first start, the private half opens the
sealed answers for staff and proves at submission time that a kiosk sealed to the right key."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError

from backend.paths import BackendPaths
from backend.validation import field_errors, in_words
from core.sealing import SealingError, generate_key_pair, unseal
from core.wire import SealedPayload


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


class NotAnApplication(SealingError):
    """The sealed answers open, but what they hold is not an application's answers."""


def open_application(
    sealed: str, private_key: X25519PrivateKey, application_id: str
) -> SealedPayload:
    """The sealed payload, checked to be an application's answers; SealingError if it cannot
    be opened or is not one (the reason names the part at fault, never its content)."""
    try:
        opened = unseal(sealed.encode("utf-8", "surrogatepass"), private_key, application_id)
    except SealingError:
        raise
    except (ValueError, RecursionError) as error:
        # The tag held, so the kiosk sealed it; but the plaintext is not UTF-8 JSON (or nests
        # deeper than a parser goes).
        raise NotAnApplication("the sealed answers are not readable JSON") from error
    try:
        return SealedPayload.model_validate(opened)
    except ValidationError as error:
        problem = in_words(field_errors(error.errors(include_input=False), ("payload",)))
        raise NotAnApplication(f"the sealed answers are not an application: {problem}") from None


def open_payload(sealed: str, private_key: X25519PrivateKey, application_id: str) -> dict:
    """The sealed payload ({procedure, procedure_version, kiosk, answers}) as a dict, checked
    like open_application; SealingError if not."""
    return open_application(sealed, private_key, application_id).model_dump()
