"""The phone profile (390×844, for smartphone classes): every resident screen of the tour meets
the phone's numbers (screens.metrics.PHONE) in both themes, at the standard and the largest
text size, in Japanese and English; and procedures can be completed by touch on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalog import FieldType
from core.i18n import TITLE_LANGUAGES
from kiosk.app import PROFILE_SIZES
from kiosk.cli.local_backend import build_services
from kiosk.config import Profile, TextSize, Theme
from kiosk.qtbridge import QtEventBridge
from screens.kana_keyboard import KanaKeyboard, KeyboardMode
from screens.metrics import KIOSK, PHONE, metrics_for
from screens.theme import Look
from screens.tour import answer_by_touch
from screens.window import KioskWindow
from tests.gui import WAIT_MS, tap, use_demo_card
from tests.test_tour import checked_tour

PHONE_SIZE = PROFILE_SIZES[Profile.PHONE]
# The question pages with a keyboard, pad or picker: at the standard size the whole input
# shows without scrolling (a keyboard half under the fold is a keyboard the resident misses).
INPUT_PAGES = ("card-question-kana", "card-question-moving_date", "card-question-postal_code")


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("text_size", [TextSize.STANDARD, TextSize.LARGEST])
@pytest.mark.parametrize("theme", list(Theme))
def test_every_tour_screen_meets_the_phone_numbers(
    theme, text_size, language, settings, kiosk_paths, japanese_qapp, tmp_path: Path, monkeypatch
):
    update = {"profile": Profile.PHONE, "theme": theme, "text_size": text_size}
    checked_tour({**update, "language": language}, settings, kiosk_paths, tmp_path, monkeypatch)


def test_the_phone_numbers_are_the_platform_minimums_or_more():
    assert PHONE.min_target_px >= 48 and PHONE.primary_target_px >= PHONE.min_target_px
    assert PHONE.smallest_px >= 16 and PHONE.body_px[0] > PHONE.smallest_px
    assert PHONE.key_spacing_px >= 8 and PHONE.gap_px >= 8
    assert list(PHONE.body_px) == sorted(PHONE.body_px) and PHONE.heading_scale > 1
    assert metrics_for("kiosk") is KIOSK and metrics_for(Profile.PHONE) is PHONE


def test_a_look_keeps_the_phone_sizes_when_the_resident_changes_text_size():
    look = Look(Theme.STANDARD, TextSize.STANDARD, PHONE)
    larger = look.with_changes(text_size=TextSize.LARGEST)
    assert larger.metrics is PHONE and larger.body_px == 28 and larger.small_px >= 16
    assert Look(Theme.STANDARD, TextSize.STANDARD).body_px == 32  # the kiosk's, unchanged


@pytest.fixture
def phone(settings, kiosk_paths, japanese_qapp, qtbot):
    update = {"profile": Profile.PHONE, "card_reader": "sim", "scanner": "sim"}
    services = build_services(settings.model_copy(update=update), kiosk_paths)
    window = KioskWindow(
        services, QtEventBridge(services.events), Look(settings.theme, settings.text_size)
    )
    window.resize(*PHONE_SIZE)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window, services
    window.close()
    services.close()


def test_the_keyboard_and_picker_pages_need_no_scrolling_at_the_standard_size(phone, qtbot):
    window, _ = phone
    window.choose_procedure("tenkyo")
    use_demo_card(qtbot, window)
    seen = set()
    for _ in range(20):
        if window.stack.currentWidget() is not window.question:
            break
        page = window.session.page
        if f"card-question-{page.id}" in INPUT_PAGES:
            _fits(qtbot, window.question, f"{page.id} scrolls")
            seen.add(f"card-question-{page.id}")
        answer_by_touch(page, window.question.input, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
    assert seen == set(INPUT_PAGES)


def _scroll_range(page) -> int:
    """How far the page's content would scroll: 0 when it fits between header and footer."""
    return page.page_scroll.scroll.verticalScrollBar().maximum()


def _fits(qtbot, page, problem: str) -> None:
    """The page's content fits once its layout has settled (a busy machine lays out late)."""
    try:
        qtbot.waitUntil(lambda: _scroll_range(page) == 0, timeout=WAIT_MS)
    except qtbot.TimeoutError:
        raise AssertionError(f"{problem}: {_scroll_range(page)} px too tall") from None


