"""The phone form's routes (/pre/): categories → procedure → one question per page → check
your answers → the QR code. GET pages carry only the language and the practice switch in
their address; every answer travels in a POST body with the sealed state (backend/preentry/
state.py), so neither the access log nor a proxy's ever sees one. Nothing is stored."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from backend.preentry import urls
from backend.preentry.answers import raw_answer, typed_values
from backend.preentry.catalog import PhoneCatalog, phone_catalog
from backend.preentry.code_page import code_page_context, code_text, expiry, fits_a_code
from backend.preentry.form import FormFields, FormUnreadable, form_fields
from backend.preentry.limits import page_budget
from backend.preentry.qr_png import qr_png
from backend.preentry.question import elsewhere, error_text, postal_towns, question_page
from backend.preentry.render import language_of, page
from backend.preentry.state import FormState, StateRefused, StateSealer, StepKind, state_key
from backend.preentry.walk import asks_my_number, replay, take_step
from core.catalog import FieldType, Procedure
from core.fields import display_value
from core.flow import ResidentSession, Step
from core.validators import Invalid

log = logging.getLogger(__name__)

OFFICE_TIME = ZoneInfo("Asia/Tokyo")  # dates on the phone are the office's dates
router = APIRouter(prefix=urls.PREFIX, include_in_schema=False)


def today() -> date:
    return datetime.now(OFFICE_TIME).date()


def _phone(request: Request) -> PhoneCatalog:
    return phone_catalog(request.app.state.catalog)


def _sealer(request: Request) -> StateSealer:
    sealer = getattr(request.app.state, "preentry_sealer", None)
    if sealer is None:
        sealer = StateSealer(state_key(request.app.state.private_key))
        request.app.state.preentry_sealer = sealer
    return sealer


def _practice(value: object) -> bool:
    return value == "1"


def message_page(
    phone: PhoneCatalog, language: str, key: str, status_code: int, *, practice: bool = False
) -> HTMLResponse:
    """A plain message and the way back to the first page: nothing else to do, nothing kept."""
    return page(
        "message.html",
        phone,
        language,
        practice=practice,
        status_code=status_code,
        message_key=key,
        message_values={},
    )


# -- the GET pages: nothing personal in them -------------------------------------------------


@router.get("/", dependencies=[Depends(page_budget)])
def home(request: Request, lang: str = "ja", practice: str = "") -> HTMLResponse:
    phone, language = _phone(request), language_of(lang)
    # The categories in the order of the profile's menu (enabled_procedures), as the kiosk.
    first_seen = dict.fromkeys(p.category for p in phone.catalog.procedures())
    categories = [phone.catalog.categories[category_id] for category_id in first_seen]
    return page(
        "home.html",
        phone,
        language,
        practice=_practice(practice),
        categories=categories,
    )


@router.get("/category/{category_id}", dependencies=[Depends(page_budget)])
def category(
    request: Request, category_id: str, lang: str = "ja", practice: str = ""
) -> HTMLResponse:
    phone, language = _phone(request), language_of(lang)
    found = phone.catalog.categories.get(category_id)
    procedures = [p for p in phone.catalog.procedures() if p.category == category_id]
    if found is None or not procedures:
        return message_page(phone, language, "pre_not_found", 404, practice=_practice(practice))
    return page(
        "category.html",
        phone,
        language,
        practice=_practice(practice),
        category=found,
        procedures=procedures,
    )


@router.get("/start/{procedure_id}", dependencies=[Depends(page_budget)])
def start(
    request: Request, procedure_id: str, lang: str = "ja", practice: str = ""
) -> HTMLResponse:
    phone, language = _phone(request), language_of(lang)
    try:
        procedure = phone.catalog.procedure(procedure_id)
    except KeyError:
        return message_page(phone, language, "pre_not_offered", 404, practice=_practice(practice))
    state = FormState(procedure.id, language, _practice(practice))
    session = replay(state, procedure, phone.ui, today(), phone.area())
    return _current(request, phone, state, procedure, session)


# -- the one POST: a step of the walk ----------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A POST's sealed state, opened and replayed: the walk as the resident left it."""

    phone: PhoneCatalog
    form: FormFields
    state: FormState
    procedure: Procedure
    session: ResidentSession


