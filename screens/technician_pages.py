"""Technician mode's pages (送信, カタログ, ログ, 機器, 設定, 休止中, サポート情報): each a block of
text that scrolls, a few large buttons, and the way back to the menu.

They render what kiosk.technician_status and kiosk.technician_out_of_service say, and hand
back what was touched; deciding is not theirs. Staff text, bilingual.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QPushButton, QVBoxLayout, QWidget

from screens.metrics import KIOSK, Metrics
from screens.widgets import ScrollingColumn, big_button, label

BACK = "← メニューへ / Back to menu"
# Break opportunities inside paths, ids and log lines (after / _ . , = : where no space
# follows), so a long one wraps instead of being cut at the edge.
_BREAK_AFTER = re.compile(r"([/_.,=:])(?=\S)")


def breakable(text: str) -> str:
    return _BREAK_AFTER.sub("\\1\u200b", text)


class TechnicianPage(QWidget):
    """A page: lines of text (scrolling with ▲ ▼ when long), its actions, and back."""

    back_requested = Signal()

    def __init__(self, name: str, title: str, metrics: Metrics = KIOSK) -> None:
        super().__init__()
        self.setObjectName(f"tech_page_{name}")
        self.name, self.title, self.metrics = name, title, metrics
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(metrics.gap_px)
        self.column = ScrollingColumn(f"tech_{name}_scroll", metrics, shrink_first=True)
        self.column.up_button.setText("▲")
        self.column.down_button.setText("▼")
        self.text = label(role="small", name=f"tech_{name}_text")
        self.column.add_row(self.text)
        layout.addWidget(self.column, 1)
        self.actions = QGridLayout()
        self.actions.setSpacing(metrics.gap_px * (1 if metrics.narrow else 2))
        layout.addLayout(self.actions)
        self._buttons: list[QPushButton] = []
        self._hidden: set[QPushButton] = set()  # (isHidden is also true before a first show)
        self.back_button = self.action(BACK, f"tech_{name}_back")
        self.back_button.clicked.connect(self.back_requested)

    def action(self, text: str, name: str, role: str = "") -> QPushButton:
        """A button in the page's action grid, before back (which stays last)."""
        m = self.metrics
        button = big_button(text, role=role, name=name, metrics=m)
        button.setMinimumSize(0 if m.narrow else m.primary_target_px * 3, m.primary_target_px)
        self._buttons.insert(len(self._buttons) - 1 if self._buttons else 0, button)
        self.relayout()
        return button

    def relayout(self) -> None:
        """The shown buttons in order, two columns on a phone and four on the kiosk (a hidden
        one leaves no hole)."""
        columns = 2 if self.metrics.narrow else 4
        for button in self._buttons:
            self.actions.removeWidget(button)
        shown = [button for button in self._buttons if button not in self._hidden]
        for index, button in enumerate(shown):
            self.actions.addWidget(button, index // columns, index % columns)
        for column in range(columns):
            self.actions.setColumnStretch(column, 1)

    def set_shown(self, button: QPushButton, shown: bool) -> None:
        (self._hidden.discard if shown else self._hidden.add)(button)
        button.setVisible(shown)
        self.relayout()

    def show_lines(self, lines: list[str]) -> None:
        self.text.setText("\n".join(breakable(line) for line in lines))
        # ▲ ▼ may show once the new text is laid out: the column lays itself out again then
        # (else, on a phone, the box under the rows keeps the height of hidden arrows).
        QTimer.singleShot(0, self, self.column.layout().invalidate)

    def shown_text(self) -> str:
        """The text as a person reads it (without the invisible break marks)."""
        return self.text.text().replace("\u200b", "")


class OutOfServicePage(TechnicianPage):
    """The 休止中 switch: a preset message chosen by touch, then on or off."""

    switch_requested = Signal(bool, str)  # on, preset name ("" for none)

    def __init__(self, presets: dict[str, str], no_message: str, metrics: Metrics = KIOSK):
        super().__init__("out_of_service", "休止中 / Out of service", metrics)
        self.preset_buttons: dict[str, QPushButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for preset, text in [*presets.items(), ("", no_message)]:
            button = self.action(text, f"tech_oos_preset_{preset or 'none'}")
            button.setCheckable(True)
            self._group.addButton(button)
            self.preset_buttons[preset] = button
        self.preset_buttons[next(iter(presets))].setChecked(True)
        self.on_button = self.action("休止中にする / Take out of service", "tech_oos_on", "alert")
        self.off_button = self.action("運用を再開 / Back in service", "tech_oos_off", "primary")
        self.on_button.clicked.connect(lambda: self.switch_requested.emit(True, self.preset()))
        self.off_button.clicked.connect(lambda: self.switch_requested.emit(False, ""))

    def preset(self) -> str:
        return next((p for p, b in self.preset_buttons.items() if b.isChecked()), "")

    def choose(self, preset: str) -> None:
        if preset in self.preset_buttons:
            self.preset_buttons[preset].setChecked(True)


class BundlePage(TechnicianPage):
    """サポート情報: one button per folder a bundle can go to (a USB stick), and the outcome."""

    write_requested = Signal(str)
    FOLDERS_SHOWN = 4  # more sticks than that at one kiosk: the first four

    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__("support", "サポート情報 / Support bundle", metrics)
        self.refresh_button = self.action("もう一度探す / Look again", "tech_support_refresh")
        self.folder_buttons: list[QPushButton] = []
        self._folders: list[Path] = []
        for index in range(self.FOLDERS_SHOWN):
            button = self.action("", f"tech_support_folder_{index}", "primary")
            self.set_shown(button, False)
            button.clicked.connect(lambda _=False, i=index: self._chosen(i))
            self.folder_buttons.append(button)

    def show_folders(self, folders: list[Path]) -> None:
        self._folders = folders[: self.FOLDERS_SHOWN]
        for index, button in enumerate(self.folder_buttons):
            if index < len(self._folders):
                button.setText(breakable(f"{self._folders[index]} に書き出す / Write here"))
            self.set_shown(button, index < len(self._folders))

    def set_busy(self, busy: bool) -> None:
        for button in (*self.folder_buttons, self.refresh_button):
            button.setEnabled(not busy)

    def _chosen(self, index: int) -> None:
        if index < len(self._folders):
            self.write_requested.emit(str(self._folders[index]))


class SetupPage(TechnicianPage):
    """セットアップ: the setup wizard again, one step or all of them."""

    step_chosen = Signal(str)  # a step's name; "" for every step

    def __init__(self, steps: dict[str, str], metrics: Metrics = KIOSK) -> None:
        super().__init__("setup", "セットアップ / Setup", metrics)
        self.show_lines(
            [
                "変える項目を選んでください。 / Choose what to change.",
                "機器と接続の変更は次回起動時に反映されます。 / Device and backend changes "
                "apply at the next start.",
            ]
        )
        self.step_buttons: dict[str, QPushButton] = {}
        for step, title in {**steps, "": "すべての手順 / Every step"}.items():
            button = self.action(title.replace(" / ", "\n"), f"tech_setup_{step or 'all'}")
            button.clicked.connect(lambda _=False, chosen=step: self.step_chosen.emit(chosen))
            self.step_buttons[step] = button
