"""The field rules: total on any input, idempotent on what they store, right on the hard cases."""

from __future__ import annotations

import json
import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.catalog import FieldType, Option, Page
from core.i18n import TITLE_LANGUAGES, UiText
from core.validators import FieldResult, Invalid, Valid, my_number_check_digit, validate
from core.wareki import ERAS, to_wareki, wareki_parts

REPO = Path(__file__).resolve().parents[1]
MESSAGES = tomllib.loads((REPO / "assets" / "i18n" / "validation.toml").read_text("utf-8"))
UI = UiText.load()
TODAY = date(2026, 11, 26)
VALID_MY_NUMBER = "621498320257"
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def page(kind: str, **fields: object) -> Page:
    extra: dict[str, object] = {}
    if kind in ("single_choice", "multiple_choice"):
        extra["options"] = [
            Option(value=value, label={"ja": value}) for value in ("paper", "card", "phone")
        ]
    if kind == "number":
        extra.update(minimum=0, maximum=20)
    return Page(id="field", type=kind, question={"ja": "質問"}, **{**extra, **fields})


def check(field_page: Page, raw: object) -> FieldResult:
    """validate() must answer, never raise or log a failed rule, and store a fixed point."""
    with no_rule_failures():
        result = validate(field_page, raw, TODAY)
        assert isinstance(result, Valid | Invalid)
        if isinstance(result, Valid):
            json.dumps(result.value, ensure_ascii=False)
            assert validate(field_page, result.value, TODAY) == result
        else:
            assert_message_is_shown_in_every_language(result)
    return result


@contextmanager
def no_rule_failures() -> Iterator[None]:
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("core.validators")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not records, [record.getMessage() for record in records]


def assert_message_is_shown_in_every_language(result: Invalid) -> None:
    for language in TITLE_LANGUAGES:
        message = UI.get(result.message_key, language, **dict(result.values))
        assert message.strip()
        assert not re.search(r"\{\w*\}", message), (result.message_key, language, message)


def value_of(result: FieldResult) -> object:
    assert isinstance(result, Valid), result
    return result.value


def refused(result: FieldResult, key: str) -> dict[str, object]:
    assert isinstance(result, Invalid), result
    assert result.message_key == key, result
    return dict(result.values)


# -- properties: every field type, any input ------------------------------------------------

KINDS = [kind.value for kind in FieldType]
PAGES = [
    *(page(kind) for kind in KINDS),
    *(page(kind, required=False) for kind in KINDS if kind != "consent"),
    page("date", earliest=date(2019, 5, 1), latest_is_today=True),
    page("multiple_choice", minimum=2, maximum=2),
    page("text", max_length=5),
]

TRICKY = [
    "\x00",
    "\t",
    "\n",
    "\r",
    "\u2028",
    "\u202e",
    "\ufeff",
    "\u200b",
    "\u3000",
    "\U000e0100",
    "\ufe00",
    "\u0301",
    "𠮷",
    "葛",
    "ｻ",
    "ﾞ",
    "ー",
    "－",
    "−",
    "０",
    "9",
    "㍼",
    "元",
    "年",
    "月",
    "日",
    "/",
    "-",
    "S",
    "ヴ",
    "ゔ",
    "ゝ",
    "〒",
    "(",
    "+",
]
characters = st.one_of(st.characters(), st.characters(categories=["Cs"]), st.sampled_from(TRICKY))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(characters),
    st.binary(),
    st.dates(),
    st.datetimes(),
)
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(
            st.sampled_from(["era", "year", "month", "day", "code"]) | st.text(max_size=3),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=8,
)


@pytest.mark.parametrize("field_page", PAGES, ids=lambda p: f"{p.type}-{p.required}")
@PROPERTY
@given(raw=anything)
def test_any_input_gets_an_answer_and_stored_values_validate_to_themselves(field_page, raw):
    check(field_page, raw)


def with_separators(digits: str, separators: str = " -‐−ー－") -> st.SearchStrategy[str]:
    """The digits as a resident might type them: full-width or not, with separators."""
    full_width = digits.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    return st.tuples(
        st.sampled_from([digits, full_width]), st.sampled_from(separators), st.integers(0, 8)
    ).map(lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :])