async def _open(request: Request) -> Opened | HTMLResponse:
    """The walk a POST carries, or the plain message that says why it cannot be read."""
    phone = _phone(request)
    try:
        form = await form_fields(request)
    except FormUnreadable:
        return message_page(phone, "ja", "pre_state_refused", 400)
    fallback = language_of(form.get("lang"))
    try:
        state = _sealer(request).open(_field(form, "state"))
    except StateRefused as refused:
        log.info("phone form state refused: %s", refused)  # the reason, never the content
        return message_page(phone, fallback, "pre_state_refused", 400)
    try:
        procedure = phone.catalog.procedure(state.procedure_id)
    except KeyError:
        return message_page(phone, state.language, "pre_not_offered", 404)
    try:
        session = replay(state, procedure, phone.ui, today(), phone.area())
    except StateRefused as refused:
        log.info("phone form state refused: %s", refused)
        return message_page(phone, state.language, "pre_state_refused", 400)
    return Opened(phone, form, state, procedure, session)


@router.post("/step", dependencies=[Depends(page_budget)])
async def step(request: Request) -> Response:
    opened = await _open(request)
    if not isinstance(opened, Opened):
        return opened
    phone, state = opened.phone, opened.state
    try:
        return _act(request, phone, state, opened.procedure, opened.session, opened.form)
    except StateRefused as refused:
        log.info("phone form state refused: %s", refused)
        return message_page(phone, state.language, "pre_state_refused", 400)


@router.post("/code.png", dependencies=[Depends(page_budget)])
async def code_image(request: Request) -> Response:
    """The QR of a finished walk as a PNG download, made from the same sealed state as the
    page's SVG and kept nowhere: the resident saves it in their photos to show later."""
    opened = await _open(request)
    if not isinstance(opened, Opened):
        return opened
    phone, state, procedure, session = opened.phone, opened.state, opened.procedure, opened.session
    if session.step is not Step.REVIEW or not session.is_complete():
        log.info("phone form state refused: a code image asked for before the review")
        return message_page(phone, state.language, "pre_state_refused", 400)
    code = code_text(phone, procedure, session, practice=state.practice, today=today())
    if not fits_a_code(code):
        return message_page(phone, state.language, "pre_code_too_long", 400)
    # The procedure and the last day in the name, nothing the resident typed: photos apps
    # show file names, and a practice code says so before it reaches a real kiosk.
    name = f"madoguchi-{procedure.id}-{expiry(phone, today()).isoformat()}"
    name += "-practice" if state.practice else ""
    headers = {
        "Content-Disposition": f'attachment; filename="{name}.png"',
        "Cache-Control": "no-store",
    }
    return Response(qr_png(code, practice=state.practice), media_type="image/png", headers=headers)


