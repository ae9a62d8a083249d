"""手続きナビ: choose what happened (引っ越し, 出生 …), answer a few yes/no questions, and see
today's list: each step with its counter, and those this kiosk can do started in one go.

Which questions and which steps come from core.life_events; this screen renders them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from core.life_events import EventQuestion, LifeEvent, PlannedStep
from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.widgets import ScrollingColumn, big_button, label


class LifeEventScreen(PageFrame):
    event_chosen = Signal(str)
    answered = Signal(bool)

    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics)
        self.setObjectName("life_event")
        self.heading = label(role="heading", name="heading")
        self.content.addWidget(self.heading)
        self._choices_host = QWidget()
        self._choices = QGridLayout(self._choices_host)
        self._choices.setSpacing(metrics.gap_px if metrics.narrow else 32)
        if metrics.narrow:
            self._choices.setContentsMargins(0, 0, 0, 0)
        self.content.addWidget(self._choices_host)
        self.plan = ScrollingColumn("plan_rows", metrics)
        self.content.addWidget(self.plan, 1)
        self.stretch_host = QWidget()  # keeps the buttons at the top when there is no plan
        self.content.addWidget(self.stretch_host, 1)
        self.event_buttons: dict[str, QPushButton] = {}
        self.yes_button: QPushButton | None = None
        self.no_button: QPushButton | None = None
        self.mode = "events"

    def _clear_choices(self) -> None:
        while self._choices.count():
            widget = self._choices.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.event_buttons = {}
        self.yes_button = self.no_button = None

    def _show(self, mode: str, t: Callable[..., str], primary_key: str = "next") -> None:
        self.mode = mode
        self.set_footer_texts(t, primary_key=primary_key)
        self.title.setText(t("navi_title"))
        self.plan.setVisible(mode == "plan")
        self.stretch_host.setVisible(mode != "plan")
        self._choices_host.setVisible(mode != "plan")
        self.primary_button.setVisible(mode == "plan")

    def show_events(self, events: list[LifeEvent], language: str, t: Callable[..., str]) -> None:
        self._show("events", t)
        self.heading.setText(t("navi_heading"))
        self._clear_choices()
        for index, event in enumerate(events):
            button = big_button(
                f"{event.title.text(language)}\n{event.summary.text(language)}",
                name=f"event_{event.id}",
                metrics=self.metrics,
            )
            button.setMinimumHeight(round(self.metrics.primary_target_px * 1.6))
            button.clicked.connect(lambda _=False, e=event.id: self.event_chosen.emit(e))
            columns = self.metrics.menu_columns
            self._choices.addWidget(button, index // columns, index % columns)
            button.show()
            self.event_buttons[event.id] = button

    def show_question(
        self, event: LifeEvent, question: EventQuestion, language: str, t: Callable[..., str]
    ) -> None:
        self._show("question", t)
        self.title.setText(f"{t('navi_title')}：{event.title.text(language)}")
        self.heading.setText(question.question.text(language))
        self._clear_choices()
        self.yes_button = big_button(t("yes"), name="answer_yes", metrics=self.metrics)
        self.no_button = big_button(t("no"), name="answer_no", metrics=self.metrics)
        for column, (button, value) in enumerate(
            ((self.yes_button, True), (self.no_button, False))
        ):
            button.setMinimumHeight(self.metrics.primary_target_px)
            button.clicked.connect(lambda _=False, v=value: self.answered.emit(v))
            self._choices.addWidget(button, 0, column)
            button.show()

    def show_plan(
        self,
        event: LifeEvent,
        plan: list[PlannedStep],
        language: str,
        t: Callable[..., str],
    ) -> None:
        self._show("plan", t, primary_key="navi_start")
        self.title.setText(f"{t('navi_title')}：{event.title.text(language)}")
        self.heading.setText(t("navi_plan_heading") if plan else t("navi_nothing"))
        self.plan.set_texts(t)
        self.plan.clear()
        for number, step in enumerate(plan, start=1):
            self.plan.add_row(self._step_row(number, step, language, t))
        self.primary_button.setEnabled(any(step.procedure is not None for step in plan))

    def _step_row(
        self, number: int, step: PlannedStep, language: str, t: Callable[..., str]
    ) -> QFrame:
        row = QFrame()
        row.setProperty("role", "row")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(self.metrics.gap_px if self.metrics.narrow else 24)
        text = QVBoxLayout()
        text.setSpacing(4)
        text.addWidget(label(f"{number}. {step.title.text(language)}", name=f"step_{number}"))
        where = t(
            "receipt_counter", number=step.counter.number, name=step.counter.name.text(language)
        )
        how = t("navi_here") if step.procedure is not None else t("navi_at_counter")
        text.addWidget(label(f"{how}　{where}", role="small"))
        if step.note is not None:
            text.addWidget(label(step.note.text(language), role="small"))
        layout.addLayout(text, 1)
        mark = label("✓ " + t("navi_kiosk_mark") if step.procedure else "", wrap=False)
        if self.metrics.narrow:
            text.addWidget(mark)  # a phone has no width to spare for a column of marks
            mark.setVisible(step.procedure is not None)
        else:
            mark.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(mark)
        return row