def my_numbers() -> st.SearchStrategy[str]:
    first = st.text("0123456789", min_size=11, max_size=11)
    return first.map(lambda d: d + str(my_number_check_digit(d))).flatmap(with_separators)


def date_texts() -> st.SearchStrategy[object]:
    days = st.dates(date(1860, 1, 1), date(2110, 12, 31))
    letters = {name: letter for letter, name in zip("RHSTM", (n for _, n, _ in ERAS), strict=True)}

    def written(day: date, style: int) -> object:
        if day < date(1873, 1, 1) or style == 0:
            return day.isoformat()
        era, year, month, day_of_month = wareki_parts(day)
        if style == 1:
            return to_wareki(day)
        if style == 2:
            return f"{letters[era]}{year}.{month}.{day_of_month}"
        return {"era": era, "year": year, "month": month, "day": day_of_month}

    picker = st.fixed_dictionaries(
        {
            "era": st.sampled_from(["昭和", "平成", "令和", "S", "h", "", None, "天保"]),
            "year": st.integers(-1, 100) | st.just("元"),
            "month": st.integers(0, 13),
            "day": st.integers(0, 32),
        }
    )
    return st.one_of(st.builds(written, days, st.integers(0, 3)), picker, days)


NEAR_VALID: dict[str, st.SearchStrategy[object]] = {
    "kana_name": st.text("アイウァャッヴーｻｲﾄｳﾞあいうゃっゔ 　・A山-", max_size=70),
    "kanji_name": st.text(
        st.sampled_from([*"山田花子髙𠮷葛 　A", "\U000e0100", "\ufe00", "\t"]), max_size=70
    ),
    "date": date_texts(),
    "postal_code": st.sampled_from(["1000001", "4980000", "0600001", "0000000"]).flatmap(
        with_separators
    ),
    "address": st.text("0123456789０１２-ー－−—丁目番地タワーＡA 　", max_size=130),
    "phone": st.sampled_from(["0312345678", "09012345678", "312345678", "0120"]).flatmap(
        with_separators
    ),
    "number": st.integers(-5, 30) | st.integers(-5, 30).map(str) | st.just("１２"),
    "single_choice": st.sampled_from(["paper", "card", "phone", "fax", ""]),
    "multiple_choice": st.lists(st.sampled_from(["paper", "card", "phone", "fax"]), max_size=4),
    "yes_no": st.sampled_from([True, False, "yes", " No ", "maybe", 1]),
    "copies": st.integers(-1, 12) | st.integers(-1, 12).map(str),
    "consent": st.sampled_from([True, False, "yes", 1]),
    "text": st.text(st.sampled_from([*"特になし abc", "\n", "\r", "\x00"]), max_size=210),
    "my_number": my_numbers() | st.text("0123456789", min_size=12, max_size=12),
}


def test_near_valid_strategies_cover_every_field_type():
    assert set(NEAR_VALID) == set(KINDS)


@pytest.mark.parametrize("field_page", PAGES, ids=lambda p: f"{p.type}-{p.required}")
@PROPERTY
@given(data=st.data())
def test_plausible_input_is_normalized_to_a_fixed_point(field_page, data):
    check(field_page, data.draw(NEAR_VALID[field_page.type.value]))


@pytest.mark.parametrize("kind", KINDS)
def test_a_huge_string_is_answered_not_crashed_on(kind):
    for huge in ("ア" * 1_000_000, "1" * 100_000):
        assert isinstance(check(page(kind), huge), Invalid)
    check(page(kind), " " * 100_000 + "x")


# -- blank answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "consent"])
@pytest.mark.parametrize("blank", [None, "", "  ", "\u3000", {"era": None, "year": ""}])
def test_a_blank_optional_answer_is_stored_as_nothing(kind, blank):
    assert check(page(kind, required=False), blank) == Valid(None)


