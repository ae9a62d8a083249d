"""Japanese phone numbers by the numbering plan: which are valid, what a resident is told about
the others, and how each reads back with its hyphens (core.phone, through core.validators)."""

from __future__ import annotations

import pytest

from core.catalog import FieldType, Page
from core.fields import display_value
from core.i18n import LocalizedText, UiText
from core.phone import PhoneKind, classify, entry_groups, entry_length, format_phone
from core.validators import Invalid, Valid, validate

PHONE = Page(id="phone", type=FieldType.PHONE, question=LocalizedText.of(ja="電話番号は"))
UI = UiText.load()

# (as typed, stored digits, as shown to a person, kind)
VALID = [
    ("03-1234-5678", "0312345678", "03-1234-5678", PhoneKind.LANDLINE),  # 東京 (2-digit area)
    ("06 6123 4567", "0661234567", "06-6123-4567", PhoneKind.LANDLINE),  # 大阪
    ("011-222-3333", "0112223333", "011-222-3333", PhoneKind.LANDLINE),  # 札幌 (3-digit)
    ("0771234567", "0771234567", "0771-23-4567", PhoneKind.LANDLINE),  # 亀岡 0771 (4-digit)
    ("077-512-3456", "0775123456", "077-512-3456", PhoneKind.LANDLINE),  # 大津 077 (3-digit)
    ("0422-51-5131", "0422515131", "0422-51-5131", PhoneKind.LANDLINE),  # 武蔵野 (4-digit)
    ("01267-2-3456", "0126723456", "01267-2-3456", PhoneKind.LANDLINE),  # 岩見沢 (5-digit)
    ("090-1234-5678", "09012345678", "090-1234-5678", PhoneKind.MOBILE),
    ("080 1234 5678", "08012345678", "080-1234-5678", PhoneKind.MOBILE),
    ("０７０－１２３４－５６７８", "07012345678", "070-1234-5678", PhoneKind.MOBILE),
    ("+81 90-1234-5678", "09012345678", "090-1234-5678", PhoneKind.MOBILE),
    ("050-1234-5678", "05012345678", "050-1234-5678", PhoneKind.IP),
    ("0120-123-456", "0120123456", "0120-123-456", PhoneKind.TOLL_FREE),
    ("0800-123-4567", "08001234567", "0800-123-4567", PhoneKind.TOLL_FREE),
    ("0570-123-456", "0570123456", "0570-123-456", PhoneKind.SERVICE),
]

# (as typed, message key, values the message names)
INVALID = [
    ("077-1234-5678", "phone_length_landline", {"length": 11}),  # the example
    ("03-1234-567", "phone_length_landline", {"length": 9}),
    ("090-1234-567", "phone_length_mobile", {"prefix": "090", "length": 10}),
    ("080-1234-56789", "phone_length_mobile", {"prefix": "080", "length": 12}),
    ("050-123-4567", "phone_length_ip", {"length": 10}),
    ("0120-123-4567", "phone_length_service", {"prefix": "0120", "expected": 10}),
    ("0800-123-456", "phone_length_service", {"prefix": "0800", "expected": 11}),
    ("0990-123-456", "phone_not_a_contact", {"prefix": "0990"}),
    ("020-1234-5678", "phone_not_a_contact", {"prefix": "020"}),
    ("010-1-212-555-0100", "phone_not_a_contact", {"prefix": "010"}),
    ("0", "phone_wrong_length", {"length": 1}),
    ("012", "phone_wrong_length", {"length": 3}),  # 0120 or a landline: not yet known
    ("3-1234-5678", "phone_must_start_with_zero", {}),
    ("03-1234-ABCD", "phone_not_digits", {}),
]


@pytest.mark.parametrize(("typed", "digits", "shown", "kind"), VALID)
def test_valid_numbers_are_stored_as_digits_and_shown_hyphenated_by_the_plan(
    typed, digits, shown, kind
):
    assert validate(PHONE, typed) == Valid(digits)
    assert format_phone(digits) == shown
    assert display_value(PHONE, digits, "ja", UI) == shown
    known = classify(digits)
    assert known is not None and known.kind is kind and known.length == len(digits)


@pytest.mark.parametrize(("typed", "key", "values"), INVALID)
def test_invalid_numbers_say_what_the_plan_expects(typed, key, values):
    result = validate(PHONE, typed)
    assert isinstance(result, Invalid) and result.message_key == key, result
    assert values.items() <= dict(result.values).items()
    for language in ("ja", "ja-easy", "en"):
        assert UI.get(key, language, **dict(result.values))  # every placeholder is given


def test_a_number_that_is_not_whole_reads_back_exactly_as_stored():
    for stored in ("077123456", "0990123456", "abc", "", "09012345678901"):
        assert format_phone(stored) == stored


@pytest.mark.parametrize(
    ("typed", "groups", "length"),
    [
        ("", (3, 4, 4), 11),  # nothing known yet: room for the longest
        ("0", (3, 4, 4), 11),
        ("03", (3, 4, 4), 11),  # 030 (unassigned) or Tokyo 03: one digit more tells
        ("031", (2, 4, 4), 10),
        ("0771", (4, 2, 4), 10),
        ("0775", (3, 3, 4), 10),
        ("012", (3, 4, 4), 11),
        ("0120", (4, 3, 3), 10),
        ("090", (3, 4, 4), 11),
        ("080", (3, 4, 4), 11),  # 080 mobile or 0800 toll-free: both 11
    ],
)
def test_the_pad_groups_as_the_digits_tell_and_stops_at_the_kinds_length(typed, groups, length):
    assert entry_groups(typed) == groups
    assert entry_length(typed) == length
