from datetime import date, timedelta
from itertools import pairwise

import pytest

from core.catalog import FieldType, Page
from core.date_picking import (
    MEDIAN_AGE,
    DateDraft,
    DateOpening,
    SelectableDates,
    landing_year,
)
from core.i18n import LocalizedText
from core.validators import Valid, validate
from core.wareki import (
    ERA_SPANS,
    ERAS,
    FIRST_SUPPORTED,
    LAST_SUPPORTED,
    SEIREKI,
    EraSpan,
    WarekiError,
    age_on,
    days_from_today,
    era_span,
    format_wareki,
    parse_day,
    parse_month,
    parse_wareki,
    parse_year,
    to_wareki,
    wareki_parts,
    wareki_years,
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


# -- one year reader: typed dates, the picker's answer and its stored answer -----------------


@pytest.mark.parametrize(
    ("text", "year"),
    [(64, 64), ("64", 64), ("６４", 64), (" 64 年 ", 64), ("元", 1), ("元年", 1), ("１年", 1)],
)
def test_a_year_is_read_from_every_form_a_resident_or_the_picker_gives(text, year):
    assert parse_year(text) == year


@pytest.mark.parametrize("text", [True, 1.0, None, "", "ふたつ", "12345", "64月", "6 4", "元号"])
def test_anything_else_is_an_unreadable_year(text):
    with pytest.raises(WarekiError) as refused:
        parse_year(text)
    assert refused.value.message_key == "date_unreadable"


def test_gannen_is_an_era_year_only():
    with pytest.raises(WarekiError):
        parse_year("元", gannen=False)
    assert parse_year("2019年", gannen=False) == 2019


def test_months_and_days_take_their_own_unit_only():
    assert (parse_month("１月"), parse_day("7日"), parse_month(12)) == (1, 7, 12)
    for read, text in ((parse_month, "1日"), (parse_day, "7月"), (parse_day, "元")):
        with pytest.raises(WarekiError):
            read(text)


@pytest.mark.parametrize("year", [1, "1", "元", "元年", "１", "１年"])
def test_the_picker_and_the_validator_read_a_year_the_same_way(year):
    raw = {"era": "令和", "year": year, "month": 5, "day": 1}
    assert DateDraft.start(raw, SelectableDates()).answer() == {**raw, "year": 1}
    assert validate(DATE_PAGE, raw) == Valid("2019-05-01")


# -- era spans and what a picker may offer ---------------------------------------------------

DATE_PAGE = Page(id="birth", type=FieldType.DATE, question=LocalizedText.of(ja="生年月日は"))
ALL_DAYS = SelectableDates()


def span(name: str) -> EraSpan:
    found = era_span(name)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("era", "first", "last", "years", "ended"),
    [
        ("明治", date(1873, 1, 1), date(1912, 7, 29), range(6, 46), True),
        ("大正", date(1912, 7, 30), date(1926, 12, 24), range(1, 16), True),
        ("昭和", date(1926, 12, 25), date(1989, 1, 7), range(1, 65), True),
        ("平成", date(1989, 1, 8), date(2019, 4, 30), range(1, 32), True),
        ("令和", date(2019, 5, 1), LAST_SUPPORTED, range(1, 83), False),
        (SEIREKI, FIRST_SUPPORTED, LAST_SUPPORTED, range(1873, 2101), False),
    ],
)
def test_each_era_spans_its_days_and_years(era, first, last, years, ended):
    found = span(era)
    assert (found.first_day, found.last_day, found.ended) == (first, last, ended)
    assert ALL_DAYS.span(found) == (first, last)
    assert ALL_DAYS.years(found) == years


def test_era_spans_run_newest_first_and_meet_without_a_gap():
    eras = [found for found in ERA_SPANS if found.name != SEIREKI]
    assert [found.name for found in eras] == ["令和", "平成", "昭和", "大正", "明治"]
    for newer, older in pairwise(eras):
        assert older.last_day + timedelta(days=1) == newer.first_day
    assert ERA_SPANS[-1].name == SEIREKI


