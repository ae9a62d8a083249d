"""Idle: a resident who walks away is warned, can extend, and otherwise leaves nothing behind."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.idle import IdleClock, IdlePolicy, IdleState
from kiosk.qtbridge import QtEventBridge
from screens.theme import Look
from screens.window import KioskWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_quiet_then_warning_then_expiry():
    clock = FakeClock()
    idle = IdleClock(IdlePolicy(quiet_s=90, warning_s=30), clock)
    clock.now += 89
    assert idle.state is IdleState.ACTIVE
    clock.now += 1
    assert idle.state is IdleState.WARNING and idle.seconds_left() == 30
    clock.now += 29.5
    assert idle.seconds_left() == 1
    clock.now += 0.5
    assert idle.state is IdleState.EXPIRED and idle.seconds_left() == 0


def test_a_touch_starts_the_quiet_period_again():
    clock = FakeClock()
    idle = IdleClock(IdlePolicy(), clock)
    clock.now += 100
    idle.touch()
    clock.now += 80
    assert idle.state is IdleState.ACTIVE


def test_the_warning_must_leave_at_least_20_seconds():
    with pytest.raises(ValueError, match="20 seconds"):
        IdlePolicy(warning_s=10)


@pytest.fixture
def window(services, japanese_qapp, qtbot):
    clock = FakeClock()
    widget = KioskWindow(
        services,
        QtEventBridge(services.events),
        Look(services.settings.theme, services.settings.text_size),
        now=clock,
    )
    widget.resize(1920, 1080)
    qtbot.addWidget(widget)
    widget.show()
    widget.clock = clock
    return widget


def reach_review(window, qtbot):
    qtbot.mouseClick(window.home.primary_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.menu.category_buttons["certificates"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.menu.procedure_buttons["juminhyo"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.question.input.button("self"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.question.primary_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.question.input.more, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.question.primary_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.question.input.button("work"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.question.primary_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.review


def visible_texts(window) -> list[str]:
    return [w.text() for w in window.findChildren(QLabel) + window.findChildren(QPushButton)]


def test_the_warning_can_be_extended_ten_times_and_nothing_is_lost(window, qtbot):
    reach_review(window, qtbot)
    for _ in range(12):
        window.clock.now += 95
        window.check_idle()
        assert window.idle_warning.isVisible()
        assert "25" in window.idle_warning.countdown.text()
        qtbot.mouseClick(window.idle_warning.button, Qt.MouseButton.LeftButton)
        window.check_idle()
        assert not window.idle_warning.isVisible()
    assert window.stack.currentWidget() is window.review
    assert window.session.answers() == {"applicant": "self", "copies": 2, "purpose": "work"}
    assert window.idle.extensions == 12


def test_after_expiry_no_widget_holds_the_answers(window, qtbot):
    reach_review(window, qtbot)
    assert any("勤務先" in text for text in visible_texts(window))
    window.clock.now += 90 + 30
    window.check_idle()
    assert window.stack.currentWidget() is window.home
    assert window.session is None and not window.idle_warning.isVisible()
    leftovers = [
        text
        for text in visible_texts(window)
        if "勤務先" in text or "2通" in text or text == "本人"
    ]
    assert leftovers == []
    assert window.review.findChildren(QLabel, "answer_copies") == []


def test_a_finished_application_does_not_stay_on_screen(window, qtbot):
    reach_review(window, qtbot)
    qtbot.mouseClick(window.review.primary_button, Qt.MouseButton.LeftButton)
    number = window.completion.number.text()
    assert number
    window.clock.now += 120
    window.check_idle()
    assert window.stack.currentWidget() is window.home
    assert not any(number in text for text in visible_texts(window))
