"""Today's queue (/staff/, the first page after login): applications in arrival order with
filters (a GET form), a reception-number search, and the receipt scan field.

/staff/queue/rows is the table alone, for static/queue.js, which fetches it every few seconds
so that new applications appear without reloading; without JavaScript the page's 更新 link
does the same. /staff/find takes what the scan field sent: a receipt's QR text opens its
application, a reception number opens the one match or lists several (with their kiosks).

Clerks see only their divisions' applications (a counter's `division` in the catalog); the
applications of counters without a division, and of procedures the catalog no longer knows,
are everyone's.
"""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import RedirectResponse, Response

from backend.console import listing, urls
from backend.console.alerts import client_address
from backend.console.auth import CurrentStaff, DivisionScope, WatchingStaff, divisions_visible
from backend.console.catalog_view import ConsoleCatalog, console_catalog
from backend.console.forms import FormFields, form_fields
from backend.console.listing import QueueFilters
from backend.console.queue_rows import STATUS_KEYS, rows_html
from backend.console.refusals import ConsoleRefusal
from backend.console.state import console_state
from backend.console.templates import page
from backend.console.users import StaffUser
from backend.receipt_scan import ReceiptScanRefused, open_sealed_receipt
from core.receipt import MAX_QR_CHARS, parse_qr_payload
from core.sealed_receipt import MAX_CODE_CHARS, is_sealed_receipt
from core.wire import StaffStatus

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)

ROWS = "/staff/queue/rows"
FIND = "/staff/find"
SCRIPT = f"{urls.STATIC}/queue.js"
REFRESH_MS = 3000
SEALED_NEEDS_FORM = (
    "受付票のQRコード（未同期の申請を含むもの）です。下の「受付票から開く」を押すと開きます。"
)


def application_url(kiosk_id: str, application_id: str) -> str:
    return f"/staff/applications/{quote(kiosk_id)}/{quote(application_id)}"


def _now(request: Request):
    return console_state(request.app).settings.clock()


def _rows(catalog: ConsoleCatalog, found: list[dict], now) -> list[dict]:
    return [
        {
            **row,
            "title": catalog.title(row["procedure_id"]),
            "counter": catalog.counter_text(row["procedure_id"]),
            "waiting": listing.waiting(row, now),
            "status_key": STATUS_KEYS.get(row["staff_status"], "other"),
            "received": listing.clock_text(row["received_at"]),
            "received_full": listing.clock_text(row["received_at"], with_date=True),
            "url": application_url(row["kiosk_id"], row["id"]),
        }
        for row in found
    ]


def _hidden(catalog: ConsoleCatalog, scope: DivisionScope) -> list[str]:
    return [] if scope.everything else catalog.hidden_from(scope.allows)


def _table(request: Request, user: StaffUser) -> dict:
    catalog = console_catalog(request.app.state.catalog)
    scope = divisions_visible(user)
    now = _now(request)
    filters = QueueFilters.from_query(request.query_params, now)
    hidden = _hidden(catalog, scope)
    try:
        total, found = listing.queue(request.app.state.engine, filters, hidden)
        kiosks = listing.kiosks(request.app.state.engine)
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    query = urlencode(filters.query())
    return {
        "scope": scope,
        "filters": filters,
        "total": total,
        "rows_html": rows_html(catalog, found, now),
        "shown": len(found),
        "shown_max": listing.MAX_ROWS,
        "is_today": filters.day == listing.today(now),
        "procedures": [
            (procedure_id, catalog.title(procedure_id))
            for procedure_id in sorted(catalog.procedures)
            if procedure_id not in hidden
        ],
        "kiosks": kiosks,
        "statuses": [status.value for status in StaffStatus],
        "refresh_url": f"{urls.HOME}?{query}",
        "rows_url": f"{ROWS}?{query}",
    }


@router.get(urls.HOME)
def queue_page(request: Request, user: CurrentStaff) -> Response:
    return page(
        request,
        "queue.html",
        script=SCRIPT,
        refresh_ms=REFRESH_MS,
        find_url=FIND,
        code="",
        find_error=None,
        **_table(request, user),
    )


@router.get(ROWS)
def queue_rows(request: Request, user: WatchingStaff) -> Response:
    return page(request, "queue_table.html", **_table(request, user))


def _refuse_division(request: Request, user: StaffUser, row: dict) -> ConsoleRefusal:
    log.warning(
        "console: %s refused application %s of kiosk %s (another division's) via %s",
        user.name,
        row["id"],
        row["kiosk_id"],
        request.url.path,
    )
    return ConsoleRefusal(
        403,
        "この申請は、担当の課の申請ではないため見られません。担当の課の職員に回してください。",
        title="この申請は見られません",
    )


