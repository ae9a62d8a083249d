"""The catalog's page model: one question per page, its type and the rules it carries.

Split from core.catalog (which re-exports every name here): a page knows its own rules; a
procedure (core.catalog) knows how its pages refer to each other.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.conditions import Condition
from core.date_picking import DateOpening
from core.i18n import LocalizedText
from core.identifier import Identifier

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
    # Short words for the review, the receipt's fee lines and staff (戸籍謄本), where the
    # label explains more than a line has room for. The label when absent.
    review_label: LocalizedText | None = None

    @property
    def short_label(self) -> LocalizedText:
        return self.review_label or self.label


class Derivation(BaseModel):
    """An answer the kiosk gives itself, instead of asking, when `when` holds over what is
    already known (earlier answers, the card): "65歳以上の方は" is いいえ for a resident of 37
    who moved alone. Every field the condition reads must be answered for it to count."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str | bool | int
    when: Condition


class FiscalYears(BaseModel):
    """The 年度 a number page offers: the last `last` fiscal years, counted from today.

    A 年度 runs from 1 April to 31 March (2026年度 = 令和8年度: 2026-04-01 … 2027-03-31). A
    certificate of a 年度 exists only once that year's tax is assessed: `new_from_month` is the
    month whose first day the newest 年度 is first offered (課税・所得証明書: June, after the
    当初課税; 4 where the 年度 counts from its first day)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    last: int = Field(ge=1, le=20)
    new_from_month: int = Field(4, ge=4, le=12)


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
    latest: date | None = None  # date fields: no later date is accepted
    # date fields, "not in the future": no date after today (birth dates, a move made).
    latest_is_today: bool = False
    # date fields, "within N days before/after today": no date more than N days before today
    # (after today). All bounds a page gives hold together; core.date_rules computes the days
    # they leave for a given today, the one definition the validator, the picker and the
    # messages share.
    days_before_today: int | None = Field(None, ge=0, le=36_500)
    days_after_today: int | None = Field(None, ge=0, le=36_500)
    # date fields, "at least N days from today": no date before today + N (a booking's lead
    # time: 粗大ごみ is collected a week after it is booked at the earliest).
    earliest_days_after_today: int | None = Field(None, ge=0, le=36_500)
    # number fields: the answer is a 年度 (fiscal year, 西暦) among the last ones, counted from
    # today, instead of a fixed minimum/maximum that would need a yearly edit.
    fiscal_years: FiscalYears | None = None
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
        if self.fiscal_years is not None:
            if kind is not FieldType.NUMBER:
                raise ValueError(f"fiscal_years is for number pages, not {kind}")
            if self.minimum is not None or self.maximum is not None:
                raise ValueError(
                    "fiscal_years counts the years from today: leave out minimum and maximum"
                )
        elif kind is FieldType.NUMBER and (self.minimum is None or self.maximum is None):
            raise ValueError("a number page needs both minimum and maximum (or fiscal_years)")
        self._check_date_bounds()
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

    def _check_date_bounds(self) -> None:
        bounds = {
            "earliest": self.earliest,
            "latest": self.latest,
            "latest_is_today": self.latest_is_today or None,
            "days_before_today": self.days_before_today,
            "days_after_today": self.days_after_today,
            "earliest_days_after_today": self.earliest_days_after_today,
        }
        given = [name for name, value in bounds.items() if value is not None]
        if given and self.type is not FieldType.DATE:
            raise ValueError(f"{', '.join(given)}: for date fields, not {self.type}")
        if self.latest_is_today and self.days_after_today is not None:
            raise ValueError(
                "latest_is_today (not in the future) and days_after_today both set the latest"
                " day: keep one"
            )
        if self.days_before_today is not None and self.earliest_days_after_today is not None:
            raise ValueError(
                "days_before_today and earliest_days_after_today both set the earliest day:"
                " keep one"
            )
        ahead = (self.earliest_days_after_today, self.days_after_today)
        if None not in ahead and ahead[0] > ahead[1]:
            raise ValueError(
                f"earliest_days_after_today {ahead[0]} is more than days_after_today {ahead[1]}"
                " (no day would be left)"
            )
        if self.earliest and self.latest and self.earliest > self.latest:
            raise ValueError(f"earliest {self.earliest} is after latest {self.latest}")

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


# A member's pages are asked as "{page}#{n}" (n from 1) and the question to add one more as
# "{group}#more": ids a catalog cannot use ('#' is not in an Identifier), so they never clash.
MEMBER_MARK = "#"


def member_page_id(page_id: str, number: int) -> str:
    return f"{page_id}{MEMBER_MARK}{number}"


def more_page_id(group_id: str) -> str:
    return f"{group_id}{MEMBER_MARK}more"


def is_more_page(page_id: str) -> bool:
    """Whether a laid-out page is a group's 「ほかにも…いますか」."""
    return page_id.endswith(f"{MEMBER_MARK}more")


class Group(BaseModel):
    """Pages asked once per member — each person who moved, each child, each item — as the
    paper form has a row per person. The group's answer is a list of objects, one per member
    (page id → answer), under the group's id; its pages are ordinary [[pages]] entries, next
    to each other, asked where the first of them stands."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    pages: tuple[Identifier, ...] = Field(min_length=1)
    minimum: int = Field(1, ge=1, le=20)
    maximum: int = Field(ge=1, le=20)
    # Above each member's questions and on the review: 「{n}人目の方」, 「{n}点目」.
    member_label: LocalizedText
    # Asked after each member while fewer than maximum: 「ほかにも一緒に引っ越してきた方は
    # いますか」 (はい → the next member's pages, いいえ → on).
    add_question: LocalizedText
    # The group's name on the review, the console and the staff PDF (異動した方).
    review_label: LocalizedText
    # The My Number Card fills these pages of the first member only (the card's holder).
    prefill: dict[CardField, Identifier] = {}
    # The first member is the applicant, unless a proxy applies: these of the group's pages
    # take the answers of the procedure's own pages asked before (mover_name = "name"), so
    # nobody types their own name twice. The resident can still change them.
    first_from: dict[Identifier, Identifier] = {}

    @model_validator(mode="after")
    def _bounds(self) -> Group:
        if self.minimum > self.maximum:
            raise ValueError(
                f"minimum {self.minimum} is larger than maximum {self.maximum}"
                " (allowed: minimum ≤ maximum, both 1 to 20)"
            )
        if len(set(self.pages)) != len(self.pages):
            raise ValueError("pages: a page is listed twice")
        for language, text in self.member_label.root.items():
            if "{n}" not in text:
                raise ValueError(
                    f"member_label.{language}: '{text}' has no {{n}} (the member's number)"
                )
        return self

    def label_for(self, number: int) -> LocalizedText:
        """「2人目の方」: the member's label in every language."""
        return LocalizedText(
            {
                lang: text.replace("{n}", str(number))
                for lang, text in self.member_label.root.items()
            }
        )
