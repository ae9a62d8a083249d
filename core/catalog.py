"""Procedures, categories and the municipality profile: validated data from assets/.

A procedure is data, never code: a municipality adds or edits one without a developer, and the
kiosk only interprets these models. Loading checks each file on its own (models below) and the
files against each other (Catalog), and words every problem for a municipal clerk.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.conditions import Condition
from core.date_picking import DateOpening
from core.i18n import LocalizedText
from core.identifier import Identifier
from core.municipality import Counter, Municipality
from core.paper_form import (
    DEFAULT_SECTION_ID,
    DEFAULT_SECTION_TITLE,
    CheckItem,
    CounterFlag,
    Section,
    SectionKind,
)

APPLICANT_PAGE = (
    "applicant"  # the page the flow adds when more than one kind of applicant may apply
)


class FieldType(StrEnum):
    KANA_NAME = "kana_name"  # フリガナ: katakana after NFKC and hiragana → katakana
    KANJI_NAME = "kanji_name"  # any UTF-8, 𠮷 and variation selectors kept
    DATE = "date"  # entered and shown in 和暦 or 西暦
    POSTAL_CODE = "postal_code"  # 7 digits → address candidates
    ADDRESS = "address"  # 番地 and building: digits and hyphens unified
    PHONE = "phone"  # 10 or 11 digits
    NUMBER = "number"  # a whole number in a range
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    COPIES = "copies"  # 1..10 copies of a certificate
    CONSENT = "consent"  # must be agreed to
    TEXT = "text"  # bounded free text
    MY_NUMBER = "my_number"  # 個人番号: only where the procedure names its legal basis


TEXT_TYPES = {FieldType.KANA_NAME, FieldType.KANJI_NAME, FieldType.ADDRESS, FieldType.TEXT}
CHOICE_TYPES = {FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE}
DEFAULT_MAX_LENGTH = {
    FieldType.KANA_NAME: 60,
    FieldType.KANJI_NAME: 60,
    FieldType.ADDRESS: 120,
    FieldType.TEXT: 200,
}


class Applicant(StrEnum):
    SELF = "self"  # 本人
    HOUSEHOLD = "household"  # 同一世帯の方
    PROXY = "proxy"  # 代理人 (委任状が必要)


class CardField(StrEnum):
    """The four items of the My Number Card's 券面事項入力補助AP (never the 個人番号)."""

    NAME = "name"
    ADDRESS = "address"
    BIRTH_DATE = "birth_date"
    SEX = "sex"


CARD_FIELD_TYPES = {
    CardField.NAME: {FieldType.KANJI_NAME},
    CardField.ADDRESS: {FieldType.ADDRESS, FieldType.TEXT},
    CardField.BIRTH_DATE: {FieldType.DATE},
    CardField.SEX: {FieldType.SINGLE_CHOICE},
}


class SharedAnswer(StrEnum):
    """Answers asked once per visit and reused by every procedure of that visit."""

    NAME = "name"
    KANA = "kana"
    BIRTH_DATE = "birth_date"
    POSTAL_CODE = "postal_code"
    ADDRESS = "address"
    PHONE = "phone"


# Who the resident is, not where they live: what is carried over when an address outside the
# municipality leads to another procedure (its addresses are that procedure's own questions).
PERSONAL_ANSWERS = frozenset(
    {SharedAnswer.NAME, SharedAnswer.KANA, SharedAnswer.BIRTH_DATE, SharedAnswer.PHONE}
)


class FormLayout(StrEnum):
    """Which printed form the staff PDF uses."""

    CERTIFICATE_REQUEST = "certificate_request"  # 交付請求書
    NOTIFICATION = "notification"  # 届出書
    APPLICATION = "application"  # 申請書
    RESERVATION = "reservation"  # 申込書


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: Identifier
    label: LocalizedText


