"""The kiosk's one way of talking to the backend: bearer token, deadline, TLS verification.

Every request has a timeout (request_timeout_s); the backend's certificate is always verified,
against ca_bundle when set, else the system's CAs (certifi). There is no switch to turn
verification off: a kiosk that sends sealed applications to an unverified server would leak
nothing readable, but would lose them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk.config import Settings

if TYPE_CHECKING:
    import requests


class BackendUnreachable(OSError):
    """Connection refused, reset, timed out, or a TLS failure: nothing was answered."""


class TokenSource:
    """Where the bearer token comes from when it is not in the settings (the composition root
    provisions one from a backend on the same machine). forget(): it was refused, get anew."""

    def __call__(self) -> str:
        raise NotImplementedError

    def forget(self) -> None:
        pass


class BackendHttp:
    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        token_source: TokenSource | Callable[[], str] | None = None,
    ) -> None:
        self.settings = settings
        self._session = session
        self.token_source = token_source

    def token(self) -> str:
        if self.settings.backend_token or self.token_source is None:
            return self.settings.backend_token
        try:
            return self.token_source()
        except Exception as error:  # no local backend data, no database driver …
            raise BackendUnreachable(f"no token for this kiosk ({error})") from error

    @property
    def session(self) -> requests.Session:
        # requests is imported on first use: the kiosk's start-up does not need it.
        if self._session is None:
            import requests

            self._session = requests.Session()
        return self._session

    def request(
        self, method: str, path: str, *, body: str | None = None, headers: dict | None = None
    ) -> requests.Response:
        """One request to backend_url + path; raises BackendUnreachable when nothing came back."""
        sent_headers: dict[str, Any] = {"Authorization": f"Bearer {self.token()}"}
        if body is not None:
            sent_headers["Content-Type"] = "application/json"
        sent_headers.update(headers or {})
        ca_bundle = self.settings.ca_bundle
        try:
            response = self.session.request(
                method,
                self.settings.backend_url.rstrip("/") + path,
                data=body.encode("utf-8") if body is not None else None,
                headers=sent_headers,
                timeout=self.settings.request_timeout_s,
                verify=str(ca_bundle) if ca_bundle else True,
            )
        except OSError as error:  # requests' exceptions are OSErrors: refused, reset, timeout
            raise BackendUnreachable(f"backend unreachable ({type(error).__name__})") from error
        if response.status_code == 401 and isinstance(self.token_source, TokenSource):
            self.token_source.forget()  # a provisioned token may be stale: ask for a new one
        return response


def problem(response: requests.Response) -> str:
    """The backend's reason in its own words (FastAPI's "detail"), short, and safe to print:
    it ends up on a technician's terminal (`kiosk sync status`), where an escape sequence from
    a backend (or whatever answers in its place) must not act."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError, RecursionError):
        detail = None
    text = str(detail or response.reason or "no reason given")[:200]
    return "".join(c if c.isprintable() else "?" for c in text)
