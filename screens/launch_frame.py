"""The kiosk's home screen as its first frame, built from Qt's plain widgets.

PySide builds every Python enum of a Qt class the first time the class is imported; the Qt
namespace alone has about 2,000 members and takes 15 ms, QStyle 5 ms more. Every kiosk screen
needs them (alignment, focus, size policies, the wrapping buttons' measuring), so the home
screen the kiosk runs on (screens.home) cannot be painted without them. This frame can: it is
the same page, laid out with the same numbers and the same stylesheet, using only what needs
no enum — alignment and focus are set by name in a stylesheet, Qt's C++ reads them.

It takes taps from its first frame (the shell queues them by button name, screens.startup)
and is replaced by the kiosk's own home screen as soon as the kiosk is ready, usually within
a second. tests/test_launch_frame.py checks that every word and every button is where the
kiosk's home screen puts it, so the change of screens is not seen. A phone-sized window keeps
the kiosk's own home screen from the start: its buttons wrap and its greeting steps aside,
which Qt's plain buttons cannot do.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.config_base import Theme
from screens.metrics import KIOSK, Metrics
from screens.theme import Look

# Added to the window's stylesheet (screens.startup): Qt's stylesheet parser knows the enum
# names without Python's enum types. (A stylesheet of the frame's own would style every widget
# twice, once when built and again when the frame is put in the window.)
LAUNCH_FRAME_RULES = """
QWidget[launch_frame="true"] QLabel[centred="true"] { qproperty-alignment: AlignCenter; }
QWidget[launch_frame="true"] QPushButton { qproperty-focusPolicy: NoFocus; }
"""


CHECKED_BORDER_GROWTH = 6  # the stylesheet's checked border: 6 px, not 3, each side


def _label(name: str, role: str = "", centred: bool = True, wrap: bool = True) -> QLabel:
    widget = QLabel()
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setProperty("centred", centred)
    widget.setWordWrap(wrap)
    return widget


def _button(
    name: str, metrics: Metrics, role: str = "", text: str = "", parent: QWidget | None = None
) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    if role:
        button.setProperty("role", role)
    button.setMinimumSize(metrics.primary_target_px, metrics.primary_target_px)
    return button


class LaunchFrame(QWidget):
    """screens.home.HomeScreen on the kiosk's display, as it looks before the kiosk is
    ready: what depends on the kiosk (voice, the phone pre-entry scanner, "not accepting")
    is not shown yet. Only the kiosk profile (screens.metrics.KIOSK) is laid out."""

    def __init__(
        self, languages: dict[str, str], metrics: Metrics = KIOSK, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.metrics = m = metrics
        target = m.primary_target_px
        self.setObjectName("home")
        self.setProperty("launch_frame", True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(*m.page_margins)
        outer.setSpacing(m.gap_px)

        # The header, as screens.page_frame.PageFrame lays out a wide page's.
        self.title = _label("page_title", "small", centred=False)
        self.practice_badge = _label("practice_badge", "badge", centred=False, wrap=False)
        self.practice_badge.hide()
        progress = _label("progress", "small", centred=False, wrap=False)  # empty on home
        self.language_button = _button("language", m, text="Language / 言語")
        self.language_button.setMinimumSize(target * 3, m.min_target_px)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        for widget in (self.practice_badge, progress, self.language_button):
            header.addWidget(widget)
        outer.addLayout(header)

        # The page, as HomeScreen lays it out.
        self.municipality = _label("municipality", "heading")
        self.greeting = _label("greeting")
        self.hours = _label("opening_hours", "small")
        self.language_heading = _label("language_heading", "small")
        self.language_buttons: dict[str, QPushButton] = {}
        for code, name in languages.items():
            button = _button(f"language_{code}", m, text=name, parent=self)
            button.setCheckable(True)
            button.setMinimumWidth(max(target * 3, _checked_width(button)))
            self.language_buttons[code] = button
        self.text_size_button = _button("text_size", m)
        self.contrast_button = _button("contrast", m)
        content = QVBoxLayout()
        content.setSpacing(m.gap_px * 2)
        content.addStretch(1)
        for widget in (self.municipality, self.greeting, self.hours):
            content.addWidget(widget)
        content.addStretch(1)
        content.addWidget(self.language_heading)
        content.addLayout(_centred_row(self.language_buttons.values()))
        view_buttons = (self.text_size_button, self.contrast_button)
        for button in view_buttons:
            button.setMinimumWidth(target * 4)
        content.addLayout(_centred_row(view_buttons))
        content.addStretch(1)
        outer.addLayout(content, 1)

        # The footer: on home only 職員を呼ぶ and はじめる (PageFrame's kiosk footer).
        self.staff_button = _button("call_staff", m, role="alert")
        self.staff_button.setMinimumWidth(target * 2)
        self.primary_button = _button("primary", m, role="primary")
        self.primary_button.setMinimumWidth(target * 4)
        footer = QHBoxLayout()
        footer.setSpacing(m.gap_px * 2)
        footer.addStretch(1)
        footer.addWidget(self.staff_button)
        footer.addWidget(self.primary_button)
        outer.addLayout(footer)

    def retranslate(
        self,
        t: Callable[..., str],
        municipality: str,
        hours: str,
        language: str,
        accepting: bool,
        look: Look,
    ) -> None:
        """As HomeScreen.retranslate. `accepting` is always true here: the first frame takes
        every tap, and the kiosk decides what a replayed one does."""
        size = t(f"text_size_{look.text_size.value}")
        self.text_size_button.setText(t("text_size_button", size=size))
        contrast = look.theme is Theme.HIGH_CONTRAST
        self.contrast_button.setText(t("contrast_off" if contrast else "contrast_on"))
        self.staff_button.setText(t("call_staff"))
        self.primary_button.setText(t("start"))
        self.title.setText(t("app_title"))
        self.municipality.setText(municipality)
        self.greeting.setText(t("home_greeting"))
        self.hours.setText(hours)
        self.language_heading.setText(t("language"))
        for code, button in self.language_buttons.items():
            button.setChecked(code == language)

    def set_practice(self, text: str | None) -> None:
        self.practice_badge.setVisible(bool(text))
        self.practice_badge.setText(text or "")


def _checked_width(button: QPushButton) -> int:
    """An unchecked button as wide as it is checked (bold, the border 3 px thicker each side),
    as screens.wrapping_button measures a checkable button: its place must not move when the
    kiosk's home screen takes over."""
    button.ensurePolished()  # the stylesheet's font size
    bold = QFont(button.font())
    bold.setBold(True)
    text = button.text()
    plain = button.fontMetrics().horizontalAdvance(text)
    checked = QFontMetrics(bold).horizontalAdvance(text) + CHECKED_BORDER_GROWTH
    return button.sizeHint().width() + max(0, checked - plain)


def _centred_row(buttons) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(24)
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row