def test_an_empty_selection_is_nothing_when_optional_and_too_few_when_required():
    assert check(page("multiple_choice", required=False), []) == Valid(None)
    assert refused(check(page("multiple_choice"), []), "choices_too_few") == {"low": 1}


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("kana_name", "answer_required"),
        ("date", "answer_required"),
        ("consent", "consent_required"),
        ("yes_no", "yes_no_missing"),
        ("single_choice", "choice_missing"),
    ],
)
def test_a_blank_required_answer_asks_for_one(kind, key):
    refused(check(page(kind), " "), key)


# -- names -----------------------------------------------------------------------------------


def test_half_width_kana_becomes_full_width():
    assert value_of(check(page("kana_name"), "ｻｲﾄｳ")) == "サイトウ"
    assert value_of(check(page("kana_name"), "ｳﾞｧﾝ")) == "ヴァン"


def test_hiragana_is_stored_as_katakana_with_small_kana_kept():
    assert value_of(check(page("kana_name"), "さいとう しょうこ")) == "サイトウ　ショウコ"
    assert value_of(check(page("kana_name"), "ゔぁっきゅ")) == "ヴァッキュ"


def test_kana_spaces_collapse_to_one_ideographic_space():
    assert value_of(check(page("kana_name"), "  ヤマダ \u3000 ハナコ ")) == "ヤマダ　ハナコ"


def test_kana_refusal_names_the_first_character_that_is_not_kana():
    assert refused(check(page("kana_name"), "ヤマダ花子"), "kana_bad_character") == {
        "character": "花"
    }


def test_an_invisible_bad_character_is_named_by_its_code_point():
    assert refused(check(page("kana_name"), "ヤマ\u200bダ"), "kana_bad_character") == {
        "character": "U+200B"
    }


def test_kana_longer_than_the_page_allows_is_refused_with_both_lengths():
    assert refused(check(page("kana_name"), "ア" * 61), "text_too_long") == {
        "limit": 60,
        "length": 61,
    }


def test_kanji_names_keep_characters_outside_shift_jis_exactly():
    for name in ("𠮷田　茂", "葛\U000e0100城　ゆかり", "髙橋　一郎", "NGUYEN　VAN　AN"):
        assert value_of(check(page("kanji_name"), name)).encode() == name.encode()


def test_kanji_names_are_not_normalized():
    # NFKC would turn the compatibility ideograph 﨑 into 崎 and ㈱ into (株).
    assert value_of(check(page("kanji_name"), "山﨑 ㈱")) == "山﨑　㈱"


@pytest.mark.parametrize(
    "space", [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs"]
)
def test_every_kind_of_space_in_a_name_becomes_one_ideographic_space(space):
    assert value_of(check(page("kanji_name"), f"{space}山田{space}{space}花子")) == "山田　花子"


def test_variation_selectors_do_not_count_towards_the_length():
    name = "葛\U000e0100" * 60
    assert value_of(check(page("kanji_name"), name)) == name
    refused(check(page("kanji_name"), "葛" * 61), "text_too_long")


def test_a_name_of_variation_selectors_alone_is_no_name():
    refused(check(page("kanji_name"), "\U000e0100"), "answer_required")


@pytest.mark.parametrize("control", ["\x00", "\t", "\n", "\u202e", "\u2028"])
def test_control_characters_in_a_name_are_refused(control):
    refused(check(page("kanji_name"), f"山田{control}花子"), "text_bad_character")


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("昭和64年1月7日", "1989-01-07"),
        ("令和元年5月1日", "2019-05-01"),
        ("S64.1.7", "1989-01-07"),
        ("s64/1/7", "1989-01-07"),
        ("R1/5/1", "2019-05-01"),
        ("R元/5/1", "2019-05-01"),
        ("1989/1/7", "1989-01-07"),
        ("1989年1月7日", "1989-01-07"),
        ("１９８９／１／７", "1989-01-07"),
        ("昭和６４年１月７日", "1989-01-07"),
        ("㍼64年1月7日", "1989-01-07"),
        (" 平成 元年 1月 8日 ", "1989-01-08"),
        ("1989-01-07", "1989-01-07"),
        ("19890107", "1989-01-07"),  # the My Number Card's birth date
        ("大正15年12月24日", "1926-12-24"),
        (date(1989, 1, 7), "1989-01-07"),
        (datetime(1989, 1, 7, 12, 30), "1989-01-07"),
        ({"era": "昭和", "year": 64, "month": 1, "day": 7}, "1989-01-07"),
        ({"era": "R", "year": "元", "month": 5, "day": 1}, "2019-05-01"),
        ({"era": None, "year": 1989, "month": "1", "day": "7"}, "1989-01-07"),
        ({"year": "1989", "month": 1, "day": 7}, "1989-01-07"),
    ],
)
def test_dates_in_every_accepted_form_are_stored_as_iso(raw, expected):
    assert value_of(check(page("date"), raw)) == expected


