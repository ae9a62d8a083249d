"""Dates and 年度 relative to the day (issue #18): one definition of the allowed days shared by
the validator, the picker's offered days and the messages, which state the real dates in 和暦;
pinned todays around 年度 boundaries, the year end and an era boundary."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.catalog import Page
from core.catalog_files import load_catalog
from core.date_picking import DateDraft, DateOpening
from core.date_rules import (
    allowed_dates,
    fiscal_year_name,
    fiscal_year_of,
    fiscal_year_span,
    refusal,
    resolved,
)
from core.flow import ResidentSession, Step
from core.i18n import TITLE_LANGUAGES, UiText
from core.validators import Invalid, Valid, validate
from core.wareki import ERA_SPANS

UI = UiText.load()
CATALOG = load_catalog("sample-city")


def moving_out_page() -> Page:
    return next(p for p in CATALOG.procedure("tenshutsu").pages if p.id == "moving_date")


def fiscal_page() -> Page:
    return next(p for p in CATALOG.procedure("zeishomei").pages if p.id == "fiscal_year")


def message(result: Invalid, language: str = "ja") -> str:
    return UI.get(result.message_key, language, **dict(result.values))


# -- 転出: within 14 days before or after today ------------------------------------------


def test_moving_out_allows_fourteen_days_either_side_and_says_which_in_wareki():
    today = date(2026, 12, 4)
    page = moving_out_page()
    dates = allowed_dates(page, today)
    assert (dates.earliest, dates.latest) == (date(2026, 11, 20), date(2026, 12, 18))
    for day in (dates.earliest, today, dates.latest):
        assert validate(page, day.isoformat(), today) == Valid(day.isoformat())
    for day in (dates.earliest - timedelta(days=1), dates.latest + timedelta(days=1)):
        result = validate(page, day.isoformat(), today)
        assert isinstance(result, Invalid) and result.message_key == "date_outside_range"
        assert message(result) == "令和8年11月20日から12月18日までの日付を入れてください。"
        # Every language states the same days in 和暦 (and ISO where the reader may need it).
        for language in TITLE_LANGUAGES:
            text = message(result, language)
            assert "令和8年11月20日" in text and "12月18日" in text, language


def test_a_window_over_the_year_end_names_both_years():
    today = date(2026, 12, 25)
    result = validate(moving_out_page(), "2027-01-09", today)
    assert isinstance(result, Invalid)
    assert message(result) == "令和8年12月11日から令和9年1月8日までの日付を入れてください。"
    assert validate(moving_out_page(), "2027-01-08", today) == Valid("2027-01-08")


def test_a_window_over_an_era_boundary_names_both_eras():
    today = date(2019, 4, 25)  # 平成31年: 14 days later is 令和元年5月9日
    result = validate(moving_out_page(), "2019-05-10", today)
    assert isinstance(result, Invalid)
    assert message(result) == "平成31年4月11日から令和元年5月9日までの日付を入れてください。"


def test_not_in_the_future_keeps_its_own_message():
    tennyu = CATALOG.procedure("tennyu")
    page = next(p for p in tennyu.pages if p.id == "moving_date")
    today = date(2026, 4, 1)
    result = validate(page, "2026-04-02", today)
    assert isinstance(result, Invalid) and result.message_key == "date_in_future"
    assert "令和8年4月1日" in message(result)
    # A late notice is still a notice: no lower bound (the counter's flag counts the days).
    assert validate(page, "2025-01-01", today) == Valid("2025-01-01")


def test_a_fixed_latest_day_is_stated():
    page = Page(id="d", type="date", question={"ja": "q"}, latest=date(2030, 3, 31))
    result = refusal(page, date(2030, 4, 1), date(2026, 1, 1))
    assert result is not None and result.message_key == "date_too_late"
    assert dict(result.values)["latest_wareki"] == "令和12年3月31日"


# -- 粗大ごみ: a week ahead at the earliest, two months at most ---------------------------------


def collection_page() -> Page:
    return next(p for p in CATALOG.procedure("sodai_gomi").pages if p.id == "collection_date")


def test_a_booking_is_a_week_ahead_at_the_earliest_and_the_message_says_when():
    today = date(2026, 12, 5)
    page = collection_page()
    dates = allowed_dates(page, today)
    assert (dates.earliest, dates.latest) == (date(2026, 12, 12), date(2027, 2, 3))
    for day in (today, date(2026, 12, 11), date(1989, 1, 7), date(2027, 2, 4)):
        result = validate(page, day.isoformat(), today)
        assert isinstance(result, Invalid) and result.message_key == "date_outside_range", day
        assert message(result) == "令和8年12月12日から令和9年2月3日までの日付を入れてください。"
    assert validate(page, "2026-12-12", today) == Valid("2026-12-12")
    assert refusal(page, date(2027, 1, 15), today) is None


# -- the picker offers exactly the allowed days -----------------------------------------------


@pytest.mark.parametrize("today", [date(2026, 12, 4), date(2026, 12, 25), date(2019, 4, 25)])
def test_the_picker_offers_exactly_the_days_the_validator_accepts(today):
    page = moving_out_page()
    dates = allowed_dates(page, today)
    draft = DateDraft.start(None, dates, DateOpening.TODAY, today)
    offered: set[date] = set()
    seireki = ERA_SPANS[-1]
    for year in dates.years(seireki):
        for month in dates.months(seireki, year):
            for day in dates.days(seireki, year, month):
                offered.add(date(year + seireki.offset, month, day))
    accepted = {
        today + timedelta(days=n)
        for n in range(-40, 41)
        if isinstance(validate(page, (today + timedelta(days=n)).isoformat(), today), Valid)
    }
    assert offered == accepted
    assert len(offered) == 29  # 14 before, today, 14 after
    assert draft.gregorian_year == today.year and draft.month == today.month


# -- 年度 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day,fiscal",
    [
        (date(2027, 3, 31), 2026),
        (date(2027, 4, 1), 2027),
        (date(2026, 12, 31), 2026),
        (date(2027, 1, 1), 2026),
    ],
)
def test_the_fiscal_year_turns_on_the_first_of_april(day, fiscal):
    assert fiscal_year_of(day) == fiscal


def test_fiscal_year_names_follow_the_era_of_the_first_day():
    assert fiscal_year_name(2026) == "令和8年度"
    assert fiscal_year_name(2019) == "平成31年度"  # 1 April 2019 was still 平成
    assert fiscal_year_name(2020) == "令和2年度"


def test_the_tax_certificate_offers_the_last_five_years_counted_from_today():
    rule = fiscal_page().fiscal_years
    assert rule is not None and rule.new_from_month == 6
    # The newest 年度 is offered once it is issued (June), not on 1 April already.
    assert fiscal_year_span(rule, date(2026, 3, 31)) == (2021, 2025)
    assert fiscal_year_span(rule, date(2026, 4, 1)) == (2021, 2025)
    assert fiscal_year_span(rule, date(2026, 5, 31)) == (2021, 2025)
    assert fiscal_year_span(rule, date(2026, 6, 1)) == (2022, 2026)
    assert fiscal_year_span(rule, date(2027, 1, 5)) == (2022, 2026)


def test_fiscal_year_answers_and_message():
    page, today = fiscal_page(), date(2026, 12, 4)
    assert validate(page, 2026, today) == Valid(2026)
    assert validate(page, 2022, today) == Valid(2022)
    result = validate(page, 2021, today)
    assert isinstance(result, Invalid) and result.message_key == "fiscal_year_out_of_range"
    assert message(result) == (
        "令和4年度（2022年度）から令和8年度（2026年度）までの年度を選んでください。"
    )
    # The stepper reads low/high from the page the flow engine resolved for its today.
    shown = resolved(page, today)
    assert (shown.low, shown.high) == (2022, 2026)


# -- the flow engine uses one pinned today ----------------------------------------------------


def test_the_session_resolves_its_pages_with_its_own_today():
    session = ResidentSession(CATALOG.procedure("tenshutsu"), UI, today=date(2026, 12, 4))
    page = next(p for p in session.pages if p.id == "moving_date")
    assert (page.earliest, page.latest) == (date(2026, 11, 20), date(2026, 12, 18))
    tax = ResidentSession(CATALOG.procedure("zeishomei"), UI, today=date(2026, 5, 1))
    fiscal = next(p for p in tax.pages if p.id == "fiscal_year")
    assert (fiscal.minimum, fiscal.maximum) == (2021, 2025)


def test_the_session_refuses_a_day_outside_the_window_and_takes_one_inside():
    session = ResidentSession(CATALOG.procedure("tenshutsu"), UI, today=date(2026, 12, 4))
    while session.step is Step.QUESTION and session.page.id != "moving_date":
        page = session.page
        answer = _any_answer(page)
        assert isinstance(session.submit(answer), Valid), page.id
    assert session.page.id == "moving_date"
    refused = session.submit("2026-12-19")
    assert isinstance(refused, Invalid) and refused.message_key == "date_outside_range"
    assert isinstance(session.submit("2026-12-18"), Valid)
    assert session.answer_for("moving_date") == "2026-12-18"


def _any_answer(page: Page) -> object:
    samples = {
        "kanji_name": "山田 太郎",
        "kana_name": "ヤマダ タロウ",
        "date": "1980-04-01",
        "phone": "09012345678",
        "yes_no": "no",
        "consent": True,
        "text": "テスト",
        "address": "北1条西2丁目1-1",
        "postal_code": {"code": "0600001"},
    }
    if page.options:
        return page.options[0].value if page.type == "single_choice" else [page.options[0].value]
    if page.type in ("number", "copies"):
        return page.low
    return samples[page.type]


# -- the catalog check ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields,words",
    [
        ({"latest_is_today": True, "days_after_today": 3}, "keep one"),
        ({"days_before_today": 3, "earliest_days_after_today": 7}, "keep one"),
        ({"earliest_days_after_today": 7, "days_after_today": 3}, "no day would be left"),
        ({"type": "text", "earliest_days_after_today": 7}, "for date fields, not text"),
        ({"days_before_today": -1}, "greater than or equal"),
        ({"type": "text", "days_before_today": 3}, "for date fields, not text"),
        ({"type": "number", "fiscal_years": {"last": 5}, "minimum": 1, "maximum": 3}, "leave out"),
        ({"type": "text", "fiscal_years": {"last": 5}}, "fiscal_years is for number pages"),
        ({"type": "number", "fiscal_years": {"last": 5, "new_from_month": 2}}, "greater than"),
    ],
)
def test_broken_date_rules_are_refused_with_the_reason(fields, words):
    raw = {"id": "d", "type": "date", "question": {"ja": "q"}, **fields}
    with pytest.raises(ValueError, match=words):
        Page.model_validate(raw)
