"""What every page of the setup wizard shares: the staff text sizes, a page with its heading,
hint, problem and result lines, a choice list of large buttons, and running slow work off the
GUI thread.

Staff-facing: every label is "日本語 / English", like technician mode (screens/technician.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.metrics import KIOSK, Metrics
from screens.number_pad import key_style
from screens.widgets import big_button, label

# Staff text: the residents' text size does not apply, bilingual labels must fit (as in
# technician mode); on the phone profile (a trainer's projected demo) it is smaller.
STAFF_PX = {False: (30, 26, 40), True: (17, 15, 22)}  # button/body, small, heading


def staff_style(metrics: Metrics) -> str:
    body, small, heading = STAFF_PX[metrics.narrow]
    return (
        key_style(metrics)
        + f"""
QPushButton {{ font-size: {body}px; }}
QLabel {{ font-size: {body}px; }}
QLabel[role="small"] {{ font-size: {small}px; }}
QLabel[role="heading"] {{ font-size: {heading}px; font-weight: bold; }}
QLabel[role="ok"] {{ font-size: {body}px; font-weight: bold; color: #0A6B2E; }}
QLabel[role="scan"] {{ font-size: {heading}px; font-weight: bold; border: 3px dashed #555;
    padding: 8px; }}
"""
    )


class Work(QObject):
    """Runs one slow call at a time on a worker thread; the result comes back as a signal
    (queued onto the GUI thread). The calls carry their own deadlines."""

    finished = Signal(object)  # the result
    failed = Signal(str)  # the problem in words

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.busy = False

    def run(self, call: Callable[[], object]) -> bool:
        if self.busy:
            return False
        self.busy = True
        threading.Thread(target=self._run, args=(call,), name="setup-work", daemon=True).start()
        return True

    def _run(self, call: Callable[[], object]) -> None:
        from kiosk.setup_wizard import WizardProblem

        try:
            result = call()
        except WizardProblem as problem:
            self.busy = False
            self.failed.emit(str(problem))
            return
        except Exception as error:  # shown in words, never a traceback on the screen
            self.busy = False
            self.failed.emit(f"エラー / Error: {type(error).__name__}: {error}"[:400])
            return
        self.busy = False
        self.finished.emit(result)


class StepPage(QWidget):
    """One step: heading, hint, the step's own body, a result line and a problem line."""

    changed = Signal()  # something was written: the summary and the navigation refresh

    def __init__(self, title: str, hint: str, metrics: Metrics = KIOSK) -> None:
        super().__init__()
        self.metrics = metrics
        self.work = Work(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(metrics.gap_px)
        self.heading = label(title, role="heading", name="setup_heading")
        self.hint = label(hint, role="small", name="setup_hint")
        outer.addWidget(self.heading)
        outer.addWidget(self.hint)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.setSpacing(metrics.gap_px)
        # A phone cannot show a whole step at once, nor a kiosk with many serial ports: the
        # body scrolls (its scroll bar is a staff control; no QScroller, which holds back
        # taps), while the heading and the result lines stay in view.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.body)
        # The page's own background shows through (the viewport would paint it grey).
        scroll.viewport().setAutoFillBackground(False)
        self.body.setAutoFillBackground(False)
        scroll.setStyleSheet("QScrollArea { background: transparent; }")
        outer.addWidget(scroll, 1)
        self.result = label(role="ok", name="setup_result")
        self.problem = label(role="error", name="setup_problem")
        outer.addWidget(self.result)
        outer.addWidget(self.problem)
        self.result.hide()
        self.problem.hide()
        self.work.failed.connect(self.show_problem)

    def show_problem(self, text: str) -> None:
        self.result.hide()
        self.problem.setText(text)
        self.problem.show()

    def show_result(self, text: str) -> None:
        self.problem.hide()
        self.result.setText(text)
        self.result.show()

    def clear_lines(self) -> None:
        self.problem.hide()
        self.result.hide()

    def entered(self) -> None:
        """The page is shown: refresh lists, start live tests."""

    def left(self) -> None:
        """The page is hidden: stop live tests."""


class ChoiceList(QWidget):
    """Large checkable buttons, one per choice (ports, models, readers); one is chosen."""

    chosen = Signal(str)

    def __init__(self, name: str, metrics: Metrics = KIOSK, columns: int = 1) -> None:
        super().__init__()
        self.setObjectName(name)
        self.metrics = metrics
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(metrics.gap_px)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}

    def set_choices(self, choices: list[tuple[str, str]], current: str = "") -> None:
        """choices: (value, text shown)."""
        for button in self.buttons.values():
            self.group.removeButton(button)
            button.deleteLater()
        self.buttons = {}
        for index, (value, text) in enumerate(choices):
            button = big_button(text, name=f"{self.objectName()}_{index}", metrics=self.metrics)
            button.setCheckable(True)
            button.setMinimumHeight(self.metrics.min_target_px)
            # Grows to its wrapped lines (a by-id name is long), never cut.
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
            button.setProperty("value", value)
            button.clicked.connect(lambda _=False, v=value: self.choose(v))
            self.group.addButton(button)
            self.grid.addWidget(button, index // self.columns, index % self.columns)
            button.show()  # added to a shown page: Qt would only show it at the next loop
            self.buttons[value] = button
        if current in self.buttons:
            self.buttons[current].setChecked(True)

    def choose(self, value: str) -> None:
        if value in self.buttons:
            self.buttons[value].setChecked(True)
        self.chosen.emit(value)

    def value(self) -> str:
        checked = self.group.checkedButton()
        return str(checked.property("value")) if checked is not None else ""


def side_by_side(metrics: Metrics) -> tuple[QWidget, QBoxLayout]:
    """A step's body in two parts: side by side on the kiosk, one above the other on a phone."""
    direction = (
        QBoxLayout.Direction.TopToBottom if metrics.narrow else QBoxLayout.Direction.LeftToRight
    )
    holder = QWidget()
    layout = QBoxLayout(direction, holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(metrics.gap_px * 2)
    return holder, layout


def row(*widgets: QWidget, spacing: int = 16) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(spacing)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return holder


def action_button(text: str, name: str, metrics: Metrics, role: str = "") -> QPushButton:
    button = big_button(text, role=role, name=name, metrics=metrics)
    button.setMinimumHeight(metrics.primary_target_px)
    return button


ALIGN_TOP = Qt.AlignmentFlag.AlignTop
