"""Menu: first the categories, then the procedures of one category, as large buttons.

Two steps keep every button large on one screen: a municipality offers a dozen or more
procedures, which would not fit at a size older residents can read and touch.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from core.catalog import Category, Procedure
from screens.icons import icon
from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.question import touch_ready
from screens.widgets import big_button, label


class MenuScreen(PageFrame):
    category_chosen = Signal(str)
    procedure_chosen = Signal(str)
    navi_requested = Signal()

    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics, show_primary=False)
        self.setObjectName("menu")
        self.heading = label(role="heading", name="heading")
        self.content.addWidget(self.heading)
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        if metrics.narrow:
            self._grid.setContentsMargins(0, 0, 0, 0)  # every pixel of width for the words
        self._grid.setSpacing(metrics.gap_px if metrics.narrow else 32)
        self.content.addWidget(self._grid_host)
        self.content.addStretch(1)
        self.category_buttons: dict[str, QPushButton] = {}
        self.procedure_buttons: dict[str, QPushButton] = {}
        self.category: str | None = None  # None: the categories are shown

    def _clear(self) -> None:
        while self._grid.count():
            widget = self._grid.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        self.category_buttons, self.procedure_buttons = {}, {}

    def _place(self, button: QPushButton, index: int, lines: int) -> None:
        target = self.metrics.primary_target_px
        button.setMinimumHeight(target if lines == 1 else round(target * 1.6))
        columns = self.metrics.menu_columns
        self._grid.addWidget(button, index // columns, index % columns)
        button.show()  # a layout only queues the show; a quick tap must find it there

    def show_categories(
        self,
        categories: list[Category],
        language: str,
        t: Callable[..., str],
        icon_colour: str = "#000000",
    ) -> None:
        self.category = None
        self.set_footer_texts(t)
        self.title.setText(t("app_title"))
        self.heading.setText(t("menu_heading"))
        self._clear()
        for index, category in enumerate(categories):
            button = big_button(
                category.title.text(language), name=f"category_{category.id}", metrics=self.metrics
            )
            button.clicked.connect(lambda _=False, c=category.id: self.category_chosen.emit(c))
            self._with_icon(button, category.id, icon_colour)
            self.category_buttons[category.id] = button
            self._place(button, index, lines=1)
        # Not sure which procedure? Start from what happened (引っ越し, 出生 …).
        self.navi_button = big_button(t("navi_open"), name="navi", metrics=self.metrics)
        self.navi_button.clicked.connect(self.navi_requested)
        self._with_icon(self.navi_button, "navi", icon_colour)
        self._place(self.navi_button, len(categories), lines=1)

    def _with_icon(self, button: QPushButton, name: str, colour: str) -> None:
        size = self.metrics.icon_px
        picture = icon(name, colour, size)
        if picture is not None:
            button.setIcon(picture)
            button.setIconSize(QSize(size, size))

    def show_procedures(
        self, category: Category, procedures: list[Procedure], language: str, t: Callable[..., str]
    ) -> None:
        self.category = category.id
        self.set_footer_texts(t)
        self.title.setText(t("app_title"))
        self.heading.setText(category.title.text(language))
        self._clear()
        for index, procedure in enumerate(procedures):
            ready = touch_ready(procedure)
            second_line = procedure.summary.text(language) if ready else t("at_the_counter")
            button = big_button(
                f"{procedure.title.text(language)}\n{second_line}",
                name=f"procedure_{procedure.id}",
                metrics=self.metrics,
            )
            button.setEnabled(ready)
            button.clicked.connect(
                lambda _=False, pid=procedure.id: self.procedure_chosen.emit(pid)
            )
            self.procedure_buttons[procedure.id] = button
            self._place(button, index, lines=2)
