"""Sizes, colours and the Japanese font, from shared/UX.md (reference display 1920x1080); the
phone profile's sizes come from screens.metrics."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtGui import QFont, QFontDatabase, QPixmapCache
from PySide6.QtWidgets import QApplication

from core.fonts import UI_FAMILY, font_file
from kiosk.config_base import TextSize, Theme
from screens.metrics import KIOSK, Metrics

# The counter terminal's numbers (screens.metrics.KIOSK), kept here for the kiosk's tests.
BODY_PX = {size: KIOSK.body(size) for size in TextSize}
PRIMARY_TARGET_PX = KIOSK.primary_target_px  # 20 mm at 141 ppi
MIN_TARGET_PX = KIOSK.min_target_px  # 15 mm
GAP_PX = KIOSK.gap_px


class Palette(NamedTuple):  # (a NamedTuple: see kiosk.config_base.KioskPaths)
    background: str
    text: str
    muted_text: str
    primary_bg: str
    primary_text: str
    button_bg: str
    button_text: str
    border: str
    alert_bg: str
    alert_text: str
    error_text: str
    selected_bg: str
    selected_text: str


# Every text/background pair here is ≥ 7:1 (WCAG AAA); tests/test_theme.py checks it.
PALETTES = {
    Theme.STANDARD: Palette(
        background="#FAFAF7",
        text="#1A1A1A",
        muted_text="#3D3D3D",
        primary_bg="#0B3D91",
        primary_text="#FFFFFF",
        button_bg="#FFFFFF",
        button_text="#1A1A1A",
        border="#1A1A1A",
        alert_bg="#8A2B00",
        alert_text="#FFFFFF",
        error_text="#9B0000",
        selected_bg="#0B3D91",
        selected_text="#FFFFFF",
    ),
    Theme.HIGH_CONTRAST: Palette(
        background="#000000",
        text="#FFFFFF",
        muted_text="#FFFF66",
        primary_bg="#FFFF00",
        primary_text="#000000",
        button_bg="#000000",
        button_text="#FFFFFF",
        border="#FFFFFF",
        alert_bg="#FFFFFF",
        alert_text="#000000",
        error_text="#FFB0B0",
        selected_bg="#FFFF00",
        selected_text="#000000",
    ),
}


class _LookChoices(NamedTuple):
    theme: Theme
    text_size: TextSize
    metrics: Metrics = KIOSK  # the display profile's sizes


class Look(_LookChoices):
    """The resident's look: colours, text size, and the display profile's sizes.
    (A NamedTuple: see kiosk.config_base.KioskPaths.)"""

    __slots__ = ()

    def __new__(cls, theme: Theme | str, text_size: TextSize | str, metrics: Metrics = KIOSK):
        # Settings and tests may pass the plain values ("standard"): compare as enums.
        return super().__new__(cls, Theme(theme), TextSize(text_size), metrics)

    @property
    def palette(self) -> Palette:
        return PALETTES[self.theme]

    def with_changes(self, **changes: object) -> Look:
        """The same look with another theme, text size or metrics (the resident's choices)."""
        return Look(**{**self._asdict(), **changes})

    @property
    def body_px(self) -> int:
        return self.metrics.body(self.text_size)

    @property
    def heading_px(self) -> int:
        return min(round(self.body_px * self.metrics.heading_scale), self.metrics.heading_max_px)

    @property
    def small_px(self) -> int:
        return max(self.metrics.smallest_px, round(self.body_px * 0.8))

    def stylesheet(self) -> str:
        # Target sizes are set in code (screens.widgets), not here: a stylesheet min-height
        # would silently override a widget's minimum size.
        p, body, m = self.palette, self.body_px, self.metrics
        return f"""
        QWidget#kiosk_root, QWidget[screen="true"] {{ background: {p.background}; }}
        QLabel {{ color: {p.text}; font-size: {body}px; }}
        QLabel[role="heading"] {{ font-size: {self.heading_px}px; font-weight: bold; }}
        QLabel[role="small"] {{ font-size: {self.small_px}px; color: {p.muted_text}; }}
        QLabel[role="error"] {{ color: {p.error_text}; font-weight: bold; }}
        QLabel[role="badge"] {{ background: {p.alert_bg}; color: {p.alert_text};
            font-size: {self.small_px}px; font-weight: bold; padding: 4px 16px; }}
        QLabel[role="number"] {{ font-size: {round(body * m.number_scale)}px;
            font-weight: bold; }}
        QPushButton {{ font-size: {body}px; padding: {m.button_padding}; border-radius: 12px;
            background: {p.button_bg}; color: {p.button_text}; border: 3px solid {p.border}; }}
        QPushButton[role="primary"] {{ background: {p.primary_bg}; color: {p.primary_text};
            font-weight: bold; border-color: {p.primary_bg}; }}
        QPushButton[role="alert"] {{ background: {p.alert_bg}; color: {p.alert_text};
            border-color: {p.alert_bg}; font-weight: bold; }}
        QPushButton:checked {{ background: {p.selected_bg}; color: {p.selected_text};
            border: 6px solid {p.border}; font-weight: bold; }}
        QPushButton:disabled, QPushButton[role="primary"]:disabled {{
            background: {p.button_bg}; color: {p.muted_text};
            border: 3px dashed {p.muted_text}; }}
        QFrame[role="overlay"] {{ background: {p.background}; border: 6px solid {p.border};
            border-radius: 16px; }}
        QFrame[role="row"] {{ border-bottom: 2px solid {p.border}; }}
        {self._narrow_rules()}"""

    def _narrow_rules(self) -> str:
        if not self.metrics.narrow:
            return ""
        # The phone's header holds the page title and the language button on one line: the
        # button, a secondary control, keeps the small size so the title keeps its room.
        return f"QPushButton#language {{ font-size: {self.small_px}px; }}\n"


# Qt keeps rendered pixmaps (icons at their size, styled frames) in one process-wide cache,
# 10 MB by default. A kiosk page repaints from its widgets well within a frame; 2 MB keeps a
# page's icons cached and gives the kiosk 8 MB back (`kiosk bench`: RSS after 300 sessions).
PIXMAP_CACHE_KIB = 2048


def prepare_application(app: QApplication) -> str:
    """What every kiosk window needs of the application: Noto Sans CJK JP loaded explicitly
    as the application font (no fallback), and a small pixmap cache.

    Returns the font family actually in use, so `kiosk doctor` and tests can check it.
    """
    QPixmapCache.setCacheLimit(PIXMAP_CACHE_KIB)
    path = font_file(UI_FAMILY)
    family = UI_FAMILY
    if path is not None and UI_FAMILY not in QFontDatabase.families():
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        family = next((name for name in families if name.endswith("JP")), family)
    font = QFont(family)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    return QFont(family).family()
