"""The launch frame (screens/launch_frame.py) is the kiosk's home screen, to the pixel, built
without a Qt enum, so that nothing moves when the kiosk's own home screen takes its place."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QLabel, QVBoxLayout, QWidget

from core.ui_text import LANGUAGES
from kiosk.first_screen import read_first_screen
from kiosk.qtbridge import QtEventBridge
from screens.home import HomeScreen
from screens.launch_frame import LaunchFrame
from screens.startup import KioskShell
from screens.theme import Look
from screens.window import KioskWindow
from tests.gui import tap

SIZE = (1920, 1080)


def _placed(top: QWidget) -> dict[str, tuple[tuple[int, int, int, int], str]]:
    """Every named word and button shown: where it is in the window, and what it says."""
    placed = {}
    for widget in top.findChildren(QLabel) + top.findChildren(QAbstractButton):
        if widget.objectName() and widget.isVisibleTo(top):
            corner = widget.mapTo(top, QPoint(0, 0))
            box = (corner.x(), corner.y(), widget.width(), widget.height())
            placed[widget.objectName()] = (box, widget.text())
    return placed


def _kiosk_home(first, look: Look, language: str) -> QWidget:
    """The kiosk's home screen (screens.home) in a window styled as the kiosk's, before the
    kiosk knows of a voice engine or a scanner."""
    window = QWidget()
    window.setObjectName("kiosk_root")
    window.setStyleSheet(look.stylesheet())
    home = HomeScreen(LANGUAGES, look.metrics)
    column = QVBoxLayout(window)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(home)
    home.retranslate(
        lambda key, **values: first.text(key, language, **values),
        first.name(language),
        first.hours(language),
        language,
        accepting=True,
        look=look,
    )
    practice = first.text("practice_banner", language) if first.choice.practice else None
    home.set_practice(practice)
    return window


@pytest.mark.parametrize(
    ("text_size", "theme", "language", "practice"),
    [
        ("standard", "standard", "ja", False),
        ("standard", "high_contrast", "ja-easy", True),
        ("large", "standard", "ja-easy", False),
        ("large", "high_contrast", "en", False),
        ("largest", "standard", "en", True),
        ("largest", "high_contrast", "ja-easy", False),
    ],
)
def test_the_launch_frame_is_the_kiosk_home_screen_to_the_pixel(
    japanese_qapp, qtbot, kiosk_paths, text_size, theme, language, practice
):
    first = read_first_screen(
        kiosk_paths,
        environ={},
        text_size=text_size,
        theme=theme,
        language=language,
        practice=practice,
    )
    look = Look(first.choice.theme, first.choice.text_size)
    shell = KioskShell(first, look, lambda services: QWidget())
    qtbot.addWidget(shell)
    assert isinstance(shell.home, LaunchFrame)
    kiosk = _kiosk_home(first, look, language)
    qtbot.addWidget(kiosk)
    for window in (shell, kiosk):
        window.resize(*SIZE)
        window.show()
        qtbot.waitExposed(window)
    launch, home = _placed(shell), _placed(kiosk)
    assert launch["language_" + language][1] == LANGUAGES[language]
    assert ("practice_badge" in launch) is practice
    assert launch == home
    # The same pixels: colours, borders, the checked language, every glyph. (Drawn once first:
    # Qt draws a large glyph's first appearance from its outline, later ones from its cache,
    # and the two differ in a few edge pixels.)
    shell.grab(), kiosk.grab()
    assert shell.grab().toImage() == kiosk.grab().toImage()


def test_a_language_tapped_on_the_launch_frame_moves_nothing_the_kiosk_would_not(
    japanese_qapp, qtbot, kiosk_paths
):
    """The checked language is drawn bold with a thicker border; the launch frame sizes its
    buttons for that as the kiosk's home screen does, before and after a tap."""
    first = read_first_screen(kiosk_paths, environ={}, text_size="largest")
    look = Look(first.choice.theme, first.choice.text_size)
    shell = KioskShell(first, look, lambda services: QWidget())
    qtbot.addWidget(shell)
    shell.resize(*SIZE)
    shell.show()
    tap(qtbot, shell.home.language_buttons["ja-easy"])
    shell.home.layout().activate()  # laid out again now, not at the next turn of the loop
    kiosk = _kiosk_home(first, look, "ja-easy")
    qtbot.addWidget(kiosk)
    kiosk.resize(*SIZE)
    kiosk.show()
    qtbot.waitExposed(kiosk)
    assert shell.home.language_buttons["ja-easy"].isChecked()
    assert _placed(shell) == _placed(kiosk)


