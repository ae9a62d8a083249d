"""A scripted walk through every screen, each grabbed to a PNG (how we look at the UI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from core.catalog import FieldType
from core.catalog_pages import is_more_page
from core.flow import Step
from kiosk.config import Profile
from kiosk.events import CardPageChanged, CardStep
from kiosk.navigator import FIRST_CARD_PAGE
from kiosk.qtbridge import QtEventBridge
from kiosk.services import Services
from screens.kana_keyboard import KanaKeyboard, KeyboardMode
from screens.number_pad import NumberPad
from screens.postal_entry import PostalEntry
from screens.question import ChoiceButtons, Stepper, touch_ready
from screens.technician import PAGES as TECHNICIAN_PAGES
from screens.town_chooser import TownAddressEntry
from screens.wareki_picker import WarekiPicker
from screens.window import KioskWindow


def _settle() -> None:
    # A few rounds: a button that wraps its words asks for a new height one round later.
    for _ in range(6):
        QCoreApplication.processEvents()


def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Process Qt events until the condition holds (card replies come from another thread)."""
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the screen did not reach the expected state in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _read_demo_card(window: KioskWindow) -> None:
    """The card page's shortest way through: place the demo card, its PIN, take it."""
    reading = window.services.card_reading

    def card_page() -> CardPageChanged:
        return window.navigator.card_page or FIRST_CARD_PAGE

    window.card.demo_place.click()
    wait_until(lambda: card_page().step is CardStep.PIN_ENTRY)
    for digit in reading.demo_pin:
        window.card.pad_buttons[digit].click()
    window.card.primary_button.click()
    wait_until(lambda: card_page().step is CardStep.TAKE_CARD)
    window.card.demo_take.click()
    wait_until(lambda: window.stack.currentWidget() is not window.card)


def card_walk(window: KioskWindow, shot: Callable[[str], None], procedure_id: str) -> None:
    """The My Number Card path with the simulated reader: place, PIN (once wrong), take."""
    reading = window.services.card_reading

    def card_page() -> CardPageChanged:
        return window.navigator.card_page or FIRST_CARD_PAGE

    window.choose_procedure(procedure_id)
    shot("card-place")
    window.card.demo_place.click()
    wait_until(lambda: card_page().step is CardStep.PIN_ENTRY)
    shot("card-pin")
    wrong = "0000" if reading.demo_pin != "0000" else "1111"
    for digit in wrong:
        window.card.pad_buttons[digit].click()
    window.card.primary_button.click()
    wait_until(lambda: card_page().notice_key == "card_wrong_pin")
    shot("card-pin-wrong")
    for digit in reading.demo_pin:
        window.card.pad_buttons[digit].click()
    window.card.primary_button.click()
    wait_until(lambda: card_page().step is CardStep.TAKE_CARD)
    shot("card-take")
    window.card.demo_take.click()
    wait_until(lambda: window.stack.currentWidget() is not window.card)


PAD_ANSWERS = {"phone": "09012345678", "my_number": "621498320257"}


def answer_by_touch(page, widget, tap: Callable[[QPushButton], None]) -> None:
    """What a resident would touch for this page, whatever its widget (tests pass a tap that
    sends real mouse events; the tour clicks)."""

    def press(key: QPushButton) -> None:
        # On a phone a key may sit behind a tab (は〜ん, 月, 住所): that tab first.
        tab = widget.tab_for(key) if hasattr(widget, "tab_for") else None
        if tab is not None:
            tap(tab)
        tap(key)

    if isinstance(widget, ChoiceButtons):
        if is_more_page(page.id):  # 「ほかにも…いますか」: one member, as most residents
            tap(widget.button(False))
        elif widget.value() in (None, []):
            preferred = "self" if "self" in widget.options() else widget.options()[0]
            tap(widget.button(preferred))
    elif isinstance(widget, Stepper):
        pass  # the offered count is an answer
    elif isinstance(widget, KanaKeyboard):
        mode, text = {
            FieldType.KANA_NAME: (KeyboardMode.KATAKANA, "ヤマ"),
            FieldType.ADDRESS: (KeyboardMode.DIGITS, "1-2-3"),
        }.get(page.type, (KeyboardMode.HIRAGANA, "やま"))
        if widget.mode() is not mode:
            tap(widget.mode_keys[mode])
        for character in text:
            press(widget.key(character))
    elif isinstance(widget, NumberPad):
        for digit in PAD_ANSWERS[page.type.value]:
            tap(widget.digit_keys[digit])
    elif isinstance(widget, PostalEntry) and widget.chooser is not None:
        # An in-city page: the municipality's first town, without knowing the code.
        press(widget.unknown_key)
        press(widget.chooser.town_keys[0])
    elif isinstance(widget, PostalEntry):
        for digit in "1000001":
            press(widget.pad.digit_keys[digit])
        press(widget.candidate_keys[0])
    elif isinstance(widget, TownAddressEntry):
        press(widget.chooser.town_keys[0])
        for character in "1-2-3":
            press(widget.keyboard.key(character))
    elif isinstance(widget, WarekiPicker) and widget.recent_keys:
        # A day just past: one touch (きのう where allowed, else the first day that is).
        enabled = [key for key in widget.recent_keys if key.isEnabled()]
        press(enabled[1] if len(enabled) > 1 else enabled[0])
    elif isinstance(widget, WarekiPicker):
        press(next(key for key in widget.era_keys.values() if key.isEnabled()))
        press(next(key for key in widget.month_keys.values() if key.isEnabled()))
        press(next(key for key in widget.day_keys.values() if key.isEnabled()))
    else:
        raise ValueError(f"no touch answer for {page.id} ({type(widget).__name__})")