@pytest.mark.parametrize("text", ["S", "ｓ", "㍼", " 昭和 "])
def test_era_span_reads_letters_and_signs_and_blank_is_seireki(text):
    assert span(text).name == "昭和"
    assert span("").name == span(None).name == span("\u3000").name == SEIREKI
    assert era_span("天保") is None and era_span(64) is None


def test_showa_65_is_never_offered():
    assert 65 not in ALL_DAYS.years(span("昭和"))
    assert ALL_DAYS.months(span("昭和"), 65) == ()
    assert ALL_DAYS.days(span("昭和"), 65, 1) == ()


def test_showa_64_offers_only_january_1_to_7_and_heisei_gannen_the_rest():
    assert ALL_DAYS.months(span("昭和"), 64) == (1,)
    assert ALL_DAYS.days(span("昭和"), 64, 1) == tuple(range(1, 8))
    assert ALL_DAYS.days(span("平成"), 1, 1) == tuple(range(8, 32))


def test_heisei_31_ends_on_april_30_and_reiwa_gannen_begins_on_may_1():
    assert ALL_DAYS.months(span("平成"), 31) == (1, 2, 3, 4)
    assert ALL_DAYS.days(span("平成"), 31, 4) == tuple(range(1, 31))
    assert ALL_DAYS.days(span("平成"), 31, 5) == ()
    assert ALL_DAYS.months(span("令和"), 1) == tuple(range(5, 13))
    assert ALL_DAYS.days(span("令和"), 1, 5)[0] == 1
    assert ALL_DAYS.days(span("令和"), 1, 4) == ()


def test_meiji_and_taisho_meet_in_july_1912():
    assert ALL_DAYS.days(span("明治"), 45, 7) == tuple(range(1, 30))
    assert ALL_DAYS.months(span("明治"), 45) == tuple(range(1, 8))
    assert ALL_DAYS.months(span("大正"), 1) == tuple(range(7, 13))
    assert ALL_DAYS.days(span("大正"), 1, 7) == (30, 31)
    assert ALL_DAYS.days(span("大正"), 15, 12) == tuple(range(1, 25))
    assert ALL_DAYS.days(span("昭和"), 1, 12) == tuple(range(25, 32))
    assert ALL_DAYS.months(span("明治"), 6)[0] == 1  # 1873: the Gregorian calendar's first year


@pytest.mark.parametrize(
    ("era", "year", "days"),
    [("令和", 2, 29), ("令和", 3, 28), ("平成", 12, 29), ("明治", 33, 28), (SEIREKI, 2024, 29)],
)
def test_february_offers_the_29th_only_in_leap_years(era, year, days):
    assert ALL_DAYS.days(span(era), year, 2) == tuple(range(1, days + 1))


def test_every_offered_day_is_accepted_and_every_other_day_refused():
    for found in ERA_SPANS[:-1]:
        for year in range(0, found.last_year + 2):
            for month in range(1, 13):
                offered = set(ALL_DAYS.days(found, year, month))
                for day in range(1, 32):
                    try:
                        parse_wareki(found.name, year, month, day)
                        accepted = True
                    except WarekiError:
                        accepted = False
                    assert accepted == (day in offered), (found.name, year, month, day)


def test_a_page_range_cuts_the_eras_years_months_and_days():
    dates = SelectableDates.between(date(1930, 1, 1), date(2024, 3, 15))
    assert dates.years(span("明治")) == dates.years(span("大正")) == range(0)
    assert dates.years(span("昭和")) == range(5, 65)
    assert dates.years(span("令和")) == range(1, 7)
    assert dates.months(span(SEIREKI), 2024) == (1, 2, 3)
    assert dates.days(span(SEIREKI), 2024, 3)[-1] == 15
    assert SelectableDates.between(date(1800, 1, 1), None) == ALL_DAYS


# -- a date being picked ---------------------------------------------------------------------

TODAY = date(2024, 3, 15)


