"""Puts the console into the backend's app: its pages, its stylesheet, `/` leading to it, its
refusal pages and its CSRF check. backend/app.py calls mount() before it adds the door
(RequestLimits), so the CSRF check runs inside the door, on a body the door has bounded, and
then adds ConsoleHeaders outside the door, so that even the door's refusals carry them."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from backend.console import (
    accounts_page,
    alerts,
    application,
    audit_page,
    enroll_pages,
    export_page,
    form_pages,
    home,
    insights_page,
    kiosk_settings_pages,
    kiosks,
    login_pages,
    queue,
    refusals,
    urls,
)
from backend.console.csrf_guard import CsrfGuard
from backend.console.settings import ConsoleSettings
from backend.console.state import ConsoleState

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI, settings: ConsoleSettings | None = None) -> None:
    app.state.console = ConsoleState.of(settings or ConsoleSettings())
    for router in (login_pages.router, home.router, accounts_page.router):
        app.include_router(router)
    for router in (
        enroll_pages.router,
        kiosk_settings_pages.router,  # settings pushed to the kiosks with their heartbeats
        kiosks.router,
        alerts.router,
        audit_page.router,
        export_page.router,
    ):
        app.include_router(router)  # kiosks, staff calls, audit log, export
    # the queue, one application, and the printed 申請書 of the day (one form: application)
    for router in (queue.router, application.router, form_pages.router):
        app.include_router(router)
    app.include_router(insights_page.router)  # where residents struggle (usage figures)
    app.mount(urls.STATIC, StaticFiles(directory=STATIC), name="console-static")

    @app.get("/", include_in_schema=False)
    def to_the_console() -> Response:
        # Residents reach the phone form (/pre/) from its poster; `/` is for the staff.
        return RedirectResponse(urls.HOME, status_code=303)

    refusals.install(app)
    app.add_middleware(CsrfGuard)
