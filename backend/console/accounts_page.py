"""The staff accounts, for administrators (/staff/users): who may log in, with which role and
divisions, and whose account is disabled or locked. Read-only for now; accounts are made and
changed with `kiosk backend user …`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from backend.console import urls, users
from backend.console.auth import require_role
from backend.console.roles import StaffRole
from backend.console.state import console_state
from backend.console.templates import page
from backend.console.users import StaffUser

router = APIRouter(include_in_schema=False)


@router.get(urls.USERS)
def accounts(
    request: Request, user: Annotated[StaffUser, Depends(require_role(StaffRole.ADMIN))]
) -> Response:
    now = console_state(request.app).settings.clock()
    listed = users.all_users(request.app.state.engine)
    return page(request, "accounts.html", accounts=listed, now=now)
