"""The token `kiosk setup enroll` received, kept in a file only the kiosk's user can read.

It lives where a kiosk on the backend's own machine keeps its provisioned token
(KioskPaths.backend_token_file), never in kiosk.toml, which technicians open, copy and send to
support. Read on first use, and again after the backend refused it (a kiosk enrolled anew
while running picks the new one up at its next request).
"""

from __future__ import annotations

from pathlib import Path

from kiosk.sync.http import TokenSource

TOKEN_FILE_MODE = 0o600


class TokenFile(TokenSource):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._token: str | None = None

    def __call__(self) -> str:
        if self._token is None:
            try:
                self._token = self.path.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                return ""  # not enrolled: the backend answers 401, as without a token
        return self._token

    def forget(self) -> None:
        self._token = None


def write_token(path: Path, token: str) -> None:
    """The token to path, 0600 from its first byte, replacing any earlier one atomically."""
    from kiosk.config_writer import write_atomically  # tomlkit: not for every kiosk start

    write_atomically(path, token + "\n", TOKEN_FILE_MODE)
