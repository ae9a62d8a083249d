"""Where the backend keeps its data, and which database it uses.

No web framework and no SQLAlchemy here: the demo kiosk imports this module before any backend
runs, and a kiosk installed without the backend extra must still import it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from backend.names import check_kiosk_id

DATABASE_URL_ENV = "KIOSK_BACKEND_DATABASE_URL"
# The plaintext token file of the first backend versions; imported (hashed) and removed on start.
LEGACY_TOKENS_FILE = "kiosk-tokens.json"


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
    def local_kiosks(self) -> Path:
        """Token files of kiosks that run on this same machine (the demo, a single-PC office)."""
        return self.root / "local-kiosks"

    def local_kiosk_token(self, kiosk_id: str) -> Path:
        """The token file of a kiosk on this machine. The id is checked first (InvalidName), so
        no id (`../../x`, an absolute path) can name a file outside local_kiosks."""
        return self.local_kiosks / f"{check_kiosk_id(kiosk_id)}.token"

    @property
    def legacy_tokens(self) -> Path:
        return self.root / LEGACY_TOKENS_FILE


def database_url(paths: BackendPaths, explicit: str | None = None) -> str:
    """The database to use: --database, then KIOSK_BACKEND_DATABASE_URL, then SQLite in root.

    The server, the staff CLI and provisioning all resolve it here, so they agree."""
    chosen = explicit or os.environ.get(DATABASE_URL_ENV, "").strip()
    return chosen or f"sqlite:///{paths.database}"


def kiosk_token(paths: BackendPaths, kiosk_id: str) -> str:
    """The bearer token of a kiosk on this machine, registered on first request.

    Kept for existing callers; see backend.provisioning.local_kiosk_token."""
    from backend.provisioning import local_kiosk_token  # SQLAlchemy only when really needed

    return local_kiosk_token(paths, kiosk_id, paths.local_kiosk_token(kiosk_id))