class Derivation(BaseModel):
    """An answer the kiosk gives itself, instead of asking, when `when` holds over what is
    already known (earlier answers, the card): "65歳以上の方は" is いいえ for a resident of 37
    who moved alone. Every field the condition reads must be answered for it to count."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str | bool | int
    when: Condition


class Page(BaseModel):
    """One question, one page."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    type: FieldType
    question: LocalizedText
    # What the review page (確認), the receipt and staff call the answer: short words (フリガナ,
    # 電話番号), where the question would read oddly as a label. The question when absent.
    review_label: LocalizedText | None = None
    hint: LocalizedText | None = None
    required: bool = True
    show_if: Condition | None = None
    shared: SharedAnswer | None = None
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = Field(None, ge=1, le=2000)
    # postal_code and address pages: only the municipality's own postal codes and 町名 (its
    # municipality_codes); `outside` names the procedure for an address outside (転居 → 転入),
    # `outside_note` says in plain words what to do then (shown with it; alone where no
    # procedure here fits, as for a collection address).
    in_municipality: bool = False
    outside: Identifier | None = None
    outside_note: LocalizedText | None = None
    earliest: date | None = None  # date fields: no earlier date is accepted
    latest_is_today: bool = False  # date fields: no date after today (birth dates, moving days)
    # date fields: where the picker starts (core.date_picking.DateOpening): "era" (era first,
    # then the year, as for a birth date) or "today" (this month, with 今日・きのう・おととい).
    opens_on: DateOpening = DateOpening.ERA
    unit: LocalizedText | None = None  # number fields: 人, 点, 歳 …
    # Answers that follow from earlier ones: the first rule that holds answers the page, which
    # is then not asked but shown on the review; when none holds, the page is asked.
    derive: tuple[Derivation, ...] = ()

    @model_validator(mode="after")
    def _fits_its_type(self) -> Page:
        kind = self.type
        if kind in CHOICE_TYPES:
            if len(self.options) < 2:
                raise ValueError("a choice page needs at least two options")
            values = [option.value for option in self.options]
            if len(values) != len(set(values)):
                raise ValueError("option values must be different from each other")
        elif self.options:
            raise ValueError(f"a {kind} page has no options")
        if kind is FieldType.COPIES and not 1 <= self.low <= self.high <= 10:
            raise ValueError("copies must be between 1 and 10")
        if kind is FieldType.NUMBER and (self.minimum is None or self.maximum is None):
            raise ValueError("a number page needs both minimum and maximum")
        if kind is FieldType.MULTIPLE_CHOICE and not 0 <= self.low <= self.high <= len(
            self.options
        ):
            raise ValueError("minimum/maximum choices must fit the number of options")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is larger than maximum")
        if kind is FieldType.CONSENT and not self.required:
            raise ValueError("a consent page is always required")
        if self.max_length is not None and kind not in TEXT_TYPES:
            raise ValueError(f"max_length is for text fields, not {kind}")
        if self.opens_on is not DateOpening.ERA and kind is not FieldType.DATE:
            raise ValueError(f"opens_on is for date fields, not {kind}")
        for rule in self.derive:
            self._check_derived_value(rule.value)
        area_types = (FieldType.POSTAL_CODE, FieldType.ADDRESS)
        if (self.in_municipality or self.outside) and kind not in area_types:
            raise ValueError(f"in_municipality and outside are for addresses, not {kind}")
        if (self.outside or self.outside_note) and not self.in_municipality:
            raise ValueError("outside and outside_note need in_municipality = true")
        if self.outside and not self.outside_note:
            # The resident is sent to another procedure: the page says why, in its own words.
            raise ValueError("outside needs an outside_note saying why the other procedure fits")
        return self

    def _check_derived_value(self, value: str | bool | int) -> None:
        kind = self.type
        if kind is FieldType.YES_NO:
            fits = isinstance(value, bool)
        elif kind is FieldType.SINGLE_CHOICE:
            fits = value in [option.value for option in self.options]
        elif kind in (FieldType.NUMBER, FieldType.COPIES):
            fits = not isinstance(value, bool) and isinstance(value, int)
            fits = fits and self.low <= value <= self.high
        else:
            raise ValueError(f"derive is for yes_no, single_choice and number pages, not {kind}")
        if not fits:
            raise ValueError(f"derive: {value!r} is not an answer to this {kind} page")

    @property
    def label(self) -> LocalizedText:
        """The answer's name on the review page: the review label, else the question."""
        return self.review_label or self.question

    @property
    def low(self) -> int:
        if self.minimum is not None:
            return self.minimum
        return 0 if self.type is FieldType.MULTIPLE_CHOICE and not self.required else 1

    @property
    def high(self) -> int:
        if self.maximum is not None:
            return self.maximum
        return len(self.options) if self.type is FieldType.MULTIPLE_CHOICE else 10

    @property
    def length_limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type, 200)


