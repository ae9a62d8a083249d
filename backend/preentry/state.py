"""The form state that travels between the phone's pages: which procedure, in which language,
whether in practice, and every step the resident took (answers, back, change), sealed.

The server keeps nothing of a resident's (docs/PREENTRY.md): the state lives in a hidden field
of the page and comes back with the next POST. It is sealed with Fernet (AES-CBC and an HMAC)
under a key derived from the backend's own private key, so any backend process sharing the key
folder opens it, a phone cannot change an answer behind the validators' back, and a state
older than STATE_LIFETIME_S is refused (the resident starts again; nothing is lost that the
server ever had).
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

STATE_LIFETIME_S = 12 * 3600  # a form left open overnight starts again
MAX_STATE_CHARS = 12_000  # the door takes 16 KB per request body, the answer included
MAX_STEPS = 400  # far more than any walk with its backs and changes
_KEY_INFO = b"madoguchi phone pre-entry form state v1"


class StateRefused(Exception):
    """The state is not one this server sealed (changed, cut short, too old): start again."""


class StepKind(StrEnum):
    """What a step of the state is (kept as one letter: the state travels with every page)."""

    ANSWER = "a"  # ("a", page id, raw answer as the form gave it)
    BACK = "b"  # ("b",)
    CHANGE = "c"  # ("c", page id): from the review, revisit one page


@dataclass
class FormState:
    procedure_id: str
    language: str
    practice: bool
    steps: list[list[Any]] = field(default_factory=list)
    # Who the resident said they are (name, kana, birth date, phone: core.flow's shared
    # answers), carried from a procedure an address outside the city led away from.
    shared: dict[str, Any] = field(default_factory=dict)

    def with_step(self, *step: Any) -> FormState:
        steps = [*self.steps, list(step)]
        return FormState(self.procedure_id, self.language, self.practice, steps, self.shared)

    def in_language(self, language: str) -> FormState:
        steps = list(self.steps)
        return FormState(self.procedure_id, language, self.practice, steps, self.shared)


def state_key(private_key: X25519PrivateKey) -> bytes:
    """The Fernet key of this backend: derived, so no second secret needs keeping."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(raw)
    return base64.urlsafe_b64encode(derived)


class StateSealer:
    def __init__(self, key: bytes, lifetime_s: int = STATE_LIFETIME_S) -> None:
        self._fernet = Fernet(key)
        self._lifetime_s = lifetime_s

    def seal(self, state: FormState) -> str:
        data = {"p": state.procedure_id, "l": state.language, "t": state.practice}
        data |= {"s": state.steps, **({"h": state.shared} if state.shared else {})}
        body = json.dumps(
            data,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return self._fernet.encrypt(zlib.compress(body.encode("utf-8"), 9)).decode("ascii")

    def open(self, sealed: str | None) -> FormState:
        if not sealed or len(sealed) > MAX_STATE_CHARS or not sealed.isascii():
            raise StateRefused("no state, or not one of ours")
        try:
            packed = self._fernet.decrypt(sealed.encode("ascii"), ttl=self._lifetime_s)
            # A sealed body is ours, but bound its inflated size all the same.
            inflater = zlib.decompressobj()
            body = inflater.decompress(packed, 16 * MAX_STATE_CHARS)
            data = json.loads(body.decode("utf-8"))
        except (InvalidToken, zlib.error, ValueError):
            raise StateRefused("the state does not open") from None
        steps = data.get("s") if isinstance(data, dict) else None
        if not isinstance(steps, list) or len(steps) > MAX_STEPS:
            raise StateRefused("the state has no steps")
        if not all(isinstance(step, list) and step for step in steps):
            raise StateRefused("a step of the state is not a step")
        procedure_id, language, practice = data.get("p"), data.get("l"), data.get("t")
        if not isinstance(procedure_id, str) or not isinstance(language, str):
            raise StateRefused("the state names no procedure")
        shared = data.get("h", {})
        if not isinstance(shared, dict) or not all(isinstance(key, str) for key in shared):
            raise StateRefused("the carried answers are not answers")
        return FormState(procedure_id, language, practice is True, steps, shared)