@pytest.mark.parametrize("language", list(TITLE_LANGUAGES))
def test_home_card_and_kana_pages_fit_the_phone_at_the_largest_size(phone, qtbot, language):
    """Issue 19: at the largest size, in every language, the pages a resident types or taps
    on (home, placing the card, its PIN, the フリガナ keyboard) fit without scrolling."""
    window, _ = phone
    window.set_look(window.look.with_changes(text_size=TextSize.LARGEST))
    window.set_language(language)
    qtbot.waitUntil(lambda: _scroll_range(window.home) == 0, timeout=WAIT_MS)
    assert window.home.primary_button.isVisible() and window.home.scan_button.isVisible()
    window.choose_procedure("tenkyo")
    qtbot.waitUntil(lambda: window.card.demo_place.isVisible(), timeout=WAIT_MS)
    _fits(qtbot, window.card, "placing the card scrolls")
    tap(qtbot, window.card.demo_place)
    qtbot.waitUntil(lambda: window.card.pad_buttons["0"].isVisible(), timeout=WAIT_MS)
    _fits(qtbot, window.card, "the PIN page scrolls")
    for digit in window.services.card_reading.demo_pin:
        tap(qtbot, window.card.pad_buttons[digit])
    tap(qtbot, window.card.primary_button)
    qtbot.waitUntil(lambda: window.card.demo_take.isVisible(), timeout=WAIT_MS)
    tap(qtbot, window.card.demo_take)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.question, timeout=WAIT_MS)
    while window.session.page.type is not FieldType.KANA_NAME:
        answer_by_touch(window.session.page, window.question.input, lambda b: tap(qtbot, b))
        tap(qtbot, window.question.primary_button)
    assert isinstance(window.question.input, KanaKeyboard)
    _fits(qtbot, window.question, "the フリガナ keyboard scrolls")


def test_a_kana_name_offers_katakana_only(phone, qtbot):
    """ABC or 123 would only be refused on a フリガナ page: no mode keys there (their row is
    the one a phone lacks at the largest size); an ordinary text page keeps all four."""
    window, _ = phone
    window.choose_procedure("tenkyo")
    use_demo_card(qtbot, window)
    while window.session.page.type is not FieldType.KANA_NAME:
        answer_by_touch(window.session.page, window.question.input, lambda b: tap(qtbot, b))
        tap(qtbot, window.question.primary_button)
    keyboard = window.question.input
    assert keyboard.mode() is KeyboardMode.KATAKANA
    assert not any(key.isVisible() for key in keyboard.mode_keys.values())
    plain = KanaKeyboard("", 10, window.t, metrics=PHONE)
    qtbot.addWidget(plain)
    plain.show()
    assert all(key.isVisible() for key in plain.mode_keys.values())


@pytest.mark.parametrize("text_size", ["standard", "largest"])
@pytest.mark.parametrize("procedure_id", ["juminhyo", "tenkyo"])
def test_a_procedure_can_be_completed_by_touch_on_the_phone(phone, qtbot, procedure_id, text_size):
    """住民票 (choices, a stepper) and 転居届 (the card, the kana keyboard, the 和暦 picker,
    the postal code, the number pad), each key reached the way a resident would: a kana in
    the other group after its tab, a month after the 月 tab."""
    window, services = phone
    if text_size != "standard":
        window.set_look(window.look.with_changes(text_size=TextSize(text_size)))
    procedure = services.catalog.procedure(procedure_id)
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons[procedure.category])
    window.menu.page_scroll.scroll.ensureWidgetVisible(window.menu.procedure_buttons[procedure_id])
    tap(qtbot, window.menu.procedure_buttons[procedure_id])
    if procedure.prefill:
        use_demo_card(qtbot, window)
    scroll = window.question.page_scroll.scroll

    def scroll_and_tap(button) -> None:  # at the largest size a key may be under the fold
        scroll.ensureWidgetVisible(button)
        tap(qtbot, button)

    for _ in range(60):
        if window.stack.currentWidget() is not window.question:
            break
        page = window.session.page
        assert window.size().toTuple() == PHONE_SIZE, f"{procedure_id}.{page.id} grew the window"
        answer_by_touch(page, window.question.input, scroll_and_tap)
        tap(qtbot, window.question.primary_button)
        if window.question.isVisible() and window.question.error.isVisible():
            raise AssertionError(f"{procedure_id}.{page.id}: {window.question.error.text()}")
    assert window.stack.currentWidget() is window.review, procedure_id
    assert window.size().toTuple() == PHONE_SIZE
    tap(qtbot, window.review.primary_button)
    assert window.stack.currentWidget() is window.completion
    assert window.completion.number.text().startswith("A-")
