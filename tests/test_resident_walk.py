"""The 転居 walk of issue 19 on the kiosk screen, by touch with the demo card: the places where
an older resident would hesitate or take extra taps, each checked where it happens."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel

from core.wareki import days_from_today
from kiosk.cli.local_backend import build_services
from kiosk.config import TextSize
from kiosk.events import CardStep
from screens.kana_keyboard import KeyboardMode
from screens.question import ChoiceButtons, Stepper
from screens.tour import answer_by_touch
from tests.gui import card_step, show_window, tap, use_demo_card

# The picker's today and the rules' today must agree: both are the machine's.
TODAY = date.today()


@pytest.fixture
def kiosk(settings, kiosk_paths, japanese_qapp, qtbot):
    services = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    window = show_window(services, qtbot)
    yield window
    window.close()
    services.close()


def open_with_card(qtbot, window, procedure_id: str) -> None:
    procedure = window.services.catalog.procedure(procedure_id)
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons[procedure.category])
    tap(qtbot, window.menu.procedure_buttons[procedure_id])
    use_demo_card(qtbot, window)


def answer_until(qtbot, window, page_id: str) -> None:
    """Answer each page as a resident would, until `page_id` is the one on screen."""
    for _ in range(30):
        assert window.stack.currentWidget() is window.question, f"{page_id} was never asked"
        page = window.session.page
        if page.id == page_id:
            return
        answer_by_touch(page, window.question.input, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
    raise AssertionError(f"{page_id} was never asked")


def test_a_moving_date_of_yesterday_takes_two_taps_once_the_picker_is_open(kiosk, qtbot):
    window = kiosk
    open_with_card(qtbot, window, "tenkyo")
    answer_until(qtbot, window, "moving_date")
    picker = window.question.input
    yesterday = picker.recent_keys[1]
    tap(qtbot, yesterday)  # 1
    tap(qtbot, window.question.primary_button)  # 2
    assert window.session.answer_for("moving_date") == days_from_today(TODAY, -1).isoformat()
    assert window.session.page.id != "moving_date"  # and on to the next question


def test_the_banchi_page_shows_the_town_chosen_and_opens_on_digits_with_word_keys(kiosk, qtbot):
    window = kiosk
    open_with_card(qtbot, window, "tenkyo")
    answer_until(qtbot, window, "new_address")
    keyboard = window.question.input
    chosen = window.session.address_so_far("new_address")["chosen"]
    assert chosen["town"] in keyboard.known.text() and keyboard.known.isVisible()
    assert keyboard.mode() is KeyboardMode.DIGITS
    for key in ("2", "丁目", "3", "番", "4", "号"):
        tap(qtbot, keyboard.key(key))
    tap(qtbot, window.question.primary_button)
    assert window.session.answer_for("new_address") == "2丁目3番4号"


def test_the_65_question_is_not_asked_of_the_37_year_old_card_holder_moving_alone(kiosk, qtbot):
    window = kiosk
    open_with_card(qtbot, window, "tenkyo")
    asked = []
    while window.stack.currentWidget() is window.question:
        page = window.session.page
        asked.append(page.id)
        if page.id == "movers#more":  # moving alone: no one else
            tap(qtbot, window.question.input.button(False))
        else:
            answer_by_touch(page, window.question.input, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
    assert window.stack.currentWidget() is window.review
    # The card holder is the one person who moved (name and birth date from the card).
    assert "movers#more" in asked and "mover_birth_date#1" not in asked
    assert "elderly" not in asked
    shown = window.review.findChild(QLabel, "answer_elderly")
    assert shown is not None and shown.text() == "いいえ（自動で記入）"


def test_a_card_address_outside_the_city_on_a_tenkyo_leads_to_tennyu_with_the_card(kiosk, qtbot):
    from devices.emulators.card_emulator import CardIdentity, EmulatedCard
    from devices.sim_card_reader import DEMO_PIN

    window = kiosk
    reading = window.services.card_reading
    tokyo = CardIdentity(
        name="山田 花子", address="東京都千代田区千代田1-1", birth_date=date(1948, 3, 15), sex="2"
    )
    reading.simulated.card = EmulatedCard(identity=tokyo, pin=DEMO_PIN)
    open_with_card(qtbot, window, "tenkyo")
    assert window.stack.currentWidget() is window.elsewhere
    assert "東京都千代田区千代田1-1" in window.elsewhere.address.text()
    assert "転入届" in window.elsewhere.primary_button.text()
    tap(qtbot, window.elsewhere.primary_button)
    assert window.session.procedure.id == "tennyu"
    assert window.session.answer_for("name") == "山田\u3000花子"  # the card, not read again
    assert window.stack.currentWidget() is window.question


def test_the_card_page_shows_the_reader_and_once_read_offers_nothing_but_taking_it(kiosk, qtbot):
    window = kiosk
    procedure = window.services.catalog.procedure("tenkyo")
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons[procedure.category])
    tap(qtbot, window.menu.procedure_buttons["tenkyo"])
    card = window.card
    assert card.picture.isVisible() and card.picture.drawn()
    assert card.reader_hint.text().startswith("読み取り機は、画面の右")  # the profile's place
    assert card.manual_button.isVisible()
    tap(qtbot, card.demo_place)
    qtbot.waitUntil(lambda: card.pad_buttons["0"].isVisible(), timeout=10_000)
    assert not card.picture.isVisible()
    for digit in window.services.card_reading.demo_pin:
        tap(qtbot, card.pad_buttons[digit])
    tap(qtbot, card.primary_button)
    qtbot.waitUntil(lambda: card_step(window) is CardStep.TAKE_CARD, timeout=10_000)
    assert not card.manual_button.isVisible() and not card.qr_button.isVisible()


def test_the_card_is_shown_coming_down_onto_the_reader_until_the_page_is_left(kiosk, qtbot):
    window = kiosk
    picture = window.card.picture
    window.choose_procedure("tenkyo")
    assert picture.moving()
    # A few rounds, then the still picture: a kiosk left at this page does not keep drawing.
    assert picture.rounds() > 0 and 0 < picture.total_ms() <= 15_000
    tap(qtbot, window.card.back_button)
    assert not picture.moving()
    window.choose_procedure("tenkyo")
    assert picture.moving()
    tap(qtbot, window.card.demo_place)  # the card is there: nothing left to show
    qtbot.waitUntil(lambda: window.card.pad_buttons["0"].isVisible(), timeout=10_000)
    assert not picture.moving() and not picture.isVisible()
    tap(qtbot, window.card.start_over_button)
    assert not picture.moving()


def test_an_error_on_every_keyboard_page_fits_the_kiosk_at_the_largest_size(kiosk, qtbot):
    """The error takes the hint's place: 前の住所's town buttons, the kana keyboard, the 和暦
    picker, the postal code and the number pad keep the window at 1080 px with it."""
    window = kiosk
    window.set_look(window.look.with_changes(text_size=TextSize.LARGEST))
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons["moving"])
    tap(qtbot, window.menu.procedure_buttons["tenkyo"])
    tap(qtbot, window.card.manual_button)
    seen = set()
    while window.stack.currentWidget() is window.question:
        page, entry = window.session.page, window.question.input
        if not isinstance(entry, ChoiceButtons | Stepper):
            tap(qtbot, window.question.primary_button)  # nothing entered yet
            assert window.question.error.isVisible() and not window.question.hint.isVisible()
            QCoreApplication.processEvents()  # the layout request the error posted
            assert window.size().toTuple() == (1920, 1080), f"{page.id} grew the window"
            seen.add(type(entry).__name__)
        answer_by_touch(page, entry, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
    assert {"TownAddressEntry", "KanaKeyboard", "WarekiPicker", "PostalEntry"} <= seen
    assert "NumberPad" in seen


def test_a_new_address_outside_the_city_says_so_and_leads_to_tenshutsu(kiosk, qtbot):
    window = kiosk
    open_with_card(qtbot, window, "tenkyo")
    answer_until(qtbot, window, "postal_code")
    entry = window.question.input
    for digit in "1000001":  # 東京都千代田区
        tap(qtbot, entry.pad.digit_keys[digit])
    assert entry.status.text() == "〒100-0001は北海道札幌市中央区の外の郵便番号です。"
    tap(qtbot, window.question.primary_button)
    page = window.elsewhere
    assert window.stack.currentWidget() is page
    assert page.heading.text() == "入力した住所は北海道札幌市中央区の外です"
    assert "転出届を出してください" in page.explain.text()
    tap(qtbot, page.back_button)  # a slip: back to the code as typed
    assert window.question.input.value() == "1000001"
    tap(qtbot, window.question.primary_button)
    assert page.primary_button.text() == "「転出届（市外への引っ越し）」に進む"
    tap(qtbot, page.primary_button)
    assert window.session.procedure.id == "tenshutsu"
    assert window.session.answer_for("name") == "𠮷野\u3000髙子"  # the card, not read again


def test_the_demo_walks_phone_pre_entry_with_the_sample_code(
    settings, kiosk_paths, japanese_qapp, qtbot
):
    from kiosk.cli.local_backend import demo_settings_overrides

    demo = demo_settings_overrides(kiosk_paths, settings.kiosk_id)
    assert demo["scanner"] == "sim" and demo["card_reader"] == "sim"
    update = {"scanner": demo["scanner"], "card_reader": "sim"}
    services = build_services(settings.model_copy(update=update), kiosk_paths)
    window = show_window(services, qtbot)
    try:
        tap(qtbot, window.home.scan_button)
        assert "住民票の写し" in window.scan.sample_hint.text()
        tap(qtbot, window.scan.sample_button)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.review, timeout=10_000)
        assert window.session.answers() == {"applicant": "self", "copies": 2, "purpose": "work"}
        tap(qtbot, window.review.primary_button)
        assert window.completion.number.text().startswith("A-")
    finally:
        window.close()
        services.close()
