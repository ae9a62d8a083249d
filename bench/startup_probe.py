"""One cold start, measured from before Qt is imported to the first painted frame.

`python -m bench.startup_probe kiosk|bare|floor` prints a JSON line of phase timings (seconds).
The "bare" side is the baseline: a PySide6 window with one Japanese label and nothing else. The
"floor" side is for the notes: what any home screen of Qt's own buttons costs before a line of
the kiosk's code runs (see floor_window).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402


def main(side: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    phases: dict[str, float] = {}

    def mark(name: str) -> None:
        phases[name] = time.perf_counter() - T0

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    mark("import_qt")
    app = QApplication([sys.argv[0]])
    mark("qapplication")
    scratch = tempfile.TemporaryDirectory(prefix="kiosk-bench-")
    if side == "kiosk":
        from kiosk import app as composition
        from kiosk.config_base import KioskPaths
        from kiosk.first_screen import read_first_screen

        mark("import_kiosk")
        root = Path(scratch.name)
        paths = KioskPaths(root / "c", root / "d", root / "l")
        first = read_first_screen(paths, environ={})
        mark("first_screen")

        def prepare():
            # What `kiosk demo` prepares after the first paint (kiosk.cli.gui).
            from kiosk.cli import local_backend
            from kiosk.config import load_settings

            key = local_backend.demo_key(paths)
            settings = load_settings(environ={}, seal_public_key=key)
            return local_backend.build_services(settings, paths)

        start = composition.open_window(app, first, prepare, locked=False)
        window = start.shell
        mark("window")
    elif side == "floor":
        start = None
        window = floor_window()
    else:
        start = None
        window = QLabel("窓口")
        window.resize(1920, 1080)
        window.show()

    def until_ready() -> None:
        # The kiosk takes taps once its window replaced the first home screen.
        if start is None or start.shell.kiosk is not None or start.shell.failure is not None:
            mark("ready")
            app.quit()
        else:
            QTimer.singleShot(5, until_ready)

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and "first_paint" not in phases:
                mark("first_paint")
                QTimer.singleShot(0, until_ready)  # let this paint finish first
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    app.exec()
    if start is not None:
        start.close()
    print(json.dumps(phases))
    scratch.cleanup()


def floor_window():
    """A home screen as plain as Qt makes it: a heading, seven language buttons and five more,
    styled by one stylesheet, touching the enum types the kiosk's home screen touches. PySide
    builds a type's Python enums on its first use, and the Qt namespace alone has about 2,000
    members: that cost, paid by any screen that aligns a label, is what the bare window skips."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import (
        QGridLayout,
        QLabel,
        QPushButton,
        QSizePolicy,
        QStyle,
        QVBoxLayout,
        QWidget,
    )

    touched = (Qt.AlignmentFlag, QStyle.SubElement, QFont.StyleStrategy, QSizePolicy.Policy)
    assert touched and QEvent.Type.Paint
    window = QWidget()
    window.setStyleSheet(
        "QWidget { font-size: 32px; } QLabel#title { font-size: 56px; font-weight: bold; }"
        " QPushButton { min-height: 96px; padding: 8px 24px; border: 3px solid #333;"
        " border-radius: 12px; background: #fff; }"
    )
    column = QVBoxLayout(window)
    title = QLabel("窓口　さんぷる市役所")
    title.setObjectName("title")
    title.setAlignment(Qt.AlignmentFlag.AlignCenter)
    column.addWidget(title)
    column.addWidget(QLabel("ようこそ。申請書を書かずに手続きができます。"))
    languages = QGridLayout()
    names = ("日本語", "やさしい日本語", "English", "中文", "한국어", "Português", "Tiếng Việt")
    for index, name in enumerate(names):
        languages.addWidget(QPushButton(name), 0, index)
    column.addLayout(languages)
    for text in ("文字の大きさ：ふつう", "見やすい色にする", "最初から", "職員を呼ぶ", "はじめる"):
        column.addWidget(QPushButton(text))
    window.resize(1920, 1080)
    window.show()
    return window


if __name__ == "__main__":
    main(sys.argv[1])
