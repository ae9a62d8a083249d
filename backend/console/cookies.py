"""The console's cookies, set and cleared with the same flags every time: HttpOnly (no script
reads them), SameSite=Strict (no other site's page sends them), Secure when the request came
over HTTPS (request.url.scheme, after a trusted proxy's X-Forwarded-Proto), and a path."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    path: str,
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def clear_cookie(response: Response, request: Request, name: str, *, path: str) -> None:
    response.delete_cookie(
        name, path=path, httponly=True, samesite="strict", secure=_secure(request)
    )
