"""Technician mode over the locked kiosk: the technician's PIN, then a menu of pages.

Staff-facing, not resident-facing: every label is shown in Japanese and English together, so
whoever installs the kiosk can use it whatever language the resident left on screen. The
pages (screens.technician_pages) are reached only from the menu, and the menu only after the
right PIN: opening the overlay always starts at the PIN page.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.setup_wizard import STEPS, TITLES, Step
from kiosk.technician_out_of_service import NO_MESSAGE_LABEL, PRESETS
from screens.metrics import KIOSK, Metrics
from screens.technician_pages import BundlePage, OutOfServicePage, SetupPage, TechnicianPage
from screens.widgets import Overlay, big_button, label

MAX_DIGITS = 12
# Staff text: the residents' text size does not apply; bilingual labels must fit. On the
# phone profile (a trainer's projected demo) the same labels wrap in narrow columns.
STAFF_TEXT = (
    "QPushButton {{ font-size: {button}px; }} QLabel[role=small] {{ font-size: {small}px; }}"
    " QLabel#tech_heading {{ font-size: {heading}px; font-weight: bold; }}"
)
# Buttons, small text and the heading: on the phone the eleven menu buttons must fit the
# screen's height with their words wrapped, so the floor (16 px) and a one-line heading.
STAFF_PX = {False: (32, 28, 48), True: (16, 16, 20)}
HEADING = "技術者モード / Technician mode"
REPRINT = "受付票を再印刷 / Reprint last receipt"
REQUEUE = "再送信 / Re-queue"
QUIT = "キオスクを終了 / Quit the kiosk"
# The pages, in menu order: name → title (also the menu button's words).
PAGES = {
    "sync": "送信 / Sync",
    "catalog": "カタログ / Catalog",
    "log": "ログ / Log",
    "devices": "機器 / Devices",
    "settings": "設定 / Settings",
    "out_of_service": "休止中 / Out of service",
    "support": "サポート情報 / Support bundle",
    "setup": "セットアップ / Setup",
}


class TechnicianOverlay(Overlay):
    pin_entered = Signal(str)
    page_opened = Signal(str)  # a page was opened (or asked to refresh): fill it in
    practice_toggled = Signal()
    reprint_requested = Signal()
    sync_requested = Signal()
    requeue_requested = Signal()  # put quarantined applications back in the queue
    out_of_service_requested = Signal(bool, str)  # on, preset name
    bundle_requested = Signal(str)  # the folder to write the support bundle to
    setup_requested = Signal(str)  # the setup wizard again: one step, or "" for all
    quit_requested = Signal()

    def __init__(self, parent: QWidget, metrics: Metrics = KIOSK) -> None:
        super().__init__(parent, "technician", metrics)
        narrow = metrics.narrow
        button_px, small_px, heading_px = STAFF_PX[narrow]
        self.setStyleSheet(STAFF_TEXT.format(button=button_px, small=small_px, heading=heading_px))
        primary, target = metrics.primary_target_px, metrics.min_target_px
        self._digits = ""
        layout = QVBoxLayout(self)
        # The counter terminal's spacing, tightened on the phone.
        margin = metrics.overlay_margin_px
        layout.setContentsMargins(*((margin,) * 4 if narrow else (48, 32, 48, 32)))
        spacing = metrics.gap_px if narrow else 24
        layout.setSpacing(spacing)
        # The heading (the page's title once a page is open) and close, on one line.
        top = QHBoxLayout()
        top.setSpacing(spacing)
        self.heading = label(HEADING, role="heading", name="tech_heading")
        self.close_button = big_button(
            "閉じる / Close", role="primary", name="tech_close", metrics=metrics
        )
        self.close_button.setMinimumSize(primary * (1 if narrow else 3), primary)
        top.addWidget(self.heading, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.status = label(role="small", name="tech_status")
        self.problem = label(role="error", name="tech_problem")
        self.problem.hide()
        layout.addWidget(self.status)
        layout.addWidget(self.problem)

        # The PIN page: masked marks and a digit pad.
        self.pin_page = QWidget()
        direction = QBoxLayout.Direction.TopToBottom if narrow else QBoxLayout.Direction.LeftToRight
        pin_layout = QBoxLayout(direction, self.pin_page)
        pin_layout.setSpacing(spacing * 2)
        self.marks = label(role="heading", name="tech_marks", wrap=False)
        pin_layout.addWidget(self.marks, 1)
        pad = QGridLayout()
        pad.setSpacing(12)
        self.keys = {}
        for index, key in enumerate(("1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK")):
            button = big_button(key, name=f"tech_key_{key}", metrics=metrics)
            button.setMinimumSize(primary, target)
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            pad.addWidget(button, index // 3, index % 3)
            self.keys[key] = button
        pin_layout.addLayout(pad)

        # The menu, once the PIN is right: a large button per page, then the old actions.
        self.menu_page = QWidget()
        menu = QGridLayout(self.menu_page)
        menu.setContentsMargins(0, 0, 0, 0)
        menu.setSpacing(spacing * 2 if narrow else spacing)  # wrapped labels need air
        columns = 2 if narrow else 3
        self.page_buttons = {
            name: big_button(title, name=f"tech_open_{name}", metrics=metrics)
            for name, title in PAGES.items()
        }
        self.practice_button = big_button(name="tech_practice", metrics=metrics)
        self.reprint_button = big_button(REPRINT, name="tech_reprint", metrics=metrics)
        self.quit_button = big_button(QUIT, role="alert", name="tech_quit", metrics=metrics)
        buttons = [
            *self.page_buttons.values(),
            self.practice_button,
            self.reprint_button,
            self.quit_button,
        ]
        for index, button in enumerate(buttons):
            button.setMinimumSize(0 if narrow else primary * 4, primary)
            menu.addWidget(button, index // columns, index % columns)
        menu.setRowStretch(-(-len(buttons) // columns), 1)

        # The pages.
        self.pages: dict[str, TechnicianPage] = {}
        for name, title in PAGES.items():
            if name == "out_of_service":
                page: TechnicianPage = OutOfServicePage(PRESETS, NO_MESSAGE_LABEL, metrics)
            elif name == "support":
                page = BundlePage(metrics)
            elif name == "setup":
                steps = {step.value: TITLES[step] for step in STEPS if step is not Step.SUMMARY}
                page = SetupPage(steps, metrics)
            else:
                page = TechnicianPage(name, title, metrics)
            page.back_requested.connect(self.show_menu_page)
            self.pages[name] = page
        sync_page = self.pages["sync"]
        self.sync_button = sync_page.action("今すぐ送信 / Send queue now", "tech_sync")
        self.requeue_button = sync_page.action(REQUEUE, "tech_requeue")
        self.quarantine = sync_page.text  # the sync page's text: queue, times, quarantine
        for name in ("sync", "log", "devices"):
            refresh = self.pages[name].action("更新 / Refresh", f"tech_{name}_refresh")
            refresh.clicked.connect(lambda _=False, n=name: self.page_opened.emit(n))
        self.out_of_service_page = self.pages["out_of_service"]
        self.bundle_page = self.pages["support"]

        self.stack = QStackedWidget()
        for widget in (self.pin_page, self.menu_page, *self.pages.values()):
            self.stack.addWidget(widget)
        layout.addWidget(self.stack, 1)

        self.close_button.clicked.connect(self.close_mode)
        for name, button in self.page_buttons.items():
            button.clicked.connect(lambda _=False, n=name: self.open_page(n))
        self.pages["setup"].step_chosen.connect(self._setup)
        self.practice_button.clicked.connect(self.practice_toggled)
        self.reprint_button.clicked.connect(self.reprint_requested)
        self.sync_button.clicked.connect(self.sync_requested)
        self.requeue_button.clicked.connect(self.requeue_requested)
        self.quit_button.clicked.connect(self.quit_requested)
        self.out_of_service_page.switch_requested.connect(self.out_of_service_requested)
        self.bundle_page.write_requested.connect(self.bundle_requested)
        self.bundle_page.refresh_button.clicked.connect(lambda: self.page_opened.emit("support"))
        self._menu_open = False  # the PIN was right since the overlay last opened

    def open_pin(self) -> None:
        self._digits = ""
        self._menu_open = False
        self._show_marks()
        self.problem.hide()
        self.heading.setText(HEADING)
        self.status.setText("技術者の暗証番号を入力 / Enter the technician PIN")
        self.status.show()
        self.stack.setCurrentWidget(self.pin_page)
        self.pin_page.show()
        parent = self.parentWidget()
        if self.metrics.narrow:
            self.show_centered(parent.width(), parent.height())
        else:
            self.show_centered(parent.width() * 11 // 12, parent.height() * 11 // 12)

    def show_menu(self, practice: bool, devices: str) -> None:
        """After the right PIN (and on coming back from a page)."""
        self._digits = ""
        self._menu_open = True
        self.problem.hide()
        self.status.setText(devices)
        self.practice_button.setText(
            "練習モードを終える / Leave practice mode"
            if practice
            else "練習モードにする / Practice mode"
        )
        self.show_menu_page()

    def show_menu_page(self) -> None:
        if not self._menu_open:
            return  # never a page or the menu without the PIN
        self.heading.setText(HEADING)
        self.status.show()
        self.problem.hide()
        self.stack.setCurrentWidget(self.menu_page)

    def open_page(self, name: str) -> None:
        if not self._menu_open:
            return
        page = self.pages[name]
        self.heading.setText(page.title)
        self.status.hide()  # the page has the room; its own text says what matters
        self.problem.hide()
        self.stack.setCurrentWidget(page)
        self.page_opened.emit(name)

    def current_page(self) -> str | None:
        """The open page's name; None on the PIN page or the menu."""
        current = self.stack.currentWidget()
        return next((name for name, page in self.pages.items() if page is current), None)

    @property
    def menu_visible(self) -> bool:
        return self.isVisible() and self.stack.currentWidget() is self.menu_page

    def show_quarantine(self, reasons: list[str]) -> None:
        """Whether there is anything to re-queue (the reasons are in the sync page's text)."""
        self.requeue_button.setEnabled(bool(reasons))

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def close_mode(self) -> None:
        self._digits = ""
        self._menu_open = False
        self.hide()

    def _place(self, width: int, height: int) -> None:
        if not self.metrics.narrow:
            super()._place(width, height)
            return
        # On a phone all of the screen but a margin: eleven wrapped menu buttons need it, and
        # a box as tall as its contents would change height from page to page.
        margin = self.metrics.overlay_margin_px
        geometry = self.parentWidget().rect().adjusted(margin, margin, -margin, -margin)
        if geometry != self.geometry():
            self.setGeometry(geometry)

    def _setup(self, step: str) -> None:
        self.hide()  # the wizard takes the screen; the menu comes back when it closes
        self.setup_requested.emit(step)

    def back_from_setup(self, words: str) -> None:
        """The wizard closed: the menu again (still behind the PIN), saying what took effect."""
        if not self._menu_open:
            return
        self.show_menu_page()
        self.status.setText(words)
        self.raise_()
        self.show()

    def _press(self, key: str) -> None:
        if key == "⌫":
            self._digits = self._digits[:-1]
        elif key == "OK":
            pin, self._digits = self._digits, ""
            self._show_marks()
            self.pin_entered.emit(pin)
            return
        elif len(self._digits) < MAX_DIGITS:
            self._digits += key
        self._show_marks()

    def _show_marks(self) -> None:
        self.marks.setText("●" * len(self._digits) or "－")