def test_showa_64_january_7_is_the_last_showa_day():
    assert value_of(check(page("date"), "昭和64年1月7日")) == "1989-01-07"


def test_showa_64_january_8_is_refused_naming_heisei_gannen():
    values = refused(check(page("date"), "昭和64年1月8日"), "date_outside_era")
    assert values["right_wareki"] == "平成元年1月8日"
    assert values["given"] == "昭和64年1月8日"


def test_heisei_31_april_30_is_accepted_and_may_1_is_reiwa_gannen():
    assert value_of(check(page("date"), "平成31年4月30日")) == "2019-04-30"
    values = refused(check(page("date"), "平成31年5月1日"), "date_outside_era")
    assert values["right_wareki"] == "令和元年5月1日"


def test_showa_65_is_rejected_with_the_last_showa_year():
    values = refused(check(page("date"), "昭和65年3月1日"), "date_era_year_too_large")
    assert (values["era"], values["last_year"], values["last"]) == ("昭和", 64, "1989年1月7日")
    message = UI.get("date_era_year_too_large", "ja", **values)
    assert message == "昭和は64年（1989年1月7日）までです。年をお確かめください。"


@pytest.mark.parametrize(("raw", "last_year"), [("平成32年1月1日", 31), ("大正16年1月1日", 15)])
def test_other_years_past_their_era_are_rejected_with_the_last_year(raw, last_year):
    assert refused(check(page("date"), raw), "date_era_year_too_large")["last_year"] == last_year


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2024-02-29", "2024-02-29"),
        ("2023-02-29", None),
        ("2000/2/29", "2000-02-29"),  # divisible by 400
        ("1900/2/29", None),  # divisible by 100 only
        ("平成4年2月29日", "1992-02-29"),
        ("平成5年2月29日", None),
    ],
)
def test_february_29_on_leap_and_common_years(raw, stored):
    result = check(page("date"), raw)
    if stored:
        assert value_of(result) == stored
    else:
        assert refused(result, "date_no_such_day") == {"month": 2, "day": 29, "last_day": 28}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("2月30日", "date_unreadable"),
        ("2023-02-30", "date_no_such_day"),
        ("2023-13-01", "date_no_such_month"),
        ("1872-12-31", "date_before_supported"),
        ("明治5年12月2日", "date_before_supported"),
        ("2101-01-01", "date_after_supported"),
        ("令和83年1月1日", "date_after_supported"),
        ("Q5.1.1", "date_unreadable"),
        ({"era": "天保", "year": 3, "month": 1, "day": 1}, "date_era_unknown"),
        ({"era": "昭和", "year": 0, "month": 1, "day": 1}, "date_era_year_too_small"),
        ({"era": "昭和", "year": 50, "month": 1}, "date_unreadable"),
        (19890107, "date_unreadable"),
    ],
)
def test_impossible_dates_are_refused_with_distinct_messages(raw, key):
    refused(check(page("date"), raw), key)


def test_a_date_before_the_earliest_allowed_is_refused_naming_it():
    bounded = page("date", earliest=date(2019, 5, 1))
    assert value_of(check(bounded, "令和元年5月1日")) == "2019-05-01"
    values = refused(check(bounded, "平成31年4月30日"), "date_too_early")
    assert values["earliest_wareki"] == "令和元年5月1日"