def test_a_draft_starts_from_a_stored_iso_answer_a_date_or_a_picker_answer():
    expected = {"era": "昭和", "year": 64, "month": 1, "day": 7}
    for initial in ("1989-01-07", date(1989, 1, 7), expected, {**expected, "era": "S"}):
        assert DateDraft.start(initial, ALL_DAYS).answer() == expected


@pytest.mark.parametrize(
    "initial",
    [None, "", "yesterday", date(1872, 12, 31), 19890107, {"era": "天保", "year": 3}],
)
def test_a_draft_starts_empty_from_anything_else(initial):
    assert DateDraft.start(initial, ALL_DAYS) == DateDraft(ALL_DAYS)


def test_a_stored_part_the_range_lacks_is_left_unchosen():
    dates = SelectableDates.between(None, TODAY)
    assert DateDraft.start("2025-01-01", dates) == DateDraft(dates)  # the year itself is out
    after_today = DateDraft.start("2024-03-20", dates)
    assert after_today.answer() == {"era": "令和", "year": 6, "month": 3, "day": None}
    draft = DateDraft.start({"era": "昭和", "year": 64, "month": 1, "day": 8}, dates)
    assert draft.answer() == {"era": "昭和", "year": 64, "month": 1, "day": None}
    draft = DateDraft.start({"era": "平成", "year": 31, "month": 5, "day": 1}, dates)
    assert (draft.month, draft.day) == (None, None)


def test_switching_era_keeps_the_gregorian_year_and_drops_a_day_it_lacks():
    draft = DateDraft.start("1989-01-07", ALL_DAYS).with_era(span("平成"), TODAY)
    assert draft.answer() == {"era": "平成", "year": 1, "month": 1, "day": None}
    assert draft.days()[0] == 8


def test_an_era_chosen_first_lands_on_the_middle_of_the_residents_birth_years():
    # TODAY is 2024: the median resident (49) was born in 1975, 昭和50年.
    draft = DateDraft(ALL_DAYS).with_era(span("昭和"), TODAY)
    assert (draft.year, draft.gregorian_year) == (50, 1975)
    assert draft.with_era(span(SEIREKI), TODAY).year == 1975  # the same year, as 西暦
    assert DateDraft(ALL_DAYS).with_era(span(SEIREKI), TODAY).year == 1975
    # An era that does not reach that year lands on its own nearest year.
    assert DateDraft(ALL_DAYS).with_era(span("平成"), TODAY).year == 1
    assert DateDraft(ALL_DAYS).with_era(span("大正"), TODAY).year == 15
    old_only = SelectableDates.between(None, date(1950, 6, 1))
    assert DateDraft(old_only).with_era(span(SEIREKI), TODAY).year == 1950


def test_a_today_page_lands_on_this_year_when_an_era_is_chosen():
    draft = DateDraft(ALL_DAYS, opens_on=DateOpening.TODAY)
    assert draft.with_era(span("令和"), TODAY).year == 6
    assert draft.with_era(span(SEIREKI), TODAY).year == 2024
    assert draft.with_era(span("昭和"), TODAY).year == 64  # the era's nearest year


def test_landing_years_count_from_today():
    assert landing_year(DateOpening.ERA, date(2026, 6, 10)) == 2026 - MEDIAN_AGE
    assert landing_year(DateOpening.TODAY, date(2026, 6, 10)) == 2026


def test_days_from_today_counts_calendar_days_across_months_years_and_leap_days():
    assert days_from_today(date(2026, 6, 10), 0) == date(2026, 6, 10)
    assert days_from_today(date(2026, 6, 1), -1) == date(2026, 5, 31)
    assert days_from_today(date(2026, 1, 1), -2) == date(2025, 12, 30)
    assert days_from_today(date(2024, 3, 1), -1) == date(2024, 2, 29)
    assert days_from_today(date(2026, 12, 31), 14) == date(2027, 1, 14)


NOT_FUTURE = SelectableDates.between(None, TODAY)


