"""The console's first page after login (/staff/): today's reception, for now a placeholder
naming the divisions whose applications the member will see; the queue replaces it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from backend.console import urls
from backend.console.auth import CurrentStaff, divisions_visible
from backend.console.templates import page

router = APIRouter(include_in_schema=False)


@router.get(urls.HOME)
def home(request: Request, user: CurrentStaff) -> Response:
    return page(request, "home.html", scope=divisions_visible(user))


@router.get(urls.PREFIX)
def console_without_slash() -> Response:
    return RedirectResponse(urls.HOME, status_code=303)