class Document(BaseModel):
    """Something the resident must bring, possibly only in some cases."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: LocalizedText
    show_if: Condition | None = None


class Procedure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    version: int = Field(ge=1)
    category: Identifier
    title: LocalizedText
    summary: LocalizedText
    help: LocalizedText | None = None
    applicants: tuple[Applicant, ...] = (Applicant.SELF,)
    counter: Identifier  # key into the municipality's counters
    fee: Identifier | None = None  # key into the municipality's fees (yen per unit)
    fee_units: Identifier | None = None  # the page counting the units (copies, items); else 1
    form_layout: FormLayout
    legal_basis: str | None = None  # required to ask for a 個人番号 (番号法 別表)
    bring: tuple[Document, ...] = ()
    prefill: dict[CardField, Identifier] = {}
    related: tuple[Identifier, ...] = ()  # follow-on procedures to suggest (転居 → 児童手当 …)
    pages: tuple[Page, ...] = Field(min_length=1)
    # The paper form's parts (届出人, 新しい住所 …): every page in exactly one. Empty: one
    # default section (see form_sections).
    sections: tuple[Section, ...] = ()
    # The counter's side (backend/console): what to tick before 完了 besides the documents
    # and the fee, and what to flag from the answers.
    checklist: tuple[CheckItem, ...] = ()
    flags: tuple[CounterFlag, ...] = ()

    @property
    def form_sections(self) -> tuple[Section, ...]:
        """The sections the printed form and the console show, in order."""
        if self.sections:
            return self.sections
        default = Section(
            id=DEFAULT_SECTION_ID,
            kind=SectionKind.REQUEST,
            title=LocalizedText({"ja": DEFAULT_SECTION_TITLE}),
            pages=tuple(page.id for page in self.pages),
        )
        return (default,)

    @model_validator(mode="after")
    def _sections_cover_pages(self) -> Procedure:
        if not self.sections:
            return self
        ids = [section.id for section in self.sections]
        if len(ids) != len(set(ids)):
            raise ValueError("sections: section ids must be unique within a procedure")
        pages = [page.id for page in self.pages]
        placed: dict[str, str] = {}
        for section in self.sections:
            for page_id in section.pages:
                if page_id not in pages:
                    raise ValueError(
                        f"section '{section.id}': '{page_id}' is not a page of this procedure"
                    )
                if page_id in placed:
                    raise ValueError(
                        f"section '{section.id}': page '{page_id}' is already in section"
                        f" '{placed[page_id]}' (a page belongs to exactly one section)"
                    )
                placed[page_id] = section.id
        missing = [page_id for page_id in pages if page_id not in placed]
        if missing:
            raise ValueError(
                "sections: every page must be in a section; not placed: " + ", ".join(missing)
            )
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Procedure:
        ids = [page.id for page in self.pages]
        if len(ids) != len(set(ids)):
            raise ValueError("page ids must be unique within a procedure")
        if APPLICANT_PAGE in ids:
            raise ValueError(f"'{APPLICANT_PAGE}' is reserved: the kiosk asks it itself")
        if len(set(self.applicants)) != len(self.applicants):
            raise ValueError("an applicant kind is listed twice")
        known = {APPLICANT_PAGE}
        dates = {page.id for page in self.pages if page.type is FieldType.DATE}
        for page in self.pages:
            rules = [("show_if", page.show_if)] if page.show_if else []
            rules += [("derive", rule.when) for rule in page.derive]
            for name, condition in rules:
                for field in condition.fields():
                    if field not in known:
                        raise ValueError(
                            f"page '{page.id}': {name} reads '{field}', which is not an earlier"
                            " page"
                        )
                for field in condition.date_fields():
                    if field not in dates:
                        raise ValueError(
                            f"page '{page.id}': {name} counts an age from '{field}', which is"
                            " not a date page"
                        )
            known.add(page.id)
        for document in self.bring:
            for field in document.show_if.fields() if document.show_if else ():
                if field not in known:
                    raise ValueError(f"bring: show_if reads '{field}', which is not a page")
        counter_rules = [("checklist", item.id, item.show_if) for item in self.checklist]
        counter_rules += [("flags", flag.id, flag.when) for flag in self.flags]
        for part, item_id, condition in counter_rules:
            for field in condition.fields() if condition else ():
                if field not in known:
                    raise ValueError(f"{part} '{item_id}' reads '{field}', which is not a page")
            for field in condition.date_fields() if condition else ():
                if field not in dates:
                    raise ValueError(
                        f"{part} '{item_id}' counts days from '{field}', which is not a date page"
                    )
        for part, items in (("checklist", self.checklist), ("flags", self.flags)):
            item_ids = [item.id for item in items]
            if len(item_ids) != len(set(item_ids)):
                raise ValueError(f"{part}: ids must be unique within a procedure")
        pages = {page.id: page for page in self.pages}
        for card_field, page_id in self.prefill.items():
            page = pages.get(page_id)
            if page is None:
                raise ValueError(f"prefill: {card_field} goes to '{page_id}', which is not a page")
            if page.type not in CARD_FIELD_TYPES[card_field]:
                raise ValueError(f"prefill: {card_field} cannot fill a {page.type} page")
        asks_number = any(page.type is FieldType.MY_NUMBER for page in self.pages)
        if asks_number and not (self.legal_basis or "").strip():
            raise ValueError(
                "a 個人番号 may only be asked when legal_basis names the law allowing it"
            )
        if self.id in self.related:
            raise ValueError("a procedure cannot be related to itself")
        if self.fee_units is not None:
            counted = pages.get(self.fee_units)
            if counted is None or counted.type not in (FieldType.COPIES, FieldType.NUMBER):
                raise ValueError(f"fee_units: '{self.fee_units}' is not a copies or number page")
        return self


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    title: LocalizedText


class CatalogError(Exception):
    """A catalog that cannot be used, worded for a municipal clerk; one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Catalog:
    """The procedures one municipality offers, in menu order, with its profile."""

    def __init__(
        self,
        municipality: Municipality,
        procedures: dict[str, Procedure],
        categories: dict[str, Category],
        life_events: dict | None = None,
    ) -> None:
        problems = cross_check(municipality, procedures, categories)
        if problems:
            raise CatalogError(problems)
        self.municipality = municipality
        self.categories = categories
        self.life_events = life_events or {}  # id -> core.life_events.LifeEvent
        self._procedures = procedures

    @property
    def content_version(self) -> str:
        """A hash of everything the kiosk shows and asks; sync compares it with the backend's."""
        content = {
            "municipality": self.municipality.model_dump(mode="json"),
            "categories": {
                k: c.model_dump(mode="json") for k, c in sorted(self.categories.items())
            },
            "procedures": {
                k: p.model_dump(mode="json") for k, p in sorted(self._procedures.items())
            },
            "life_events": {
                k: e.model_dump(mode="json") for k, e in sorted(self.life_events.items())
            },
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def procedures(self) -> list[Procedure]:
        return [self._procedures[pid] for pid in self.municipality.enabled_procedures]

    def all_procedures(self) -> list[Procedure]:
        return [self._procedures[pid] for pid in sorted(self._procedures)]

    def all_procedures_by_id(self) -> dict[str, Procedure]:
        return dict(self._procedures)

    def procedure(self, procedure_id: str) -> Procedure:
        if procedure_id not in self.municipality.enabled_procedures:
            raise KeyError(f"procedure {procedure_id!r} is not offered here")
        return self._procedures[procedure_id]

    def counter_for(self, procedure: Procedure) -> Counter:
        return self.municipality.counters[procedure.counter]

    def fee_for(self, procedure: Procedure) -> int | None:
        return self.municipality.fees.get(procedure.fee) if procedure.fee else None

    @classmethod
    def load(cls, municipality_id: str) -> Catalog:
        from core.catalog_files import load_catalog  # files and parsing live there

        return load_catalog(municipality_id)


def cross_check(
    municipality: Municipality, procedures: dict[str, Procedure], categories: dict[str, Category]
) -> list[str]:
    """What no single file can know: references between files."""
    where = f"municipality {municipality.id}"
    problems = [
        f"{where}: enabled_procedures: '{pid}' is not a procedure in the catalog"
        for pid in municipality.enabled_procedures
        if pid not in procedures
    ]
    for procedure in procedures.values():
        here = f"procedure {procedure.id}"
        if procedure.category not in categories:
            problems.append(f"{here}: category: '{procedure.category}' is not a known category")
        if procedure.id in municipality.enabled_procedures:
            if procedure.counter not in municipality.counters:
                problems.append(
                    f"{here}: counter: '{procedure.counter}' is not a counter of {where}"
                )
            if procedure.fee and procedure.fee not in municipality.fees:
                problems.append(f"{here}: fee: '{procedure.fee}' has no amount in {where}")
        problems += [
            f"{here}: related: '{other}' is not a procedure in the catalog"
            for other in procedure.related
            if other not in procedures
        ]
        problems += [
            f"{here}: page '{page.id}': outside: '{page.outside}' is not a procedure in the catalog"
            for page in procedure.pages
            if page.outside and page.outside not in procedures
        ]
    return problems
