"""Where the backend keeps its data, and the kiosks' bearer tokens (no web framework needed:
the demo kiosk reads these before the backend is started)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TOKENS_FILE = "kiosk-tokens.json"


@dataclass(frozen=True)
class BackendPaths:
    root: Path

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def database(self) -> Path:
        return self.root / "backend.sqlite3"

    @property
    def tokens(self) -> Path:
        return self.root / TOKENS_FILE


def kiosk_token(paths: BackendPaths, kiosk_id: str) -> str:
    """The bearer token of one kiosk, created on first request (demo and first installs)."""
    paths.root.mkdir(parents=True, exist_ok=True)
    tokens = json.loads(paths.tokens.read_text()) if paths.tokens.exists() else {}
    if kiosk_id not in tokens:
        tokens[kiosk_id] = secrets.token_urlsafe(32)
        # Written through a 0600 descriptor: the tokens are never readable by others.
        descriptor = os.open(paths.tokens, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(tokens, handle, indent=2)
    return tokens[kiosk_id]
