"""Line icons for the menu (assets/icons/NAME.svg), drawn in the theme's text colour.

An icon helps a resident find a category before reading its name; it never replaces the name.
A category without an icon file (a municipality's own) simply shows its text.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
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
    layers = picture_layers(name, colour, width, (None,))
    return layers[None] if layers else None


def picture_layers(
    name: str,
    colour: str,
    width: int,
    parts: tuple[str | None, ...],
    filled: dict[str, str] | None = None,
    ratio: float = 2.0,
) -> dict[str | None, QPixmap] | None:
    """Parts of a drawing (its elements by id; None for the whole), each alone on a canvas of
    the whole drawing's size, so that they can be drawn over each other and moved (the card
    coming down onto the reader). filled: parts drawn with their shapes filled in a colour
    (the page's own), so that they hide what they pass over. ratio: device pixels per pixel
    (twice by default: crisp when scaled; a moving part is drawn at the screen's own, so
    that no frame has to scale it)."""
    path = resources.files("assets").joinpath("icons", f"{name}.svg")
    if not path.is_file():
        return None
    source = path.read_text(encoding="utf-8").replace("currentColor", colour)
    layers: dict[str | None, QPixmap] = {}
    for part in parts:
        svg = source
        if part is not None and part in (filled or {}):
            svg = svg.replace('fill="none"', f'fill="{(filled or {})[part]}"', 1)
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        box = renderer.viewBoxF()
        height = round(width * box.height() / box.width())
        pixmap = QPixmap(QSize(width, height) * ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if part is None:
            renderer.render(painter)
        else:
            # Where the part lies in the whole drawing, scaled to the canvas.
            bounds = renderer.transformForElement(part).mapRect(renderer.boundsOnElement(part))
            scale = pixmap.width() / box.width()
            target = QRectF(
                (bounds.x() - box.x()) * scale,
                (bounds.y() - box.y()) * scale,
                bounds.width() * scale,
                bounds.height() * scale,
            )
            renderer.render(painter, part, target)
        painter.end()
        pixmap.setDevicePixelRatio(ratio)
        layers[part] = pixmap
    return layers
