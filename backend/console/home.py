"""/staff (without the slash) leads to the console's first page, today's queue at /staff/
(backend/console/queue.py)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from backend.console import urls

router = APIRouter(include_in_schema=False)


@router.get(urls.PREFIX)
def console_without_slash() -> Response:
    return RedirectResponse(urls.HOME, status_code=303)
