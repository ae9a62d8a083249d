"""The setup wizard's frame: a step indicator, the step pages (kiosk/setup_wizard.py says their
order), 戻る/次へ; the first start's window around it; and open_wizard() for technician mode,
which reopens one step over the running kiosk."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.config_base import KioskPaths
from kiosk.setup_wizard import STEPS, TITLES, SetupWizard, Step
from screens.metrics import KIOSK, Metrics
from screens.setup.backend_step import BackendStep
from screens.setup.card_step import CardStep
from screens.setup.common import StepPage, action_button, staff_style
from screens.setup.pin_step import PinStep
from screens.setup.printer_step import PrinterStep
from screens.setup.scanner_step import ScannerStep
from screens.setup.summary_step import SummaryStep
from screens.widgets import label

NEXT_START = "次回起動時に反映 / applies at next start"
APPLIED = "反映しました / applied now"
DEVICE_SETTINGS = {
    Step.PRINTER: ("printer", "printer_model"),
    Step.SCANNER: ("scanner",),
    Step.CARD_READER: ("card_reader",),
    Step.PIN: ("technician_pin_hash",),
    Step.BACKEND: ("backend_url", "kiosk_id", "kiosk_letter", "municipality"),
}


class SetupWizardView(QWidget):
    """All the steps, or (reopened from technician mode) one of them with a close button."""

    start_operation = Signal()  # 運用開始 on the summary
    closed = Signal(object)  # reopened: the step that was shown (its settings may have changed)

    def __init__(
        self,
        wizard: SetupWizard,
        metrics: Metrics = KIOSK,
        extra_ports: tuple[str, ...] = (),
        single: Step | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("setup_wizard")
        self.setProperty("screen", True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(staff_style(metrics))
        self.wizard = wizard
        self.metrics = metrics
        self.single = single
        margin = metrics.page_margins
        layout = QVBoxLayout(self)
        layout.setContentsMargins(*margin)
        layout.setSpacing(metrics.gap_px)
        self.indicator = label(role="small", name="setup_indicator")
        layout.addWidget(self.indicator)
        self.pages: dict[Step, StepPage] = {
            Step.PIN: PinStep(wizard, metrics),
            Step.SCANNER: ScannerStep(wizard, metrics, extra_ports),
            Step.BACKEND: BackendStep(wizard, metrics),
            Step.PRINTER: PrinterStep(wizard, metrics, extra_ports),
            Step.CARD_READER: CardStep(wizard, metrics),
            Step.SUMMARY: SummaryStep(wizard, metrics),
        }
        self.stack = QStackedWidget()
        for step in STEPS:
            self.stack.addWidget(self.pages[step])
        layout.addWidget(self.stack, 1)
        footer = QHBoxLayout()
        footer.setSpacing(metrics.gap_px)
        self.back_button = action_button("戻る / Back", "setup_back", metrics)
        self.next_button = action_button("次へ / Next", "setup_next", metrics, role="primary")
        self.close_button = action_button("閉じる / Close", "setup_close", metrics, role="primary")
        wide = 1 if metrics.narrow else 3
        for button in (self.back_button, self.next_button, self.close_button):
            button.setMinimumWidth(metrics.primary_target_px * wide)
        footer.addWidget(self.back_button)
        footer.addStretch(1)
        footer.addWidget(self.next_button)
        footer.addWidget(self.close_button)
        layout.addLayout(footer)
        self.back_button.clicked.connect(lambda: self.go(-1))
        self.next_button.clicked.connect(lambda: self.go(1))
        self.close_button.clicked.connect(self._close)
        self.pages[Step.SUMMARY].start_requested.connect(self._start)
        for page in self.pages.values():
            page.changed.connect(self._refresh)
        self.step = single or STEPS[0]
        self.open_at(self.step)

    @property
    def page(self) -> StepPage:
        return self.pages[self.step]

    def open_at(self, step: Step | str) -> None:
        """Show one step (the technician's later visit starts here)."""
        self.page.left()
        self.step = Step(step)
        self.stack.setCurrentWidget(self.page)
        self.page.entered()
        self._refresh()

    def go(self, direction: int) -> None:
        index = STEPS.index(self.step) + direction
        if 0 <= index < len(STEPS):
            self.open_at(STEPS[index])

    def _refresh(self) -> None:
        index = STEPS.index(self.step)
        single = self.single is not None
        if single:
            shown = "技術者モード / Technician mode"
        elif self.metrics.narrow:  # a phone has no room for the whole path
            shown = f"セットアップ / Setup  {index + 1}/{len(STEPS)}"
        else:
            marks = (
                ("▶ " if step is self.step else "✓ " if self._done(step) else "")
                + TITLES[step].split(" / ")[0]
                for step in STEPS
            )
            shown = f"セットアップ / Setup  {index + 1}/{len(STEPS)}  ·  " + "  →  ".join(marks)
        self.indicator.setText(shown)
        self.back_button.setVisible(not single and index > 0)
        self.next_button.setVisible(not single and self.step is not Step.SUMMARY)
        self.next_button.setEnabled(self._may_leave(self.step))
        self.close_button.setVisible(single)

    def _done(self, step: Step) -> bool:
        c = self.wizard.choices
        return {
            Step.PIN: c.pin_set,
            Step.BACKEND: c.enrolled,
            Step.PRINTER: bool(c.printer),
            Step.SCANNER: bool(c.scanner),
            Step.CARD_READER: bool(c.card_reader),
        }.get(step, False)

    def _may_leave(self, step: Step) -> bool:
        """The PIN must be set before anything else (the wizard is technician mode); devices
        may be left as they are and the backend step is checked by 運用開始."""
        return step is not Step.PIN or self.wizard.choices.pin_set

    def _start(self) -> None:
        self.page.left()
        self.start_operation.emit()

    def _close(self) -> None:
        self.page.left()
        self.closed.emit(self.step)

    def stop(self) -> None:
        """Stop any live test (the wizard is going away)."""
        self.page.left()


class FirstStartWindow(QWidget):
    """The first start's window: the wizard where the kiosk will be, same title and size,
    frameless and touch-only when locked (a keyboard's Alt+F4 does not end it)."""

    def __init__(self, view: SetupWizardView, look, locked: bool) -> None:
        super().__init__()
        self.setWindowTitle("Madoguchi 窓口")
        self.setObjectName("kiosk_root")
        self.locked = locked
        if locked:
            self.setWindowFlags(
                Qt.WindowType.Window
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
            from screens.activity import ActivityWatcher

            self._keys = ActivityWatcher(lambda: None, lambda _: None, True)
            QApplication.instance().installEventFilter(self._keys)
        self.setStyleSheet(look.stylesheet())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        self.view = view
        self.leaving = False

    def leave(self) -> None:
        """運用開始: the kiosk's window is up, this one goes."""
        self.leaving = True
        if self.locked:
            QApplication.instance().removeEventFilter(self._keys)
        self.view.stop()
        self.close()
        self.deleteLater()

    def closeEvent(self, event) -> None:
        if self.locked and not self.leaving:
            event.ignore()  # a locked kiosk is left through its own controls only
            return
        self.view.stop()
        event.accept()


def open_wizard(
    parent: QWidget,
    paths: KioskPaths,
    step: Step | str | None = None,
    *,
    config_file: Path | None = None,
    metrics: Metrics = KIOSK,
    apply: Callable[[Step], bool] | None = None,
    on_closed: Callable[[str], None] | None = None,
) -> SetupWizardView:
    """Technician mode's way back into the wizard: one step (or all, step=None) over parent.

    When it closes, apply(step) is asked to put that step's new settings into effect now
    (True: done); on_closed then gets the words to show: APPLIED, or NEXT_START ("次回起動時に
    反映 / applies at next start") when they wait for the next start. Returns the view."""
    wizard = SetupWizard(paths, config_file)
    view = SetupWizardView(wizard, metrics, single=Step(step) if step else None)
    view.setParent(parent)
    view.setGeometry(parent.rect())
    view.raise_()
    view.show()

    def finish(shown: Step) -> None:
        applied = apply(shown) if apply is not None else False
        view.hide()
        view.deleteLater()
        if on_closed is not None:
            on_closed(APPLIED if applied else NEXT_START)

    view.closed.connect(finish)
    view.start_operation.connect(lambda: finish(Step.SUMMARY))
    return view