def test_a_future_date_is_refused_when_the_page_says_so_using_the_given_today():
    birth = page("date", latest_is_today=True)
    assert value_of(check(birth, TODAY.isoformat())) == TODAY.isoformat()
    values = refused(check(birth, "2026-11-27"), "date_in_future")
    assert values["today_wareki"] == "令和8年11月26日"
    assert isinstance(check(page("date"), "2030-01-01"), Valid)


# -- postal codes, addresses, phones ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["100-0001", "1000001", "１００－０００１", "100ー0001", "〒100 0001"]
)
def test_postal_codes_in_any_writing_find_their_address(raw):
    assert value_of(check(page("postal_code"), raw)) == {
        "code": "1000001",
        "candidates": [{"prefecture": "東京都", "city": "千代田区", "town": "千代田"}],
    }


def test_a_postal_code_shared_by_two_prefectures_returns_both():
    stored = value_of(check(page("postal_code"), "498-0000"))
    prefectures = [candidate["prefecture"] for candidate in stored["candidates"]]
    assert sorted(prefectures) == ["三重県", "愛知県"]


def test_an_unknown_postal_code_asks_to_check_it():
    assert refused(check(page("postal_code"), "000-0000"), "postal_code_unknown") == {
        "code": "000-0000"
    }


@pytest.mark.parametrize("raw", ["100-001", "abc-defg", 1000001, "100-00011"])
def test_a_postal_code_without_seven_digits_is_refused(raw):
    refused(check(page("postal_code"), raw), "postal_code_format")


def test_postal_codes_are_looked_up_from_worker_threads():
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda raw: validate(page("postal_code"), raw), ["100-0001"] * 4))
    assert all(isinstance(result, Valid) for result in results)


@pytest.mark.parametrize("raw", ["１－２－３", "1ー2ー3", "1−2—3", "１‐２ｰ3", "1─2–3", " 1-2-3 "])
def test_address_digits_and_dashes_are_unified(raw):
    assert value_of(check(page("address"), raw)) == "1-2-3"


def test_address_keeps_kana_kanji_and_the_long_vowel_mark_as_typed():
    raw = "梅田３ー１ー１\u3000グランフロント大阪タワーＡ　 28階 ｸﾞﾗﾝ"
    expected = "梅田3-1-1 グランフロント大阪タワーA 28階 ｸﾞﾗﾝ"
    assert value_of(check(page("address"), raw)) == expected


@pytest.mark.parametrize(
    "raw", ["03-1234-5678", "(03) 1234 5678", "０３－１２３４－５６７８", "0312345678"]
)
def test_phone_numbers_with_hyphens_and_brackets_are_stored_as_digits(raw):
    assert value_of(check(page("phone"), raw)) == "0312345678"


def test_a_mobile_number_in_international_form_is_stored_as_a_domestic_one():
    assert value_of(check(page("phone"), "+81 90-1234-5678")) == "09012345678"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("03-1234-567", "phone_length_landline"),
        ("090-1234-56789", "phone_length_mobile"),
        ("01", "phone_wrong_length"),  # too short to tell 0120 from a landline
        ("3-1234-56789", "phone_must_start_with_zero"),
        ("03-1234-ABCD", "phone_not_digits"),
        (312345678, "phone_not_digits"),
    ],
)
def test_impossible_phone_numbers_are_refused(raw, key):
    refused(check(page("phone"), raw), key)


# -- numbers and choices ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [(3, 3), ("3", 3), ("１２", 12), (" 0 ", 0), (4.0, 4)]
)
def test_whole_numbers_are_stored_as_int(raw, expected):
    assert value_of(check(page("number"), raw)) == expected


@pytest.mark.parametrize("raw", ["many", "3.5", 3.5, True, "٣", float("nan")])
def test_what_is_not_a_whole_number_is_refused(raw):
    refused(check(page("number"), raw), "number_not_a_number")


def test_numbers_and_copies_out_of_range_name_the_range():
    assert refused(check(page("number"), 21), "number_out_of_range") == {"low": 0, "high": 20}
    assert refused(check(page("copies"), 11), "copies_out_of_range") == {"low": 1, "high": 10}
    assert value_of(check(page("copies", maximum=3), "3")) == 3


