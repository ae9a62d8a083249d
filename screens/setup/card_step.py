"""Step 5: the card reader: the PC/SC readers found (and "sim", the built-in demo card), then a
test-card check that shows only that a card answered and its kind: never a name or a number."""

from __future__ import annotations

from kiosk.setup_wizard import TITLES, SetupWizard, Step, WizardProblem
from kiosk.setup_wizard_devices import SIM_READER, card_readers, check_card, reader_setting
from screens.metrics import KIOSK, Metrics
from screens.setup.common import ChoiceList, StepPage, Work, action_button, row
from screens.widgets import label

SIM = (SIM_READER, "内蔵デモカード / Built-in demo card (sim)")
NONE = ("", "使わない / No card reader")


class CardStep(StepPage):
    def __init__(self, wizard: SetupWizard, metrics: Metrics = KIOSK) -> None:
        super().__init__(
            TITLES[Step.CARD_READER],
            "リーダーを選び、テストカードを置いて確認してください。住民のカードは使わないでください"
            " / Choose the reader, place the TEST card and check it. Never a resident's card.",
            metrics,
        )
        self.wizard = wizard
        self.readers = ChoiceList("setup_card_reader", metrics, columns=1)
        self.note = label("", role="small", name="setup_card_note")
        self.body_layout.addWidget(self.readers)
        self.body_layout.addWidget(self.note)
        self.test_button = action_button(
            "テストカードを確認 / Check the test card", "setup_card_test", metrics, role="primary"
        )
        self.keep_button = action_button("この設定にする / Use this", "setup_card_keep", metrics)
        self.body_layout.addWidget(row(self.test_button, self.keep_button, spacing=metrics.gap_px))
        self.body_layout.addStretch(1)
        self.test_button.clicked.connect(self.check)
        self.keep_button.clicked.connect(self.keep)
        self.work.finished.connect(self._checked)
        self.listing = Work(self)
        self.listing.finished.connect(self._listed)
        self.work.failed.connect(lambda _: self.test_button.setEnabled(True))

    def entered(self) -> None:
        # Asking pcscd for its readers may take up to its deadline: off the GUI thread, with
        # sim and "none" on screen at once.
        self._listed(([], "PC/SC: …"))
        self.listing.run(card_readers)

    def _listed(self, found: tuple[list[str], str]) -> None:
        names, problem = found
        choices = [(reader_setting(name), name) for name in names] + [SIM, NONE]
        chosen = self.readers.value() or self.wizard.choices.card_reader
        self.readers.set_choices(choices, chosen)
        self.note.setText(problem)

    def check(self) -> None:
        setting = self.readers.value()
        if not setting:
            self.show_problem("リーダーを選んでください / Choose a reader")
            return
        if self.work.run(lambda: check_card(setting)):
            self.test_button.setEnabled(False)
            self.show_result("確認しています… / Checking…")

    def _checked(self, outcome) -> None:
        self.test_button.setEnabled(True)
        atr = f"  (ATR {outcome.atr})" if outcome.atr else ""
        if outcome.answered:
            self.show_result(outcome.kind + atr)
        else:
            self.show_problem(outcome.kind)

    def keep(self) -> None:
        setting = self.readers.value()
        try:
            self.wizard.save_card_reader(setting)
        except WizardProblem as problem:
            self.show_problem(str(problem))
            return
        self.show_result(f"保存しました / Saved: {setting or 'なし / none'}")
        self.changed.emit()