def test_a_today_draft_opens_on_this_year_and_month_in_gregorian_years_with_no_day():
    draft = DateDraft.start(None, NOT_FUTURE, DateOpening.TODAY, TODAY)
    assert draft.answer() == {"era": SEIREKI, "year": 2024, "month": 3, "day": None}
    assert draft.days()[-1] == 15  # the days after today stay disabled
    # Years step across eras: 2019 has every month, 2018 is 平成30年.
    draft = DateDraft.start("2020-06-01", ALL_DAYS, DateOpening.TODAY, TODAY)
    assert draft.stepped(-1).months() == tuple(range(1, 13))
    assert draft.stepped(-1).stepped(-1).gregorian_year == 2018
    # A stored 和暦 part answer (a language switch mid-way) is the same year in 西暦.
    partial = {"era": "平成", "year": 31, "month": 4, "day": None}
    assert DateDraft.start(partial, ALL_DAYS, DateOpening.TODAY, TODAY).answer() == {
        "era": SEIREKI,
        "year": 2019,
        "month": 4,
        "day": None,
    }


@pytest.mark.parametrize(
    ("year", "names"),
    [
        (2026, (("令和", 8),)),
        (2019, (("平成", 31), ("令和", 1))),
        (1989, (("昭和", 64), ("平成", 1))),
        (1926, (("大正", 15), ("昭和", 1))),
        (1873, (("明治", 6),)),
        (1800, ()),
    ],
)
def test_a_gregorian_year_has_the_wareki_names_of_every_era_in_it(year, names):
    assert wareki_years(year) == names


def test_a_today_draft_keeps_a_stored_answer_and_an_era_draft_starts_empty():
    assert DateDraft.start("2024-03-01", NOT_FUTURE, DateOpening.TODAY, TODAY).day == 1
    assert DateDraft.start(None, NOT_FUTURE, DateOpening.ERA, TODAY).era is None
    blank = {"era": "", "year": None, "month": None, "day": None}  # a picker before any touch
    assert DateDraft.start(blank, NOT_FUTURE, DateOpening.TODAY, TODAY).month == 3


def test_a_today_draft_outside_the_range_opens_on_the_nearest_allowed_month():
    past_only = SelectableDates.between(None, date(2023, 12, 31))
    draft = DateDraft.start(None, past_only, DateOpening.TODAY, TODAY)
    assert (draft.gregorian_year, draft.month, draft.day) == (2023, 12, None)
    future_only = SelectableDates.between(date(2024, 5, 1), None)
    draft = DateDraft.start(None, future_only, DateOpening.TODAY, TODAY)
    assert (draft.gregorian_year, draft.month) == (2024, 5)


def test_today_yesterday_and_the_day_before_are_one_choice_each():
    recent = NOT_FUTURE.recent(TODAY)
    assert [(choice.name_key, choice.day) for choice in recent] == [
        ("date_today", date(2024, 3, 15)),
        ("date_yesterday", date(2024, 3, 14)),
        ("date_two_days_ago", date(2024, 3, 13)),
    ]
    assert all(choice.selectable for choice in recent)
    draft = DateDraft.start(None, NOT_FUTURE, DateOpening.TODAY, TODAY).on_date(recent[1].day)
    assert draft.chosen_date() == date(2024, 3, 14)
    assert validate(DATE_PAGE, draft.answer(), TODAY) == Valid("2024-03-14")


def test_a_recent_day_the_page_refuses_is_not_selectable_and_cannot_be_chosen():
    # A page whose dates start today: yesterday and the day before are shown disabled.
    from_today = SelectableDates.between(TODAY, None)
    assert [choice.selectable for choice in from_today.recent(TODAY)] == [True, False, False]
    draft = DateDraft.start(None, from_today, DateOpening.TODAY, TODAY)
    assert draft.on_date(date(2024, 3, 14)) is draft


def test_a_shortcut_across_an_era_boundary_is_the_right_day():
    # 2019-05-02: きのう is 令和元年5月1日, おととい 平成31年4月30日.
    today = date(2019, 5, 2)
    dates = SelectableDates.between(None, today)
    draft = DateDraft.start(None, dates, DateOpening.TODAY, today)
    two_days_ago = draft.on_date(days_from_today(today, -2))
    assert validate(DATE_PAGE, two_days_ago.answer(), today) == Valid("2019-04-30")
    assert draft.on_date(days_from_today(today, -1)).chosen_date() == date(2019, 5, 1)


