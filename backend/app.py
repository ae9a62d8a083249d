"""The reference backend (FastAPI): the kiosk API of the sync protocol, the staff API, and
the staff console (backend/console/, at /staff/; `/` leads there).

Stateless apart from the database: any number of these processes may serve one PostgreSQL
(see docs/BACKEND.md). The key pair and the schema are made ready before it accepts requests.
Every request passes backend/limits.py's RequestLimits first (rate, token, body size and pace);
the console's security headers are put on outside it, its CSRF check runs inside it.

No /docs or /redoc: FastAPI's pages load their scripts and fonts from a CDN, and no page of
ours loads anything from another host. The OpenAPI document describes the staff API too, more
than a caller without a token can use, so /openapi.json needs a staff token.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI, Request, status
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from backend import db, enroll_api, kiosk_api, preentry, receipt_key_api, staff_api, usage_api
from backend.auth import staff_caller
from backend.catalog_bundle import CatalogSource
from backend.console import mount as console
from backend.console.headers import ConsoleHeaders
from backend.console.refusals import validation_refusal
from backend.console.settings import ConsoleSettings
from backend.enroll_api import EnrollmentSettings
from backend.insights_cache import FiguresCache
from backend.keys import load_private_key
from backend.limits import Limits, RequestLimits
from backend.paths import BackendPaths, database_url
from backend.provisioning import import_legacy_tokens
from core import __version__
from core.wire import BATCH_PATH, MAX_BATCH

OPENAPI_PATH = "/openapi.json"


def create_app(
    paths: BackendPaths,
    *,
    database: str | None = None,
    catalog_dir: Path | None = None,
    engine: Engine | None = None,
    limits: Limits | None = None,
    console_settings: ConsoleSettings | None = None,
    enrollment: EnrollmentSettings | None = None,
) -> FastAPI:
    """The backend for data in paths; database is a URL (default: database_url(paths)), or pass
    an engine to share one; catalog_dir replaces the shipped catalog; limits replaces the
    default Limits (tests shorten the deadlines); console_settings the console's (its clock,
    session lifetimes, lockout); enrollment the enrollment codes' (its clock, failures)."""
    private_key = load_private_key(paths)
    owns_engine = engine is None
    engine = engine or db.connect(database_url(paths, database))
    import_legacy_tokens(paths, engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="Madoguchi backend",
        version=__version__,
        description="The sync protocol of core/wire.py (kiosk API) and the staff API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, behind a staff token
    )
    app.state.engine = engine
    app.state.private_key = private_key
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    app.state.catalog = CatalogSource(catalog_dir, public_pem)
    app.state.usage_figures = FiguresCache()  # the console's usage figures between requests
    app.include_router(kiosk_api.router)
    app.include_router(receipt_key_api.router)
    enroll_api.mount(app, enrollment)  # no token: a one-time code, counted per address
    app.include_router(usage_api.router)  # usage events, never personal
    app.include_router(staff_api.router)

    @app.get(OPENAPI_PATH, include_in_schema=False, dependencies=[Depends(staff_caller)])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    console.mount(app, console_settings)  # its CSRF check goes inside the door
    preentry.mount(app)  # the phone form at /pre/: no login, nothing stored
    app.add_middleware(RequestLimits, limits=limits or Limits())
    app.add_middleware(ConsoleHeaders)  # outside the door: its refusals carry them too

    @app.exception_handler(RequestValidationError)
    async def too_large(request: Request, error: RequestValidationError):
        # The wire contract: a batch over MAX_BATCH is refused whole with 413, not 422.
        if request.url.path == BATCH_PATH and any(
            item["type"] == "too_long" and tuple(item["loc"][:2]) == ("body", "applications")
            for item in error.errors()
        ):
            return JSONResponse(
                {"detail": f"a batch holds at most {MAX_BATCH} applications"},
                status_code=status.HTTP_413_CONTENT_TOO_LARGE,
            )
        page = validation_refusal(request)  # a console page's is a page, not JSON
        if page is not None:
            return page
        return await request_validation_exception_handler(request, error)

    return app
