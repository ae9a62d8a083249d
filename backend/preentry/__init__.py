"""The phone pre-entry form at /pre/ (issue 15, docs/PREENTRY.md): residents fill in a
procedure on their own phone and bring the QR code to the kiosk. No login, nothing stored.

backend/app.py calls mount(app) before it adds the door (RequestLimits), so the door counts
these pages like every request without a token, and this form's own, lower budget answers with
a plain page first.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import Response

from backend.preentry import guide, pages, urls
from backend.preentry.headers import PhoneFormHeaders
from backend.preentry.limits import BUDGET_STATE, PageBudget, TooManyPages
from backend.preentry.render import language_of, page

STYLESHEET = Path(__file__).parent / "static" / "pre.css"


def mount(app: FastAPI, budget: PageBudget | None = None) -> None:
    """budget: the per-address page budget (tests give a small one)."""
    setattr(app.state, BUDGET_STATE, budget or PageBudget())
    app.include_router(pages.router)
    app.include_router(guide.router)

    @app.get(urls.STYLESHEET, include_in_schema=False)
    def stylesheet() -> Response:
        css = STYLESHEET.read_text(encoding="utf-8")
        return Response(css, media_type="text/css; charset=utf-8")

    @app.exception_handler(TooManyPages)
    async def too_many(request: Request, refused: TooManyPages) -> Response:
        phone = pages.phone_catalog(request.app.state.catalog)
        answer = page(
            "message.html",
            phone,
            language_of(request.query_params.get("lang")),
            practice=False,
            status_code=429,
            message_key="pre_too_many",
            message_values={"seconds": refused.retry_after_s},
        )
        answer.headers["Retry-After"] = str(refused.retry_after_s)
        return answer

    app.add_middleware(PhoneFormHeaders)
