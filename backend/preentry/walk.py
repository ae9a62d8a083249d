"""The resident's walk on the phone, as the kiosk's flow engine (core.flow) walks it.

The phone keeps no session on the server: each request rebuilds the ResidentSession from the
steps in the sealed form state (backend/preentry/state.py) and takes one more step. So the
rules are the kiosk's own — which page comes next, which answers a change drops, what a field
accepts and what it says when it does not — and nothing of them is written twice.

A 個人番号 is never asked on the phone: the phone's procedure is the kiosk's without its
my_number pages, which the kiosk then asks itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.preentry.state import FormState, StateRefused, StepKind
from core.area import MunicipalArea
from core.catalog import FieldType, Procedure
from core.flow import ResidentSession, Step
from core.i18n import UiText
from core.validators import Valid


def phone_procedure(procedure: Procedure) -> Procedure:
    """The procedure as the phone asks it: every page but the 個人番号 ones (model_copy keeps
    the kiosk's validated model; only the page list is shorter)."""
    pages = tuple(page for page in procedure.pages if page.type is not FieldType.MY_NUMBER)
    if len(pages) == len(procedure.pages):
        return procedure
    return procedure.model_copy(update={"pages": pages})


def asks_my_number(procedure: Procedure) -> bool:
    return any(page.type is FieldType.MY_NUMBER for page in procedure.pages)


def replay(
    state: FormState, procedure: Procedure, ui: UiText, today: date, area: MunicipalArea
) -> ResidentSession:
    """The session after every step of the state; StateRefused if a step does not fit (the
    procedure changed under a resident's open form, say). `area` is the municipality's ground,
    so in-city pages refuse an address elsewhere as the kiosk's do. The state's carried answers
    (name, kana … from the procedure an address outside the city led away from) fill their
    pages as the kiosk's other_session does: asked nowhere again, shown on the review."""
    shared = dict(state.shared)  # a copy: the session writes its own answers into it
    session = ResidentSession(phone_procedure(procedure), ui, today=today, area=area, shared=shared)
    for step in state.steps:
        take_step(session, step)
    return session


def take_step(session: ResidentSession, step: list[Any]) -> None:
    kind = step[0]
    if kind == StepKind.ANSWER and len(step) == 3:
        page_id, raw = step[1], step[2]
        if session.step is not Step.QUESTION or session.page.id != page_id:
            raise StateRefused("an answer to a page that is not the current one")
        if not isinstance(session.submit(raw), Valid):
            raise StateRefused("a kept answer no longer passes its page's rule")
    elif kind == StepKind.BACK and len(step) == 1:
        session.back()
    elif kind == StepKind.CHANGE and len(step) == 2:
        try:
            session.change(step[1])
        except KeyError:
            raise StateRefused("a change of a page that does not apply") from None
    else:
        raise StateRefused("a step of an unknown kind")
