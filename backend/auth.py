"""Who is calling: a bearer token of kind kiosk (the kiosk API) or staff (the staff API).

No or unknown token → 401 with a WWW-Authenticate challenge; a valid token of the other kind →
403, so a stolen kiosk token never reads residents' answers.

backend/limits.py checks the token of every route that depends on kiosk_caller or staff_caller
before the body is read, with the same answers, and leaves the principal in the request's state
(PRINCIPAL_STATE); these dependencies then take it from there instead of a second lookup, and
check the token themselves wherever that middleware did not run.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.console.roles import StaffRole
from backend.tokens import CLERK_TOKEN_REFUSED, Principal, TokenKind, authenticate

UNAUTHENTICATED = "unknown or missing bearer token"
PRINCIPAL_STATE = "madoguchi.principal"

bearer = HTTPBearer(
    auto_error=False,
    description="a kiosk token for the kiosk API, a staff token for the staff API "
    "(`kiosk backend token create kiosk|staff NAME`)",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def needs(kind: TokenKind) -> str:
    return f"this endpoint needs a {kind.value} token"


def _principal(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    checked = request.scope.get("state", {}).get(PRINCIPAL_STATE)
    if isinstance(checked, Principal):
        return checked
    presented = credentials.credentials if credentials else ""
    principal = authenticate(request.app.state.engine, presented)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


def kiosk_caller(request: Request, credentials: Credentials) -> str:
    """The kiosk_id of the calling kiosk."""
    principal = _principal(request, credentials)
    if principal.kind is not TokenKind.KIOSK:
        raise HTTPException(status.HTTP_403_FORBIDDEN, needs(TokenKind.KIOSK))
    return principal.name


def staff_caller(request: Request, credentials: Credentials) -> str:
    """The name of the calling staff member or office tool."""
    principal = _principal(request, credentials)
    if principal.kind is not TokenKind.STAFF:
        raise HTTPException(status.HTTP_403_FORBIDDEN, needs(TokenKind.STAFF))
    if principal.role is StaffRole.CLERK:
        # Issued before clerk tokens were refused (backend/tokens.py): it has no divisions to
        # narrow what it sees, so it sees nothing rather than everything.
        raise HTTPException(status.HTTP_403_FORBIDDEN, CLERK_TOKEN_REFUSED)
    return principal.name
