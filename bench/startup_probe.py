"""One cold start, measured from before Qt is imported to the first painted frame.

`python -m bench.startup_probe kiosk|bare` prints a JSON line of phase timings (seconds). The
"bare" side is the baseline: a PySide6 window with one Japanese label and nothing else.
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
        from kiosk.cli import local_backend as composition
        from kiosk.config import KioskPaths, load_settings
        from kiosk.qtbridge import QtEventBridge
        from screens.theme import Look, install_japanese_font
        from screens.window import KioskWindow

        mark("import_kiosk")
        root = Path(scratch.name)
        paths = KioskPaths(root / "c", root / "d", root / "l")
        settings = load_settings(environ={}, seal_public_key=composition.demo_key(paths))
        services = composition.build_services(settings, paths)
        mark("services")
        install_japanese_font(app)
        mark("font")
        window = KioskWindow(
            services, QtEventBridge(services.events), Look(settings.theme, settings.text_size)
        )
        mark("window")
    else:
        window = QLabel("窓口")
    window.resize(1920, 1080)

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and "first_paint" not in phases:
                # Let this paint finish, then stop.
                QTimer.singleShot(0, app.quit)
                mark("first_paint")
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.show()
    app.exec()
    print(json.dumps(phases))
    scratch.cleanup()


if __name__ == "__main__":
    main(sys.argv[1])
