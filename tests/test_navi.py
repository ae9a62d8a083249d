"""手続きナビ on screen: what happened, a few yes/no answers, today's list with counters, then
the kiosk's procedures in one visit: the card read once, shared answers asked once."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from kiosk.cli.local_backend import build_services
from screens.theme import Look
from screens.tour import answer_by_touch
from tests.gui import show_window, tap, use_demo_card

WAIT_MS = 10_000


@pytest.fixture
def kiosk(settings, kiosk_paths, japanese_qapp, qtbot):
    services = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    window = show_window(services, qtbot, Look(settings.theme, "standard"))
    yield window, services
    window.close()
    services.close()


def screen_text(window) -> str:
    return " ".join(label.text() for label in window.life.findChildren(QLabel) if label.isVisible())


def answer_pages(qtbot, window) -> list[str]:
    asked = []
    while window.stack.currentWidget() is window.question:
        page = window.session.page
        asked.append(page.id)
        answer_by_touch(page, window.question.input, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
        assert not window.question.error.isVisible(), (page.id, window.question.error.text())
    return asked


def test_moving_in_with_children_is_two_kiosk_procedures_in_one_visit(kiosk, qtbot):
    window, services = kiosk
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.navi_button)
    tap(qtbot, window.life.event_buttons["moving"])
    answers = {"moved_in": True, "children": True, "kokuho": False}
    while window.life.mode == "question":
        question = window.navi.next_question()
        tap(qtbot, window.life.yes_button if answers[question.id] else window.life.no_button)
    assert window.life.mode == "plan"
    shown = screen_text(window)
    assert "転入届" in shown and "児童手当" in shown and shown.count("この端末で入力できます") == 2

    tap(qtbot, window.life.primary_button)  # start the kiosk's procedures
    assert window.stack.currentWidget() is window.card  # read once for the visit
    use_demo_card(qtbot, window)
    assert window.stack.currentWidget() is window.question

    first = answer_pages(qtbot, window)
    assert window.session.procedure.id == "tennyu"
    tap(qtbot, window.review.primary_button)
    assert window.completion.primary_button.text() == "つぎの手続きへ"
    tap(qtbot, window.completion.primary_button)

    assert window.session.procedure.id == "jido_teate"
    assert window.session.answer_for("name") is not None  # the card, read once, fills both
    second = answer_pages(qtbot, window)
    shared = {p.id for p in window.session.procedure.pages if p.shared} & set(first)
    assert not shared & set(second), "a shared answer was asked twice"
    tap(qtbot, window.review.primary_button)
    assert window.completion.primary_button.text() == "おわる"
    tap(qtbot, window.completion.primary_button)
    assert window.stack.currentWidget() is window.home
    assert len(services.store.outbox_ids()) == 2


def test_navi_back_goes_one_question_back(kiosk, qtbot):
    window, _ = kiosk
    window.open_navi()
    tap(qtbot, window.life.event_buttons["moving"])
    first = window.navi.next_question().id
    tap(qtbot, window.life.no_button)
    assert window.navi.next_question().id != first
    tap(qtbot, window.life.back_button)
    assert window.navi.next_question().id == first
    tap(qtbot, window.life.back_button)
    assert window.life.mode == "events"


def test_steps_done_only_at_a_counter_are_listed_with_their_counter(kiosk, qtbot):
    window, _ = kiosk
    window.open_navi()
    tap(qtbot, window.life.event_buttons["moving"])
    answers = {"moved_in": False, "moved_within": True, "children": True, "kokuho": True}
    while window.life.mode == "question":
        question = window.navi.next_question()
        tap(qtbot, window.life.yes_button if answers[question.id] else window.life.no_button)
    shown = screen_text(window)
    assert (
        "転居届" in shown and "児童手当の住所変更" in shown and "国民健康保険証の住所変更" in shown
    )
    assert shown.count("窓口で手続きします") == 2
