"""The screens of issue #18's catalog points, with pytest-qt: the review and completion show the
fee lines the answers come to; the date picker offers exactly the days the page's rule allows
on the pinned today (core.date_rules, the definition the validator shares)."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from core.catalog_files import load_catalog
from core.date_picking import DateOpening
from core.date_rules import allowed_dates
from core.flow import ResidentSession, Step
from core.i18n import UiText
from core.reception import FinalizedApplication, ReceptionNumber
from kiosk.completion import completion_info
from kiosk.views import ReviewView
from screens.completion import CompletionScreen
from screens.review import ReviewScreen
from screens.wareki_picker import WarekiPicker

UI = UiText.load()
CATALOG = load_catalog("sample-city")
TODAY = date(2026, 12, 4)


def t(key: str, **values: object) -> str:
    return UI.get(key, "ja", **values)


def koseki_session() -> ResidentSession:
    """戸籍謄本 × 2 and 除籍謄本 × 1, walked to the review through the flow engine."""
    session = ResidentSession(CATALOG.procedure("koseki"), UI, today=TODAY)
    answers = {
        "applicant": "self",
        "name": "山田 太郎",
        "certificate": ["tohon", "joseki"],
        "honseki": "北海道札幌市中央区北1条西2丁目",
        "hittosha": "山田 一郎",
        "relationship": "in_register",
        "purpose": "inheritance",
        "tohon_copies": 2,
        "joseki_copies": 1,
    }
    while session.step is Step.QUESTION:
        session.submit(answers[session.page.id])
    return session


def test_the_review_lists_each_fee_line_and_the_total(japanese_qapp, qtbot):
    session = koseki_session()
    screen = ReviewScreen()
    qtbot.addWidget(screen)
    screen.fees = CATALOG.municipality.fees  # what the window sets from the profile
    screen.show()
    screen.show_review(ReviewView(session.procedure, tuple(session.summary())), "ja", UI, t)
    shown = [screen.findChild(QLabel, f"answer_fee_{index}") for index in range(3)]
    assert [label.text() for label in shown] == [
        "戸籍謄本：450円 × 2 ＝ 900円",
        "除籍謄本：750円 × 1 ＝ 750円",
        "手数料の合計：1,650円",
    ]
    assert screen.findChild(QLabel, "answer_fee_3") is None
    # A changed count changes the lines: the review always shows what is due now.
    session.change("tohon_copies")
    session.submit(3)
    screen.show_review(ReviewView(session.procedure, tuple(session.summary())), "ja", UI, t)
    assert screen.findChild(QLabel, "answer_fee_2").text() == "手数料の合計：2,100円"


def test_a_review_without_a_fee_shows_no_fee_row(japanese_qapp, qtbot):
    session = ResidentSession(CATALOG.procedure("tennyu"), UI, today=TODAY)
    screen = ReviewScreen()
    qtbot.addWidget(screen)
    screen.fees = CATALOG.municipality.fees
    screen.show_review(ReviewView(session.procedure, tuple(session.summary())), "ja", UI, t)
    assert screen.findChild(QLabel, "answer_fee_0") is None


def test_the_completion_screen_shows_the_same_lines(japanese_qapp, qtbot):
    session = koseki_session()
    info = completion_info(CATALOG, session)
    application = FinalizedApplication(
        "6f1c0a5e-0000-4000-8000-000000000181",
        ReceptionNumber("A", 181),
        "koseki",
        datetime(2026, 12, 4, 9, 30).astimezone(),
        practice=False,
    )
    screen = CompletionScreen()
    qtbot.addWidget(screen)
    screen.show()
    screen.show_application(application, info, "ja", t)
    assert screen.fee.isVisible()
    assert screen.fee.text().splitlines() == [
        "戸籍謄本：450円 × 2 ＝ 900円",
        "除籍謄本：750円 × 1 ＝ 750円",
        "手数料の合計：1,650円",
    ]


def test_the_picker_offers_exactly_the_days_of_the_moving_out_window(japanese_qapp, qtbot):
    page = next(p for p in CATALOG.procedure("tenshutsu").pages if p.id == "moving_date")
    picker = WarekiPicker(
        None, t, opens_on=DateOpening.TODAY, today=TODAY, dates=allowed_dates(page, TODAY)
    )
    qtbot.addWidget(picker)
    picker.show()
    # Opens on this month: 1–18 December (today + 14), nothing after.
    enabled = [day for day, key in picker.day_keys.items() if key.isEnabled()]
    assert enabled == list(range(1, 19))
    assert [m for m, key in picker.month_keys.items() if key.isEnabled()] == [11, 12]
    qtbot.mouseClick(picker.month_keys[11], Qt.MouseButton.LeftButton)
    enabled = [day for day, key in picker.day_keys.items() if key.isEnabled()]
    assert enabled == list(range(20, 31))  # from 20 November (today − 14)
    # 今日・きのう・おととい all lie inside the window.
    assert all(key.isEnabled() for key in picker.recent_keys)
