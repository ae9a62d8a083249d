"""Sizes, colours and the Japanese font, from shared/UX.md (reference display 1920x1080)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.config import TextSize, Theme
from kiosk.fonts import UI_FAMILY, font_file

BODY_PX = {TextSize.STANDARD: 32, TextSize.LARGE: 40, TextSize.LARGEST: 48}
PRIMARY_TARGET_PX = 110  # 20 mm at 141 ppi
MIN_TARGET_PX = 84  # 15 mm
GAP_PX = 16


@dataclass(frozen=True)
class Palette:
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


@dataclass(frozen=True)
class Look:
    theme: Theme
    text_size: TextSize

    def __post_init__(self) -> None:
        # Settings and tests may pass the plain values ("standard"): compare as enums.
        object.__setattr__(self, "theme", Theme(self.theme))
        object.__setattr__(self, "text_size", TextSize(self.text_size))

    @property
    def palette(self) -> Palette:
        return PALETTES[self.theme]

    @property
    def body_px(self) -> int:
        return BODY_PX[self.text_size]

    @property
    def heading_px(self) -> int:
        return round(self.body_px * 1.5)

    @property
    def small_px(self) -> int:
        return max(24, round(self.body_px * 0.8))

    def stylesheet(self) -> str:
        # Target sizes are set in code (screens.widgets), not here: a stylesheet min-height
        # would silently override a widget's minimum size.
        p, body = self.palette, self.body_px
        return f"""
        QWidget#kiosk_root, QWidget[screen="true"] {{ background: {p.background}; }}
        QLabel {{ color: {p.text}; font-size: {body}px; }}
        QLabel[role="heading"] {{ font-size: {self.heading_px}px; font-weight: bold; }}
        QLabel[role="small"] {{ font-size: {self.small_px}px; color: {p.muted_text}; }}
        QLabel[role="error"] {{ color: {p.error_text}; font-weight: bold; }}
        QLabel[role="badge"] {{ background: {p.alert_bg}; color: {p.alert_text};
            font-size: {self.small_px}px; font-weight: bold; padding: 4px 16px; }}
        QLabel[role="number"] {{ font-size: {body * 4}px; font-weight: bold; }}
        QPushButton {{ font-size: {body}px; padding: 8px 24px; border-radius: 12px;
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
        """


def install_japanese_font(app: QApplication) -> str:
    """Load Noto Sans CJK JP explicitly and make it the application font (no fallback).

    Returns the family actually in use, so `kiosk doctor` and tests can check it.
    """
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