def _field(form: FormFields, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _act(
    request: Request,
    phone: PhoneCatalog,
    state: FormState,
    procedure: Procedure,
    session: ResidentSession,
    form: FormFields,
) -> Response:
    action = _field(form, "action") or "next"
    if action.startswith("lang:"):
        state = state.in_language(language_of(action.removeprefix("lang:")))
        if _field(form, "at") == "code" and session.step is Step.REVIEW:
            return _code(request, phone, state, procedure, session)  # the QR page, translated
        return _current(request, phone, state, procedure, session)
    if action == "elsewhere":
        return _elsewhere(request, phone, state, session)
    if action == "review" or (action == "finish" and not session.is_complete()):
        return _current(request, phone, state, procedure, session)
    if action == "finish":
        if session.step is not Step.REVIEW:
            raise StateRefused("a code asked for before the review")
        return _code(request, phone, state, procedure, session)
    if action.startswith("change:"):
        change = [StepKind.CHANGE, action.removeprefix("change:")]
        state = state.with_step(*change)
        take_step(session, change)
        return _current(request, phone, state, procedure, session)
    if action == "back":
        if session.step is Step.QUESTION and not session.can_go_back():
            target = urls.category(procedure.category) + f"?lang={state.language}"
            target += "&practice=1" if state.practice else ""
            return RedirectResponse(target, status_code=303)
        session.back()
        return _current(request, phone, state.with_step(StepKind.BACK), procedure, session)
    if session.step is not Step.QUESTION:
        return _current(request, phone, state, procedure, session)
    return _answer(request, phone, state, procedure, session, form, lookup=action == "lookup")


def _answer(
    request: Request,
    phone: PhoneCatalog,
    state: FormState,
    procedure: Procedure,
    session: ResidentSession,
    form: FormFields,
    *,
    lookup: bool,
) -> Response:
    language = state.language
    current = session.page
    towns = postal_towns(current, _field(form, "code"), session.area)
    raw = raw_answer(current, form, towns)
    if current.type is FieldType.POSTAL_CODE and towns and (lookup or isinstance(raw, str)):
        if len(towns) == 1 and not lookup:
            raw = {"code": raw, "chosen": towns[0]}  # one town: nothing to choose
        else:  # the towns of the code, to choose one (the kiosk's second step)
            note = None if lookup else phone.ui.get("pre_town_missing", language)
            values = typed_values(current, raw)
            view = question_page(
                session, phone.ui, language, values=values, towns=towns, error=note
            )
            return _question(request, phone, state, procedure, view)
    result = session.submit(raw)
    if isinstance(result, Invalid):
        view = question_page(
            session,
            phone.ui,
            language,
            values=typed_values(current, raw),
            error=error_text(result, phone.ui, language),
            outside=elsewhere(
                result,
                procedure,
                current,
                phone.catalog,
                phone.ui,
                language,
            ),
        )
        return _question(request, phone, state, procedure, view)
    state = state.with_step(StepKind.ANSWER, current.id, raw)
    return _current(request, phone, state, procedure, session)


def _elsewhere(
    request: Request, phone: PhoneCatalog, state: FormState, session: ResidentSession
) -> Response:
    """The procedure an in-city page names for an address outside the city (転居 → 転入,
    転出), begun with who the resident said they are — name, kana, birth date, phone, where
    it asks them — asked nowhere again and sealed in its state like every answer: the
    kiosk's go_elsewhere (kiosk/elsewhere.py) on the phone. The page names the procedure,
    never the request."""
    if session.step is not Step.QUESTION or not session.page.outside:
        raise StateRefused("no other procedure to go to from this page")
    try:
        other = phone.catalog.procedure(session.page.outside)
    except KeyError:
        return message_page(phone, state.language, "pre_not_offered", 404, practice=state.practice)
    carried = session.carried_answers()
    moved = FormState(other.id, state.language, state.practice, shared=carried)
    begun = replay(moved, other, phone.ui, today(), phone.area())
    return _current(request, phone, moved, other, begun)


# -- rendering the step the session is on -----------------------------------------------------


def _current(
    request: Request,
    phone: PhoneCatalog,
    state: FormState,
    procedure: Procedure,
    session: ResidentSession,
) -> HTMLResponse:
    if session.step is Step.REVIEW:
        return _review(request, phone, state, procedure, session)
    view = question_page(session, phone.ui, state.language)
    return _question(request, phone, state, procedure, view)


def _question(request, phone, state, procedure, view, status_code: int = 200) -> HTMLResponse:
    return page(
        "question.html",
        phone,
        state.language,
        practice=state.practice,
        status_code=status_code,
        procedure=procedure,
        q=view,
        sealed=_sealer(request).seal(state),
    )


def _review(request, phone, state, procedure, session) -> HTMLResponse:
    language = state.language
    rows = [
        (item.page, display_value(item.page, item.value, language, phone.ui))
        for item in session.summary()
    ]
    return page(
        "review.html",
        phone,
        language,
        practice=state.practice,
        procedure=procedure,
        rows=rows,
        asks_my_number=asks_my_number(procedure),
        sealed=_sealer(request).seal(state),
    )


def _code(request, phone, state, procedure, session) -> HTMLResponse:
    context = code_page_context(
        phone,
        procedure,
        session,
        language=state.language,
        practice=state.practice,
        today=today(),
    )
    return page(
        "code.html",
        phone,
        state.language,
        practice=state.practice,
        procedure=procedure,
        sealed=_sealer(request).seal(state),
        at="code",
        **context,
    )
