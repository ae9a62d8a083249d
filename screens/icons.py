"""Line icons for the menu (assets/icons/NAME.svg), drawn in the theme's text colour.

An icon helps a resident find a category before reading its name; it never replaces the name.
A category without an icon file (a municipality's own) simply shows its text.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_PX = 64


def icon(name: str, colour: str, size: int = ICON_PX) -> QIcon | None:
    path = resources.files("assets").joinpath("icons", f"{name}.svg")
    if not path.is_file():
        return None
    svg = path.read_text(encoding="utf-8").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixmap = QPixmap(QSize(size, size) * 2)  # drawn at twice the size: crisp when scaled
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    pixmap.setDevicePixelRatio(2)
    return QIcon(pixmap)


def picture(name: str, colour: str, width: int) -> QPixmap | None:
    """A line drawing of assets/icons at `width` px, its own proportions kept (the card on
    the reader), in the theme's text colour."""
    path = resources.files("assets").joinpath("icons", f"{name}.svg")
    if not path.is_file():
        return None
    svg = path.read_text(encoding="utf-8").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    box = renderer.defaultSize()
    height = round(width * box.height() / box.width())
    pixmap = QPixmap(QSize(width, height) * 2)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    pixmap.setDevicePixelRatio(2)
    return pixmap
