"""Handing out tokens: to staff and remote kiosks (printed once), and to a kiosk on the same
machine as the backend (kept in a 0600 file, so the demo and a single-PC office need no setup).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from sqlalchemy import Engine

from backend import db
from backend import tokens as token_store
from backend.names import InvalidName
from backend.paths import BackendPaths, database_url
from backend.tokens import TokenKind

log = logging.getLogger(__name__)


def engine_for(paths_or_db: BackendPaths | Engine | str) -> Engine:
    """An engine from backend paths (the configured database), an engine, or a database URL."""
    if isinstance(paths_or_db, Engine):
        return paths_or_db
    if isinstance(paths_or_db, BackendPaths):
        engine = db.connect(database_url(paths_or_db))
        import_legacy_tokens(paths_or_db, engine)
        return engine
    return db.connect(paths_or_db)


def issue_token(paths_or_db: BackendPaths | Engine | str, kind: TokenKind | str, name: str) -> str:
    """A new token of kind ('kiosk' or 'staff') for name; the plaintext is returned only here."""
    engine = engine_for(paths_or_db)
    try:
        return token_store.issue(engine, kind, name)
    finally:
        if engine is not paths_or_db:
            engine.dispose()


def local_kiosk_token(backend_paths: BackendPaths, kiosk_id: str, token_file: Path) -> str:
    """The token of a kiosk on this machine: the one in token_file while the backend still
    knows it, otherwise a new one, written to token_file (0600) for the next start."""
    engine = engine_for(backend_paths)
    try:
        if token_file.exists():
            token = token_file.read_text(encoding="utf-8").strip()
            principal = token_store.authenticate(engine, token)
            if principal == token_store.Principal(TokenKind.KIOSK, kiosk_id):
                return token
        token = token_store.issue(engine, TokenKind.KIOSK, kiosk_id)
    finally:
        engine.dispose()
    _write_private(token_file, token + "\n")
    return token


def _write_private(path: Path, content: str) -> None:
    """Write through a 0600 descriptor (never readable by others, not even for a moment), then
    rename into place so a reader never sees half a token."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def import_legacy_tokens(paths: BackendPaths, engine: Engine) -> int:
    """The first backends kept kiosk tokens in plaintext JSON. Register their hashes, keep each
    plaintext only where its kiosk reads it (the local token file), and delete the JSON."""
    legacy = paths.legacy_tokens
    if not legacy.exists():
        return 0
    known = json.loads(legacy.read_text(encoding="utf-8"))
    for kiosk_id, token in known.items():
        if token_store.authenticate(engine, token) is None:
            token_store.register(engine, token, TokenKind.KIOSK, kiosk_id)
        try:
            local = paths.local_kiosk_token(kiosk_id)
        except InvalidName as error:  # registered, but never written outside local_kiosks
            log.warning("legacy token file: no local token file for %s", error)
            continue
        if not local.exists():
            _write_private(local, token + "\n")
    legacy.unlink()
    return len(known)
