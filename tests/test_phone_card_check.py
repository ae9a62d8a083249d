"""A phone's answers checked against the My Number Card at the kiosk (issue 15): the card's
items take precedence on the pages it fills, and the review shows the phone's value wherever
the card's differs. Qt-free through the navigator, then the review screen rendered offscreen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import preentry
from devices.emulators.card_emulator import CardIdentity
from devices.scanner import Scan
from kiosk.cli.local_backend import build_services
from kiosk.navigator import Navigator
from kiosk.phone_entry import PhoneReviewItem, check_with_card, same
from kiosk.views import CardView, ReviewView, Screen
from tests.test_navigator import Inbox, read_demo_card

# r02 of tests/data/residents.json holds the card: 髙橋 一郎, born 1989-01-07 (the last day of
# 昭和), 北海道札幌市中央区北一条西2丁目. On the phone the resident typed 高 for 髙 (what the
# phone's keyboard offered first), 1989-01-08 (平成の初日, a slip) and the address with a
# full-width ２ — the same address as the card's.
PHONE_NAME, CARD_NAME = "高橋\u3000一郎", "髙橋\u3000一郎"


MOVER = {
    "mover_name": "高橋\u3000一郎",
    "mover_kana": "タカハシ\u3000イチロウ",
    "mover_birth_date": "1989-01-08",
    "mover_sex": "male",
    "mover_relation": "head",
}


def tenkyo_code(resident: dict) -> str:
    moved = (date.today() - timedelta(days=3)).isoformat()
    answers = {
        "applicant": "self",
        "name": "高橋 一郎",
        "kana": resident["kana"],
        "birth_date": "1989-01-08",
        "old_address": resident["address"].replace("2", "２"),
        "moving_date": moved,
        "postal_code": {
            "code": "0600001",
            "chosen": {"prefecture": "北海道", "city": "札幌市中央区", "town": "北一条西"},
        },
        "new_address": "3-4-5 ミナミハイツ101",
        "household_kind": "all",
        "movers": [MOVER],
        "kokuho": False,
        "phone": "09012345678",
    }
    return preentry.encode("tenkyo", answers)


@pytest.fixture
def card_services(settings, kiosk_paths):
    """A kiosk with the simulated card reader (as tests/test_navigator.py builds one)."""
    built = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    yield built
    built.close()


@pytest.fixture
def r02(residents) -> dict:
    return next(resident for resident in residents if resident["id"] == "r02")


def scanned(services, code: str) -> tuple[Navigator, Inbox]:
    inbox = Inbox(services)
    navigator = Navigator(services)
    navigator.open_scan()
    services.on_scan(Scan(code, "utf-8"))
    inbox.deliver_until(navigator, lambda: navigator.view.screen is not Screen.SCAN)
    return navigator, inbox


def by_page(view: ReviewView) -> dict[str, PhoneReviewItem]:
    items = {item.page.id: item for item in view.items}
    assert all(isinstance(item, PhoneReviewItem) for item in items.values())
    return items


def test_the_card_read_takes_precedence_and_the_review_shows_what_changed(card_services, r02):
    card_services.card_reading.simulated.use(CardIdentity.from_resident(r02))
    navigator, inbox = scanned(card_services, tenkyo_code(r02))
    review = navigator.view
    assert isinstance(review, ReviewView) and review.card_check
    before = by_page(review)
    assert before["name"].value == PHONE_NAME and before["name"].card_can_check
    assert not before["phone"].card_can_check  # the card knows no phone number

    card = check_with_card(navigator)
    assert isinstance(card, CardView) and card.procedure.id == "tenkyo"
    read_demo_card(navigator, card_services, inbox)

    checked = navigator.view
    assert isinstance(checked, ReviewView), checked
    assert not checked.card_check  # read once: nothing more to check
    answers = navigator.session.answers()
    assert answers["name"] == CARD_NAME  # the card's 髙, not the phone's 高
    assert answers["birth_date"] == "1989-01-07"
    items = by_page(checked)
    assert items["name"].phone_value == PHONE_NAME
    assert items["birth_date"].phone_value == "1989-01-08"
    # ２丁目 on the phone, 2丁目 on the card: the same address, so no difference is shown.
    assert items["old_address"].phone_value is None
    assert answers["old_address"] == r02["address"]
    # Everything the card does not know is the phone's, untouched.
    assert answers["phone"] == "09012345678" and answers["kana"] == "タカハシ\u3000イチロウ"
    assert answers["new_address"] == "3-4-5 ミナミハイツ101"
    assert all(items[page].phone_value is None for page in ("kana", "phone", "new_address"))
    # The first person who moved is the card's holder: the card's name and birth date there
    # too, the phone's shown beside them; what the card does not know (続柄) is the phone's.
    assert answers["movers"] == [
        {**MOVER, "mover_name": CARD_NAME, "mover_birth_date": "1989-01-07"}
    ]
    assert items["mover_name#1"].phone_value == PHONE_NAME
    assert items["mover_birth_date#1"].phone_value == "1989-01-08"
    assert items["mover_relation#1"].phone_value is None
    assert before["mover_name#1"].card_can_check and not before["mover_relation#1"].card_can_check


def test_a_proxys_card_leaves_the_people_who_moved_as_the_phone_gave_them(card_services, r02):
    """代理人: the card is the proxy's own, not the first mover's."""
    card_services.card_reading.simulated.use(CardIdentity.from_resident(r02))
    code = tenkyo_code(r02)
    entry = preentry.parse(code, card_services.catalog)
    answers = {**entry.answers, "applicant": "proxy"}
    navigator, inbox = scanned(card_services, preentry.encode("tenkyo", answers))
    check_with_card(navigator)
    read_demo_card(navigator, card_services, inbox)
    assert navigator.session.answer_for("name") == CARD_NAME  # the proxy's name: the card's
    assert navigator.session.answers()["movers"] == [MOVER]


def test_a_change_made_at_the_kiosk_before_the_card_is_kept(card_services, r02):
    card_services.card_reading.simulated.use(CardIdentity.from_resident(r02))
    navigator, inbox = scanned(card_services, tenkyo_code(r02))
    navigator.change_answer("phone")
    assert isinstance(navigator.submit_answer("0111234567"), ReviewView)
    check_with_card(navigator)
    read_demo_card(navigator, card_services, inbox)
    assert navigator.session.answer_for("phone") == "0111234567"
    assert navigator.session.answer_for("name") == CARD_NAME


def test_back_or_without_the_card_returns_to_the_phones_review(card_services, r02):
    navigator, _ = scanned(card_services, tenkyo_code(r02))
    phone_answers = navigator.session.answers()
    check_with_card(navigator)
    back = navigator.go_back()
    assert isinstance(back, ReviewView) and back.card_check
    assert navigator.session.answers() == phone_answers
    check_with_card(navigator)
    without = navigator.continue_without_card()
    assert isinstance(without, ReviewView) and without.card_check
    assert navigator.session.answers() == phone_answers
    assert navigator.card_procedure_id is None


def test_the_card_page_opened_any_other_way_is_not_a_check(card_services):
    """A card page opened by choosing a procedure, a phone's session still held: not a check
    of it. もどる leads to the category, and without the card the procedure starts afresh."""
    navigator, _ = scanned(card_services, tenkyo_code({"kana": "タカハシ イチロウ", "address": ""}))
    view = navigator.choose_procedure("tenkyo")
    assert isinstance(view, CardView)
    assert navigator.go_back().screen is Screen.MENU
    navigator.choose_procedure("tenkyo")
    assert navigator.continue_without_card().screen is Screen.QUESTION
    assert navigator.session.answers() == {}


def test_no_card_check_without_a_reader_or_for_a_procedure_the_card_cannot_fill(
    services, card_services, r02
):
    navigator, _ = scanned(services, tenkyo_code(r02))  # this kiosk has no card reader
    assert isinstance(navigator.view, ReviewView) and not navigator.view.card_check
    juminhyo = preentry.encode("juminhyo", {"applicant": "self", "copies": 2, "purpose": "work"})
    navigator, _ = scanned(card_services, juminhyo)  # nothing of 住民票 comes from the card
    assert isinstance(navigator.view, ReviewView) and not navigator.view.card_check


def test_same_reads_as_a_resident_does():
    assert same("北一条西２丁目", "北一条西2丁目")
    assert same("髙橋\u3000一郎", "髙橋 一郎")
    assert not same("高橋 一郎", "髙橋 一郎")
    assert not same("𠮷田", "吉田")
    assert same(3, 3) and not same("1989-01-07", "1989-01-08")


def test_the_review_screen_shows_the_phones_value_under_the_cards(
    card_services, r02, japanese_qapp, qtbot
):
    from PySide6.QtWidgets import QLabel

    from screens.review import ReviewScreen

    card_services.card_reading.simulated.use(CardIdentity.from_resident(r02))
    navigator, inbox = scanned(card_services, tenkyo_code(r02))
    screen = ReviewScreen()
    qtbot.addWidget(screen)
    screen.show()
    t = lambda key, **values: card_services.text(key, "ja", **values)  # noqa: E731
    screen.show_review(navigator.view, "ja", card_services.ui, t)
    assert screen.card_check_button.isVisible()
    assert screen.card_check_button.text() == "マイナンバーカードで確認する"
    assert screen.findChild(QLabel, "phone_name") is None
    clicks = []
    screen.card_check_requested.connect(lambda: clicks.append(True))
    screen.card_check_button.click()
    assert clicks == [True]

    check_with_card(navigator)
    read_demo_card(navigator, card_services, inbox)
    screen.show_review(navigator.view, "ja", card_services.ui, t)
    assert not screen.card_check_button.isVisible()
    assert screen.findChild(QLabel, "answer_name").text() == CARD_NAME
    note = screen.findChild(QLabel, "phone_name")
    assert note is not None and note.isVisible()
    assert note.text() == f"スマホの入力: {PHONE_NAME}（カードの内容に直しました）"
    birth = screen.findChild(QLabel, "phone_birth_date").text()
    assert birth == "スマホの入力: 平成元年1月8日（1989年1月8日）（カードの内容に直しました）"
    assert screen.findChild(QLabel, "phone_old_address") is None
    english = lambda key, **values: card_services.text(key, "en", **values)  # noqa: E731
    screen.show_review(navigator.view, "en", card_services.ui, english)
    assert screen.findChild(QLabel, "phone_name").text().startswith(f"On your phone: {PHONE_NAME}")


def test_by_touch_the_review_button_reads_the_card_and_shows_the_difference(
    card_services, r02, japanese_qapp, qtbot
):
    """The whole window: the scan page takes the phone's code, マイナンバーカードで確認する on its
    review opens the card page, the demo card is read by touch, and the review says what the
    phone had where the card differs."""
    from PySide6.QtWidgets import QLabel

    from tests.gui import WAIT_MS, show_window, tap, use_demo_card

    card_services.card_reading.simulated.use(CardIdentity.from_resident(r02))
    window = show_window(card_services, qtbot)
    window.open_scan()
    card_services.on_scan(Scan(tenkyo_code(r02), "utf-8"))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.review, timeout=WAIT_MS)
    tap(qtbot, window.review.card_check_button)
    assert window.stack.currentWidget() is window.card
    use_demo_card(qtbot, window)
    assert window.stack.currentWidget() is window.review
    assert not window.review.card_check_button.isVisible()
    assert window.review.findChild(QLabel, "answer_name").text() == CARD_NAME
    note = window.review.findChild(QLabel, "phone_name")
    assert note.text() == f"スマホの入力: {PHONE_NAME}（カードの内容に直しました）"