def test_checking_a_language_on_the_kiosk_home_screen_moves_no_button(
    japanese_qapp, qtbot, kiosk_paths
):
    """A checkable touch button asks, unchecked, for the room it needs checked (bold, a
    thicker border), and no more once checked: the row stays where it is."""
    first = read_first_screen(kiosk_paths, environ={}, text_size="largest")
    look = Look(first.choice.theme, first.choice.text_size)
    window = _kiosk_home(first, look, "ja")
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    qtbot.waitExposed(window)
    home = window.findChild(HomeScreen)

    def row() -> dict:
        """Where each language button is across the row, and how wide (the words above it
        differ by language, and may move the row up or down)."""
        home.layout().activate()
        placed = _placed(window)
        return {code: placed[f"language_{code}"][0][::2] for code in LANGUAGES}

    before = row()
    assert before["ja-easy"][1] > look.metrics.primary_target_px * 3  # as wide as its words
    for language in ("ja-easy", "en"):
        home.retranslate(
            lambda key, language=language, **values: first.text(key, language, **values),
            first.name(language),
            first.hours(language),
            language,
            accepting=True,
            look=look,
        )
        assert home.language_buttons[language].isChecked()
        assert row() == before


def test_the_kiosk_takes_the_launch_frame_s_place_where_it_was(qtbot, kiosk_paths, services):
    """Once ready, the kiosk's home screen fills the same window: its words and buttons where
    the launch frame had them (the view row gains the voice button, once the engine is there)."""
    first = read_first_screen(kiosk_paths, environ={})
    look = Look(first.choice.theme, first.choice.text_size)
    built: list[KioskWindow] = []

    def build(ready):
        built.append(KioskWindow(ready, QtEventBridge(ready.events), look))
        return built[0]

    shell = KioskShell(first, look, build)
    qtbot.addWidget(shell)
    shell.resize(*SIZE)
    shell.show()
    qtbot.waitExposed(shell)
    before = _placed(shell)
    shell.services_ready.emit(services)
    qtbot.waitUntil(lambda: shell.kiosk is not None)
    on_home = _placed(built[0].home).keys()  # the kiosk's home screen, placed in the window
    after = {name: place for name, place in _placed(shell).items() if name in on_home}
    view_row = {"text_size", "contrast", "voice"}
    assert {name: place for name, place in before.items() if name not in view_row} == {
        name: place for name, place in after.items() if name in before and name not in view_row
    }


def test_the_first_frame_builds_no_python_enum_of_qt():
    """PySide builds a Qt class (and every enum in it) the first time it is imported: the Qt
    namespace's 2,000 members take 15 ms, QStyle's 5. The launch frame is painted without
    either; the kiosk, built after the first paint, imports them then."""
    probe = (
        "import json, os, tempfile, time\n"
        "from pathlib import Path\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from kiosk import app\n"
        "from kiosk.config_base import KioskPaths\n"
        "from kiosk.first_screen import read_first_screen\n"
        "root = Path(tempfile.mkdtemp())\n"
        "first = read_first_screen(KioskPaths(root / 'c', root / 'd', root / 'l'), environ={})\n"
        "import PySide6.QtCore as core, PySide6.QtWidgets as widgets\n"
        "qt = widgets.QApplication([])\n"
        "start = app.open_window(qt, first, lambda: time.sleep(60), locked=False)\n"
        "image = start.shell.grab()  # painted\n"
        "built = [name for name in ('Qt', 'QStyle', 'QSizePolicy', 'QLabel', 'QPushButton')\n"
        "         if name in vars(core) or name in vars(widgets)]\n"
        "print(json.dumps([built, image.width()]))\n"
        "os._exit(0)  # the preparing thread sleeps\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    built, width = json.loads(result.stdout.strip().splitlines()[-1])
    assert width > 0
    assert built == ["QLabel", "QPushButton"]  # the frame's own widgets, and no more
