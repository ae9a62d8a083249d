"""Menu icons: one for every shipped category and the navigator, drawn in the theme's colour."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from core.catalog import Catalog
from kiosk.config import TextSize, Theme
from screens.icons import ICON_PX, icon
from screens.theme import Look

NAMES = [*Catalog.load("sample-city").categories, "navi"]


@pytest.mark.parametrize("theme", list(Theme))
@pytest.mark.parametrize("name", NAMES)
def test_each_icon_is_drawn_in_the_theme_colour(japanese_qapp, name, theme):
    colour = Look(theme, TextSize.STANDARD).palette.button_text
    picture = icon(name, colour)
    assert picture is not None, f"no assets/icons/{name}.svg"
    image = picture.pixmap(ICON_PX, ICON_PX).toImage()
    width, height = image.width(), image.height()
    pixels = [QColor.fromRgba(image.pixel(x, y)) for x in range(width) for y in range(height)]
    solid = [pixel for pixel in pixels if pixel.alpha() == 255]
    assert len(solid) > 100  # lines were drawn
    assert {pixel.name() for pixel in solid} == {QColor(colour).name()}


def test_a_category_without_an_icon_shows_text_only(japanese_qapp):
    assert icon("a_municipality_own_category", "#000000") is None