OUTSIDE_POSTAL_CODE = "1000001"  # 東京都千代田区: outside the sample city (札幌市中央区)


def outside_walk(window: KioskWindow, shot: Callable[[str], None]) -> None:
    """Addresses outside the municipality on 転居届: a card registered elsewhere (led to 転入届),
    then by hand the previous address's page with an error, and a postal code outside the city
    (led to 転出届)."""
    reading = window.services.card_reading
    reading.use_demo_card_from_elsewhere()
    try:
        card_walk(window, lambda name: None, "tenkyo")
    finally:
        reading.use_demo_card_from_elsewhere(False)
    shot("elsewhere-card")
    window.go_home()
    window.choose_procedure("tenkyo")
    window.card.manual_button.click()
    shown_error = False
    while window.session is not None and window.stack.currentWidget() is window.question:
        page = window.session.page
        entry = window.question.input
        if page.id == "old_address" and not shown_error:
            window.submit_answer()  # nothing entered: the error in the hint's place
            shot("manual-question-old_address-error")
            shown_error = True
        if isinstance(entry, PostalEntry):
            for digit in OUTSIDE_POSTAL_CODE:
                key = entry.pad.digit_keys[digit]
                if (tab := entry.tab_for(key)) is not None:
                    tab.click()
                key.click()
            shot("manual-question-postal_code-outside")
            window.submit_answer()
            shot("elsewhere-typed")
            break
        answer_by_touch(page, entry, lambda button: button.click())
        window.submit_answer()
    window.go_home()


def answer_with_touch(widget: Stepper | ChoiceButtons | None) -> None:
    """What a resident would tap: one more on a stepper, the first option of a choice."""
    if isinstance(widget, Stepper):
        widget.more.click()
    elif isinstance(widget, ChoiceButtons):
        widget.choose(widget.options()[0])


def out_of_service_walk(window: KioskWindow, shot: Callable[[str], None]) -> None:
    """The 休止中 notice over the home screen, as the switch leaves it (a preset message),
    then back in service."""
    services = window.services
    in_service = services.settings
    services.settings = in_service.model_copy(
        update={"out_of_service": True, "out_of_service_message": "maintenance"}
    )
    try:
        window.staff_side.at_home()
        shot("out-of-service")
    finally:
        services.settings = in_service
        window.staff_side.at_home()


def household_walk(window: KioskWindow, shot: Callable[[str], None]) -> None:
    """手続きナビ's 引っ越し with 「お子さん」 answered いいえ; 転入 for two people, the second a
    child born in 令和: each person's pages, the review listing both, and the completion
    saying 児童手当 joined the day's list."""
    window.open_navi()
    window.choose_life_event("moving")
    while (question := window.navi.next_question()) is not None:
        window.answer_navi(question.id == "moved_in")
    window.life.primary_button.click()  # この端末で手続きをはじめる
    if window.stack.currentWidget() is window.card:
        _read_demo_card(window)
    added = False
    while window.session is not None and window.session.step is Step.QUESTION:
        page, entry = window.session.page, window.question.input
        if page.id == "mover_name#2":
            shot("household-question-second-person")
        if is_more_page(page.id) and not added:
            shot("household-question-more")
            entry.button(True).click()
            added = True
        elif page.id == "mover_birth_date#2" and isinstance(entry, WarekiPicker):
            entry.era_keys["令和"].click()  # a child: 令和元年5月1日
            entry.month_keys[5].click()
            entry.day_keys[1].click()
        else:
            answer_by_touch(page, entry, lambda button: button.click())
        window.submit_answer()
    shot("household-review")
    second = window.review.findChild(QLabel, "member_movers_2")
    for _ in range(8):  # down to the second person who moved: 取り消す, 変更 per answer
        if second is None or not second.visibleRegion().isEmpty():
            break
        window.review.down_button.click()
        _settle()
    shot("household-review-people")
    window.submit_application()
    window.services.wait_for_devices()
    shot("household-completion-next-added")
    window.go_home()