def test_a_shortcut_on_an_era_draft_takes_the_days_own_era():
    draft = DateDraft.start({"era": "平成", "year": 31}, ALL_DAYS)
    assert draft.on_date(date(2019, 5, 1)).answer() == {
        "era": "令和",
        "year": 1,
        "month": 5,
        "day": 1,
    }
    in_seireki = draft.with_era(span(SEIREKI), TODAY)
    assert in_seireki.on_date(date(2019, 5, 1)).answer()["era"] == SEIREKI


def test_clearing_keeps_where_the_picker_opens():
    draft = DateDraft.start("2024-03-01", NOT_FUTURE, DateOpening.TODAY, TODAY).cleared()
    assert draft.opens_on is DateOpening.TODAY and draft.era is None


def test_an_era_with_no_offered_day_cannot_be_chosen():
    dates = SelectableDates.between(date(1930, 1, 1), None)
    draft = DateDraft(dates)
    assert draft.with_era(span("大正"), TODAY) is draft


def test_year_steps_stop_at_the_eras_first_and_last_year():
    draft = DateDraft.start({"era": "昭和", "year": 58}, ALL_DAYS)
    last = draft.stepped(10)
    assert last.year == 64 and not last.can_step(1) and last.stepped(10) is last
    assert last.can_step(-1) and last.stepped(-10).year == 54
    first = DateDraft.start({"era": "昭和", "year": 3}, ALL_DAYS).stepped(-10)
    assert first.year == 1 and not first.can_step(-1)
    assert not DateDraft(ALL_DAYS).can_step(1)


def test_a_step_into_a_shorter_year_drops_the_month_and_day_it_lacks():
    draft = DateDraft.start({"era": "昭和", "year": 63, "month": 5, "day": 3}, ALL_DAYS)
    assert draft.stepped(1).answer() == {"era": "昭和", "year": 64, "month": None, "day": None}
    leap = DateDraft.start({"era": "令和", "year": 2, "month": 2, "day": 29}, ALL_DAYS)
    assert leap.day == 29 and leap.stepped(1).day is None


def test_a_new_month_keeps_the_day_only_if_it_has_it():
    draft = DateDraft.start({"era": "令和", "year": 2, "month": 1, "day": 31}, ALL_DAYS)
    assert draft.with_month(3).day == 31
    assert draft.with_month(4).day is None
    assert draft.with_month(13) is draft


def test_a_day_not_offered_is_refused():
    draft = DateDraft.start({"era": "令和", "year": 3, "month": 2}, ALL_DAYS)
    assert draft.with_day(29) is draft
    assert draft.with_day(28).answer() == {"era": "令和", "year": 3, "month": 2, "day": 28}
    assert DateDraft(ALL_DAYS).with_day(1) == DateDraft(ALL_DAYS)


def test_a_picked_draft_is_a_valid_answer_and_cleared_forgets_it():
    draft = DateDraft(ALL_DAYS).with_era(span("昭和"), TODAY)  # 昭和50年
    draft = draft.stepped(-10).stepped(-10).stepped(-10).stepped(1).with_month(4).with_day(29)
    assert validate(DATE_PAGE, draft.answer()) == Valid("1946-04-29")
    assert draft.cleared().answer() == {"era": "", "year": None, "month": None, "day": None}


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(1989, 1, 7), date(2026, 11, 26), 37),  # the demo card holder
        (date(1961, 4, 2), date(2026, 4, 1), 65),  # the law: reached the day before
        (date(1961, 4, 2), date(2026, 3, 31), 64),
        (date(1960, 2, 29), date(2025, 2, 27), 64),  # born on a leap day, common year
        (date(1960, 2, 29), date(2025, 2, 28), 65),
        (date(2026, 11, 26), date(2026, 11, 26), 0),
    ],
)
def test_an_age_is_reached_at_the_end_of_the_day_before_the_birthday(birth, day, age):
    assert age_on(birth, day) == age