def test_single_choice_accepts_only_its_options():
    assert value_of(check(page("single_choice"), "card")) == "card"
    refused(check(page("single_choice"), "fax"), "choice_not_an_option")
    refused(check(page("single_choice"), ["card"]), "choice_not_an_option")


def test_multiple_choices_are_stored_in_the_options_order():
    assert value_of(check(page("multiple_choice"), ("phone", "paper"))) == ["paper", "phone"]


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (["paper", "fax"], "choice_not_an_option"),
        (["paper", "paper"], "choices_repeated"),
        ("paper", "choice_not_an_option"),
        (["paper", "card", "phone"], "choices_too_many"),
    ],
)
def test_impossible_selections_are_refused(raw, key):
    refused(check(page("multiple_choice", maximum=2), raw), key)


@pytest.mark.parametrize(
    ("raw", "expected"), [(True, True), (False, False), ("yes", True), ("No", False)]
)
def test_yes_no_is_stored_as_a_bool(raw, expected):
    assert value_of(check(page("yes_no"), raw)) is expected


def test_consent_is_only_an_explicit_true():
    assert value_of(check(page("consent"), True)) is True
    for raw in (False, "yes", 1, "true"):
        refused(check(page("consent"), raw), "consent_required")


def test_free_text_keeps_newlines_and_refuses_other_controls():
    assert value_of(check(page("text"), "  一行目\r\n二行目\u2029 ")) == "一行目\n二行目"
    assert refused(check(page("text"), "\x00"), "text_bad_character") == {"character": "U+0000"}


# -- 個人番号 ----------------------------------------------------------------------------------


def test_the_documented_my_number_is_valid_in_any_writing():
    for raw in (VALID_MY_NUMBER, "6214-9832-0257", "６２１４ ９８３２ ０２５７"):
        assert value_of(check(page("my_number"), raw)) == VALID_MY_NUMBER


def test_a_wrong_check_digit_is_refused_without_echoing_the_number():
    result = check(page("my_number"), "621498320258")
    assert refused(result, "my_number_check_digit") == {}
    for language in TITLE_LANGUAGES:
        message = UI.get(result.message_key, language, **dict(result.values))
        assert not re.search(r"\d{4}", message)
    assert "6214" not in repr(result) and "6214" not in repr(
        check(page("my_number"), "621498320257")
    )


@pytest.mark.parametrize("raw", ["62149832025", "6214983202570", "62149832025X", 621498320257])
def test_a_my_number_without_twelve_digits_is_refused_without_values(raw):
    assert refused(check(page("my_number"), raw), "my_number_format") == {}


@pytest.mark.parametrize(("first_eleven", "check_digit"), [("62149832025", 7), ("00000000000", 0)])
def test_the_check_digit_follows_the_weights_in_domain_md(first_eleven, check_digit):
    assert my_number_check_digit(first_eleven) == check_digit


# -- the fictional residents -----------------------------------------------------------------


def test_residents_names_are_kept_byte_exact(residents):
    for resident in residents:
        stored = value_of(check(page("kanji_name"), resident["name"]))
        assert stored.encode() == resident["name"].replace(" ", "\u3000").encode()
    names = {r["id"]: value_of(check(page("kanji_name"), r["name"])) for r in residents}
    assert names["r04"].startswith("𠮷") and names["r05"].startswith("葛\U000e0100")


def test_residents_readings_are_kept_with_their_small_kana(residents):
    for resident in residents:
        stored = value_of(check(page("kana_name"), resident["kana"]))
        assert stored == resident["kana"].replace(" ", "\u3000")
    assert "ョ" in value_of(check(page("kana_name"), residents[2]["kana"]))


def test_residents_birth_dates_round_trip_through_wareki(residents):
    for resident in residents:
        birth = date.fromisoformat(resident["birth"])
        era, year, month, day = wareki_parts(birth)
        picker = {"era": era, "year": year, "month": month, "day": day}
        for raw in (to_wareki(birth), picker, resident["birth"]):
            assert value_of(check(page("date", latest_is_today=True), raw)) == resident["birth"]


