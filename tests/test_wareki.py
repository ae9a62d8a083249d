from datetime import date, timedelta

import pytest

from core.wareki import (
    ERAS,
    FIRST_SUPPORTED,
    LAST_SUPPORTED,
    WarekiError,
    format_wareki,
    parse_wareki,
    to_wareki,
    wareki_parts,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(2026, 11, 26), "令和8年11月26日"),
    ],
)
def test_era_boundaries(day, expected):
    assert to_wareki(day) == expected


def test_resident_birth_dates_format(residents):
    for resident in residents:
        assert to_wareki(date.fromisoformat(resident["birth"]))[:2] in {
            "大正",
            "昭和",
            "平成",
            "令和",
        }


# -- entry: parse_wareki, wareki_parts and the refusals that tell the resident what was meant


def test_every_day_round_trips_between_wareki_and_gregorian():
    day, last, one_day = FIRST_SUPPORTED, LAST_SUPPORTED, timedelta(days=1)
    count = 0
    while day <= last:
        era, year, month, day_of_month = wareki_parts(day)
        assert parse_wareki(era, year, month, day_of_month) == day
        assert to_wareki(day) == format_wareki(era, year, month, day_of_month)
        day += one_day
        count += 1
    assert count == (LAST_SUPPORTED - FIRST_SUPPORTED).days + 1 == 83_275


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("昭和", 64, 1, 7), date(1989, 1, 7)),
        (("平成", 31, 4, 30), date(2019, 4, 30)),
        (("大正", 15, 12, 24), date(1926, 12, 24)),
        (("明治", 45, 7, 29), date(1912, 7, 29)),
        (("明治", 6, 1, 1), date(1873, 1, 1)),
        (("令和", 82, 12, 31), date(2100, 12, 31)),
    ],
)
def test_the_last_and_first_days_of_eras_are_accepted(parts, expected):
    assert parse_wareki(*parts) == expected


@pytest.mark.parametrize(
    ("era", "year"),
    [
        ("平成", "元"),
        ("平成", 1),
        ("平成", "1"),
        ("H", "元"),
        ("h", 1),
        ("Ｈ", "元年"),
        ("㍻", "１"),
    ],
)
def test_gannen_and_era_letters_in_either_case_name_the_same_day(era, year):
    assert parse_wareki(era, year, 1, 8) == date(1989, 1, 8)


@pytest.mark.parametrize(
    ("parts", "era", "last_year", "last"),
    [
        (("昭和", 65, 1, 1), "昭和", 64, "1989年1月7日"),
        (("平成", 32, 1, 1), "平成", 31, "2019年4月30日"),
        (("大正", 16, 1, 1), "大正", 15, "1926年12月24日"),
        (("明治", 46, 1, 1), "明治", 45, "1912年7月29日"),
    ],
)
def test_a_year_past_the_era_is_refused_naming_its_last_year(parts, era, last_year, last):
    with pytest.raises(WarekiError) as refused:
        parse_wareki(*parts)
    assert refused.value.message_key == "date_era_year_too_large"
    values = dict(refused.value.values)
    assert (values["era"], values["last_year"], values["last"]) == (era, last_year, last)


@pytest.mark.parametrize(
    ("parts", "right_wareki", "right_era"),
    [
        (("昭和", 64, 1, 8), "平成元年1月8日", "平成"),
        (("平成", 31, 5, 1), "令和元年5月1日", "令和"),
        (("昭和", 1, 12, 24), "大正15年12月24日", "大正"),
        (("大正", 1, 7, 29), "明治45年7月29日", "明治"),
        (("令和", 1, 4, 30), "平成31年4月30日", "平成"),
    ],
)
def test_a_day_outside_its_era_is_refused_naming_the_right_era_date(parts, right_wareki, right_era):
    with pytest.raises(WarekiError) as refused:
        parse_wareki(*parts)
    assert refused.value.message_key == "date_outside_era"
    values = dict(refused.value.values)
    assert (values["right_wareki"], values["right_era"]) == (right_wareki, right_era)


@pytest.mark.parametrize(
    ("parts", "accepted"),
    [
        (("平成", 4, 2, 29), True),  # 1992
        (("平成", 5, 2, 29), False),  # 1993
        (("平成", 12, 2, 29), True),  # 2000: divisible by 400
        (("明治", 33, 2, 29), False),  # 1900: divisible by 100, not by 400
        (("令和", 6, 2, 29), True),  # 2024
    ],
)
def test_february_29_exists_only_in_leap_years(parts, accepted):
    if accepted:
        assert parse_wareki(*parts).day == 29
        return
    with pytest.raises(WarekiError) as refused:
        parse_wareki(*parts)
    assert refused.value.message_key == "date_no_such_day"
    assert dict(refused.value.values)["last_day"] == 28


@pytest.mark.parametrize(
    ("parts", "key"),
    [
        (("天保", 1, 1, 1), "date_era_unknown"),
        (("X", 1, 1, 1), "date_era_unknown"),
        (("昭和", 0, 1, 1), "date_era_year_too_small"),
        (("昭和", "ふたつ", 1, 1), "date_unreadable"),
        (("明治", 5, 12, 31), "date_before_supported"),  # still the lunisolar calendar
        (("令和", 83, 1, 1), "date_after_supported"),
        (("昭和", 50, 13, 1), "date_no_such_month"),
        (("昭和", 50, 4, 31), "date_no_such_day"),
    ],
)
def test_impossible_era_dates_are_refused_with_their_own_message(parts, key):
    with pytest.raises(WarekiError) as refused:
        parse_wareki(*parts)
    assert refused.value.message_key == key


def test_wareki_error_is_a_value_error():
    assert issubclass(WarekiError, ValueError)


def test_wareki_parts_refuse_days_before_the_gregorian_calendar():
    assert wareki_parts(date(1873, 1, 1)) == ("明治", 6, 1, 1)
    with pytest.raises(WarekiError):
        wareki_parts(date(1872, 12, 31))
    with pytest.raises(ValueError):
        to_wareki(date(1872, 12, 31))


@pytest.mark.parametrize(
    ("last_day", "expected"),
    [
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(2019, 4, 30), "平成31年4月30日"),
    ],
)
def test_each_era_ends_the_day_before_the_next_begins_in_its_gannen(last_day, expected):
    assert to_wareki(last_day) == expected
    next_era = wareki_parts(last_day + timedelta(days=1))
    assert next_era[0] != expected[:2] and next_era[1] == 1
    assert next_era[0] in {name for _, name, _ in ERAS}