def visible_rows(catalog: ConsoleCatalog, scope: DivisionScope, rows: list[dict]) -> list[dict]:
    return [
        row
        for row in rows
        if scope.allows(catalog.division(row["procedure_id"]))
        or catalog.division(row["procedure_id"]) is None
    ]


@router.get(FIND)
def find(request: Request, user: CurrentStaff, code: str = "") -> Response:
    """What the scan field sent: a receipt QR, or a reception number."""
    return _find(request, user, code, may_store=False)


@router.post(FIND)
def find_posted(
    request: Request, user: CurrentStaff, form: Annotated[FormFields, Depends(form_fields)]
) -> Response:
    """The scan field's form (POST with its CSRF token): a sealed receipt may store an
    application here, which a GET never does."""
    return _find(request, user, form.get("code") or "", may_store=True)


def _find(request: Request, user: StaffUser, code: str, *, may_store: bool) -> Response:
    engine = request.app.state.engine
    catalog = console_catalog(request.app.state.catalog)
    if is_sealed_receipt(code):
        return _open_sealed(request, user, code.strip()[: MAX_CODE_CHARS + 1], may_store, catalog)
    code = code.strip()[: MAX_QR_CHARS + 1]
    scope = divisions_visible(user)
    number = listing.reception_number(code)
    try:
        if code.upper().startswith("MADOGUCHI"):
            try:
                receipt = parse_qr_payload(code)
            except ValueError:
                return _find_page(
                    request,
                    user,
                    code,
                    "受付票のQRコードとして読み取れませんでした。"
                    "もう一度読み取るか、受付番号を入力してください。",
                    [],
                    catalog,
                )
            found = listing.by_receipt(
                engine,
                receipt.application_id,
                receipt.kiosk_id,
                None if receipt.kiosk_id else receipt.reception_number,
            )
        elif number is not None:
            found = listing.by_number(engine, number, _now(request))
        else:
            message = (
                "受付番号（例: A-001）を入力するか、受付票のQRコードを読み取ってください。"
                if code
                else "受付番号を入力するか、受付票のQRコードを読み取ってください。"
            )
            return _find_page(request, user, code, message, [], catalog)
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    shown = visible_rows(catalog, scope, found)
    if len(found) == 1 and not shown:
        raise _refuse_division(request, user, found[0])
    if len(shown) == 1:
        row = shown[0]
        return RedirectResponse(application_url(row["kiosk_id"], row["id"]), status_code=303)
    if not shown:
        return _find_page(request, user, code, "該当する申請はありません。", [], catalog)
    return _find_page(request, user, code, None, shown, catalog)


def _open_sealed(
    request: Request, user: StaffUser, code: str, may_store: bool, catalog: ConsoleCatalog
) -> Response:
    """A sealed receipt (MADOGUCHI3): opened from the QR alone when the kiosk has not synced
    it yet (backend/receipt_scan.py), then shown like any application, marked 未同期."""
    if not may_store:
        # A GET (a link, a reload) must not store anything: the form posts it again.
        return _find_page(request, user, code, SEALED_NEEDS_FORM, [], catalog, sealed=code)
    scope = divisions_visible(user)
    try:
        scanned = open_sealed_receipt(
            request.app.state.engine,
            request.app.state.private_key,
            code,
            who=user.audit_who,
            address=client_address(request),
            may_open=lambda procedure_id: bool(
                visible_rows(catalog, scope, [{"procedure_id": procedure_id}])
            ),
        )
        found = listing.by_receipt(
            request.app.state.engine, scanned.application_id, scanned.kiosk_id, None
        )
    except ReceiptScanRefused as refused:
        log.warning(
            "console: %s scanned a sealed receipt that was refused (%s%s)",
            user.name,
            refused.refusal.name,
            f": {refused.why}" if refused.why else "",
        )
        return _find_page(request, user, "", refused.refusal.message, [], catalog)
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    shown = visible_rows(catalog, scope, found)
    if found and not shown:
        raise _refuse_division(request, user, found[0])
    if not shown:
        return _find_page(request, user, "", "該当する申請はありません。", [], catalog)
    row = shown[0]
    return RedirectResponse(application_url(row["kiosk_id"], row["id"]), status_code=303)


def _find_page(
    request: Request,
    user: StaffUser,
    code: str,
    error: str | None,
    found: list[dict],
    catalog: ConsoleCatalog,
    *,
    sealed: str = "",
) -> Response:
    return page(
        request,
        "find.html",
        status=404 if error and not found and not sealed else 200,
        find_url=FIND,
        code=code if len(code) <= 64 else "",
        find_error=error,
        rows=_rows(catalog, found, _now(request)),
        sealed_code=sealed,
    )
