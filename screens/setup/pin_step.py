"""Step 1: the technician PIN, entered twice on the number pad (shown as dots)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.setup_wizard import MAX_PIN_DIGITS, TITLES, SetupWizard, Step, WizardProblem
from kiosk.technician import MIN_PIN_DIGITS
from screens.metrics import KIOSK, Metrics
from screens.number_pad import NumberPad
from screens.setup.common import StepPage, action_button, side_by_side
from screens.widgets import label

PAD_WORDS = {
    False: {"pad_clear": "全部消す / Clear", "pad_delete": "1字消す / Delete"},
    True: {"pad_clear": "全消去\nClear", "pad_delete": "1字消す\nDelete"},  # phone keys
}
FIRST = f"新しいPIN({MIN_PIN_DIGITS}桁以上)/ New PIN ({MIN_PIN_DIGITS} digits or more)"
AGAIN = "確認のため、もう一度 / The same PIN again, to confirm"


class PinStep(StepPage):
    def __init__(self, wizard: SetupWizard, metrics: Metrics = KIOSK) -> None:
        super().__init__(
            TITLES[Step.PIN],
            "技術者モードに入るためのPINです。住民のカードの暗証番号とは別の番号にしてください / "
            "The PIN that opens technician mode; not a resident's card PIN.",
            metrics,
        )
        self.wizard = wizard
        self._first: str | None = None
        holder, layout = side_by_side(metrics)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.stage = label(FIRST, name="setup_pin_stage")
        self.state = label(role="small", name="setup_pin_state")
        self.ok = action_button("決定 / OK", "setup_pin_ok", metrics, role="primary")
        self.again = action_button("最初から / Start over", "setup_pin_restart", metrics)
        # What to type goes above the pad on a phone (the pad fills its width), beside it here.
        if not metrics.narrow:
            side_layout.addWidget(self.stage)
        side_layout.addWidget(self.state)
        side_layout.addWidget(self.ok)
        side_layout.addWidget(self.again)
        side_layout.addStretch(1)
        self.pad = NumberPad(
            "",
            lambda key, **_: PAD_WORDS[metrics.narrow].get(key, key),
            max_digits=MAX_PIN_DIGITS,
            mask=True,
            metrics=metrics,
        )
        if metrics.narrow:
            layout.addWidget(self.stage)
        layout.addWidget(self.pad, 2)
        layout.addWidget(side, 1)
        self.body_layout.addWidget(holder, 1)
        self.ok.clicked.connect(self._confirm)
        self.again.clicked.connect(self.restart)
        self.pad.changed.connect(lambda _: self.clear_lines())
        self.restart()

    def entered(self) -> None:
        self.restart()

    def restart(self) -> None:
        self._first = None
        self.pad.clear()
        self.stage.setText(FIRST)
        self.state.setText(
            "設定済み: 新しいPINで置き換えます / Already set: a new PIN replaces it"
            if self.wizard.choices.pin_set
            else ""
        )

    def _confirm(self) -> None:
        entered = self.pad.value()
        if self._first is None:
            problem = self.wizard.pin_problem(entered)
            if problem:
                self.pad.clear()
                self.show_problem(problem)
                return
            self._first = entered
            self.pad.clear()
            self.stage.setText(AGAIN)
            self.clear_lines()
            return
        first, self._first = self._first, None
        self.pad.clear()
        self.stage.setText(FIRST)
        try:
            self.wizard.set_pin(first, entered)
        except WizardProblem as problem:
            self.show_problem(str(problem))
            return
        self.show_result("PINを設定しました / PIN set")
        self.state.setText("")
        self.changed.emit()
