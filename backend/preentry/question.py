"""What one question page shows: the page, its progress, the inputs as they should read, the
message that refused an answer, and for a postal code the towns to choose from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.preentry.answers import FieldValues, era_choices, stored_values
from core.area import NO_AREA, MunicipalArea
from core.catalog import Catalog, FieldType, Page, Procedure
from core.fields import postal_text
from core.flow import ResidentSession, is_outside
from core.i18n import UiText
from core.validators import Invalid, Valid, validate

# The id of the first input of each kind of page: the error summary's link goes there.
FIRST_INPUT = {
    FieldType.DATE: "date-era",
    FieldType.POSTAL_CODE: "code",
    FieldType.SINGLE_CHOICE: "answer-0",
    FieldType.MULTIPLE_CHOICE: "answer-0",
    FieldType.YES_NO: "answer-0",
    FieldType.CONSENT: "answer-0",
}
# The phone's own keyboard for each kind of page (inputmode), and what the browser may offer to
# fill in (autocomplete): the resident's own name, reading, phone on their own phone.
KEYBOARD = {
    FieldType.PHONE: ("tel", "tel"),
    FieldType.NUMBER: ("numeric", "off"),
    FieldType.COPIES: ("numeric", "off"),
    FieldType.KANJI_NAME: ("text", "off"),
    FieldType.KANA_NAME: ("text", "off"),
    FieldType.ADDRESS: ("text", "off"),
    FieldType.TEXT: ("text", "off"),
}


@dataclass(frozen=True)
class Elsewhere:
    """An in-city page given an address outside the municipality. The kiosk leads on with its
    ElsewhereView; the phone says the same in the page's own words (which procedure fits) under
    the message, with a button to that procedure where this municipality offers it: a POST of
    the sealed state, so who the resident said they are goes along, sealed (pages.py)."""

    note: str
    other_title: str | None = None


@dataclass(frozen=True)
class QuestionPage:
    page: Page
    progress: tuple[int, int]
    values: FieldValues
    error: str | None = None
    towns: list[dict[str, str]] = field(default_factory=list)
    known_place: str | None = None  # the postal code's town, above an address page's input
    can_go_back: bool = True
    eras: list[tuple[str, str]] = field(default_factory=list)
    elsewhere: Elsewhere | None = None

    @property
    def kind(self) -> str:
        return self.page.type.value

    @property
    def first_input(self) -> str:
        return FIRST_INPUT.get(self.page.type, "answer")

    @property
    def inputmode(self) -> str:
        return KEYBOARD.get(self.page.type, ("text", "off"))[0]

    @property
    def autocomplete(self) -> str:
        return KEYBOARD.get(self.page.type, ("text", "off"))[1]

    @property
    def input_type(self) -> str:
        return "tel" if self.page.type is FieldType.PHONE else "text"


def town_label(candidate: dict[str, str]) -> str:
    return "".join(candidate.get(part, "") for part in ("prefecture", "city", "town"))


def postal_towns(page: Page, code: object, area: MunicipalArea = NO_AREA) -> list[dict[str, str]]:
    """The addresses a postal code stands for, by the field rule's own reading of the code; on
    an in-city page only the municipality's, as the kiosk's flow offers them (core.flow), so
    a code elsewhere goes straight to the flow's refusal instead of a list to choose from."""
    if page.type is not FieldType.POSTAL_CODE or not code:
        return []
    result = validate(page, code)
    towns = list(result.value["candidates"]) if isinstance(result, Valid) else []
    if page.in_municipality and area.known:
        towns = [town for town in towns if area.holds(town)]
    return towns


def error_text(result: Invalid, ui: UiText, language: str) -> str:
    """The kiosk's own message for the refusal (assets/i18n/validation.toml)."""
    return ui.get(result.message_key, language, **dict(result.values))


def elsewhere(
    result: Invalid,
    procedure: Procedure,
    page: Page,
    catalog: Catalog,
    ui: UiText,
    language: str,
) -> Elsewhere | None:
    """What follows a refusal for an address outside the municipality; None for any other."""
    if not is_outside(result):
        return None
    this = procedure.title.text(language)
    city = dict(result.values).get("city", "")
    # The page's own words name the procedure that fits; a page without them is held to the
    # municipality with nothing else to file here (as screens/elsewhere.py says it).
    note = page.outside_note
    text = (
        note.text(language)
        if note
        else ui.get("elsewhere_inside_only", language, this=this, city=city)
    )
    try:
        other = catalog.procedure(page.outside) if page.outside else None
    except KeyError:
        other = None  # not offered by this municipality: the note alone
    if other is None:
        return Elsewhere(text)
    return Elsewhere(text, other.title.text(language))


def question_page(
    session: ResidentSession,
    ui: UiText,
    language: str,
    *,
    values: FieldValues | None = None,
    error: str | None = None,
    towns: list[dict[str, str]] | None = None,
    outside: Elsewhere | None = None,
) -> QuestionPage:
    page = session.page
    shown = values or stored_values(page, session.answer_for(page.id), language)
    if towns is None and page.type is FieldType.POSTAL_CODE and shown.code:
        towns = postal_towns(page, shown.code, session.area)
    so_far: dict[str, Any] | None = session.address_so_far(page.id)
    progress = session.progress
    return QuestionPage(
        page=page,
        progress=(progress.position, progress.total),
        values=shown,
        error=error,
        towns=towns or [],
        known_place=postal_text(so_far) if so_far else None,
        can_go_back=session.can_go_back(),
        eras=era_choices(language, ui) if page.type is FieldType.DATE else [],
        elsewhere=outside,
    )