def test_residents_postal_codes_offer_their_address(residents):
    for resident in residents:
        stored = value_of(check(page("postal_code"), resident["postal"]))
        assert stored["code"] == resident["postal"].replace("-", "")
        assert any(
            resident["address"].startswith(c["prefecture"] + c["city"])
            for c in stored["candidates"]
        ), resident["id"]


def test_residents_addresses_including_the_long_one_are_kept(residents):
    for resident in residents:
        assert value_of(check(page("address"), resident["address"])) == resident["address"]
    longest = max((r["address"] for r in residents), key=len)
    refused(check(page("address", max_length=len(longest) - 1), longest), "text_too_long")


# -- messages --------------------------------------------------------------------------------

ONE_OF_EACH_MESSAGE: list[tuple[Page, object]] = [
    (page("text"), None),
    (page("kana_name"), b"\xe3\x82\xa2"),
    (page("text"), "x" * 201),
    (page("text"), "\x07"),
    (page("kana_name"), "A"),
    (page("date"), "yesterday"),
    (page("date"), {"era": "X", "year": 1, "month": 1, "day": 1}),
    (page("date"), "昭和0年1月1日"),
    (page("date"), "昭和65年1月1日"),
    (page("date"), "平成31年5月1日"),
    (page("date"), "2020-13-01"),
    (page("date"), "2021-02-29"),
    (page("date"), "1800-01-01"),
    (page("date"), "2200-01-01"),
    (page("date", earliest=date(2000, 1, 1)), "1999-12-31"),
    (page("date", latest_is_today=True), "2030-01-01"),
    (page("date", days_before_today=14, days_after_today=14), "2000-01-01"),
    (page("date", latest=date(2000, 1, 1)), "2001-01-01"),
    (Page(id="field", type="number", question={"ja": "年度"}, fiscal_years={"last": 5}), 1990),
    (page("postal_code"), "12"),
    (page("postal_code"), "0000000"),
    (page("phone"), "abc"),
    (page("phone"), "1234567890"),
    (page("phone"), "0123"),
    (page("phone"), "01"),
    (page("phone"), "090-1234-567"),
    (page("phone"), "050-123-4567"),
    (page("phone"), "0120-123-4567"),
    (page("phone"), "0990-123-456"),
    (page("number"), "x"),
    (page("number"), 99),
    (page("copies"), 0),
    (page("single_choice"), None),
    (page("single_choice"), "x"),
    (page("multiple_choice"), ["card", "card"]),
    (page("multiple_choice", minimum=2), ["card"]),
    (page("multiple_choice", maximum=1), ["card", "paper"]),
    (page("yes_no"), "maybe"),
    (page("consent"), False),
    (page("my_number"), "123"),
    (page("my_number"), "621498320258"),
]


# Produced by the flow, which knows the municipality's ground (tests/test_flow.py).
FLOW_MESSAGES = {"postal_code_outside", "address_outside"}


def test_every_message_is_used_and_every_used_message_exists():
    produced = set()
    for field_page, raw in ONE_OF_EACH_MESSAGE:
        result = check(field_page, raw)
        assert isinstance(result, Invalid), (field_page.type, raw)
        produced.add(result.message_key)
    assert produced == set(MESSAGES) - FLOW_MESSAGES


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_every_kiosk_language(key):
    assert set(MESSAGES[key]) == set(TITLE_LANGUAGES)
    placeholders = {
        language: set(re.findall(r"\{(\w+)\}", text)) for language, text in MESSAGES[key].items()
    }
    assert all(text.strip() for text in MESSAGES[key].values())
    assert key in UI  # loads next to ui.toml without a clash of names
    assert all(name.isidentifier() for names in placeholders.values() for name in names)


def test_the_era_message_from_the_brief_reads_as_written():
    values = dict(refused(check(page("date"), "S65.1.1"), "date_era_year_too_large"))
    assert UI.get("date_era_year_too_large", "en", **values).startswith("The Shōwa era (昭和)")
