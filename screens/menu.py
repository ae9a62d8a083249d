"""Menu: the procedures this municipality offers, as large buttons with a one-line summary."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.catalog import Procedure
from screens.question import touch_ready
from screens.theme import PRIMARY_TARGET_PX
from screens.widgets import PageFrame, big_button, label


class MenuScreen(PageFrame):
    procedure_chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__(show_primary=False)
        self.setObjectName("menu")
        self.heading = label(role="heading", name="heading")
        self.content.addWidget(self.heading)
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setSpacing(32)
        self.content.addWidget(self._grid_host)
        self.content.addStretch(1)
        self.procedure_buttons: dict[str, object] = {}

    def show_procedures(
        self, procedures: list[Procedure], language: str, t: Callable[..., str]
    ) -> None:
        self.set_footer_texts(t)
        self.title.setText(t("app_title"))
        self.heading.setText(t("menu_heading"))
        while self._grid.count():
            widget = self._grid.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.procedure_buttons = {}
        for index, procedure in enumerate(procedures):
            ready = touch_ready(procedure)
            second_line = procedure.summary.text(language) if ready else t("at_the_counter")
            text = f"{procedure.title.text(language)}\n{second_line}"
            button = big_button(text, name=f"procedure_{procedure.id}")
            button.setEnabled(ready)
            button.setMinimumHeight(PRIMARY_TARGET_PX * 2)
            button.clicked.connect(
                lambda _=False, pid=procedure.id: self.procedure_chosen.emit(pid)
            )
            self._grid.addWidget(button, index // 2, index % 2)
            button.show()
            self.procedure_buttons[procedure.id] = button