def walk(
    services: Services,
    bridge: QtEventBridge,
    outdir: Path,
    sizes: dict[Profile, tuple[int, int]],
    look_factory: Callable,
) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    settings = services.settings
    window = KioskWindow(services, bridge, look_factory(settings.theme, settings.text_size))
    window.resize(*sizes[settings.profile])
    window.show()
    written: list[Path] = []

    def shot(name: str) -> None:
        _settle()
        path = outdir / f"{len(written) + 1:02d}-{name}.png"
        if not window.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        written.append(path)

    shot("home")
    for language in ("ja-easy", "en"):
        window.set_language(language)
        shot(f"home-{language}")
    window.set_language(settings.language)
    window.open_menu()
    shot("menu")
    first = next(p for p in services.procedures() if touch_ready(p))
    window.open_category(first.category)
    shot(f"menu-{first.category}")
    window.choose_procedure(first.id)
    shown_error = False
    while window.session is not None and window.session.step is Step.QUESTION:
        page = window.session.page
        shot(f"question-{page.id}")
        if not shown_error and isinstance(window.question.input, ChoiceButtons):
            window.submit_answer()  # nothing chosen: the error shows next to the question
            shot(f"question-{page.id}-error")
            shown_error = True
        answer_with_touch(window.question.input)
        window.submit_answer()
    shot("review")
    window.call_staff()
    shot("staff-call")
    window.staff_overlay.hide()
    window.idle_warning.show_countdown(25, window.t)
    shot("idle-warning")
    window.idle_warning.hide()
    window.submit_application()
    services.wait_for_devices()
    shot("completion")
    window.device_problem.open(window.t("printer_paper_out"), window.t, "A-001")
    shot("device-problem")
    window.device_problem.hide()
    window.go_home()
    window.open_scan()
    shot("scan")
    window.scan.show_problem(window.t("scan_unknown_procedure"))
    shot("scan-problem")
    if window.scan.sample_button.isVisible():
        # The demo's sample code, read by the simulated scanner: its answers on the review.
        window.scan.sample_button.click()
        wait_until(lambda: window.stack.currentWidget() is window.review)
        shot("scan-sample-review")
        if window.review.card_check_button.isVisible():
            # マイナンバーカードで確認する: the card's items replace the phone's, differences shown.
            window.review.card_check_button.click()
            _read_demo_card(window)
            wait_until(lambda: window.stack.currentWidget() is window.review)
            shot("scan-sample-card-checked")
    window.go_home()
    window.open_navi()
    shot("navi-events")
    events = list(services.catalog.life_events)
    if "moving" in events:
        window.choose_life_event("moving")
        shot("navi-question")
        while window.navi.next_question() is not None:
            window.answer_navi(True)
        shot("navi-plan")
    window.go_home()
    window.technician.open_pin()
    shot("technician-pin")
    window.staff_side._show_menu()  # as after the right PIN
    shot("technician-menu")
    for page in TECHNICIAN_PAGES:
        window.technician.open_page(page)
        shot(f"technician-{page.replace('_', '-')}")
    window.technician.close_mode()
    out_of_service_walk(window, shot)
    if "moving" in services.catalog.life_events and "tennyu" in {
        p.id for p in services.procedures()
    }:
        household_walk(window, shot)
    # The card path on the procedure that uses the most widgets (転居届: kana, date, postal
    # code, address, phone), then each page it still asks, then the review.
    with_card = [p for p in services.procedures() if services.reads_cards_for(p) and touch_ready(p)]
    if with_card:
        ids = [p.id for p in with_card]
        card_walk(window, shot, "tenkyo" if "tenkyo" in ids else ids[0])
        while window.session is not None and window.session.step is Step.QUESTION:
            page = window.session.page
            shot(f"card-question-{page.id}")
            entry = window.question.input
            if isinstance(entry, PostalEntry) and entry.chooser is not None:
                entry.unknown_key.click()  # the municipality's 町名, for who lacks the code
                shot(f"card-question-{page.id}-towns")
                entry.code_key.click()
            answer_by_touch(page, window.question.input, lambda button: button.click())
            window.submit_answer()
        shot("card-review")
        if window.review.down_button.isVisible():
            window.review.down_button.click()  # the next page of whole rows
            shot("card-review-scrolled")
        window.go_home()
        if "tenkyo" in ids:
            outside_walk(window, shot)
    window.close()
    QApplication.processEvents()
    return written
