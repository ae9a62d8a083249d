"""One cold start, measured from the probe's first line to the first painted frame.

`python -m bench.startup_probe kiosk|run|bare` prints a JSON line of phase timings (seconds).
The "bare" side is the baseline: a PySide6 window with one Japanese label and nothing else. The
"kiosk" side starts as `kiosk demo` does (kiosk/cli/gui.py, kiosk/app.py): the first screen's
facts are read, then Qt is imported and the window opened. The "run" side, for the notes, is
`kiosk run` as typed: the CLI's own import and argument parsing first, and a locked window.
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

    scratch = tempfile.TemporaryDirectory(prefix="kiosk-bench-")
    if side == "run":
        from kiosk.cli.main import build_parser

        build_parser().parse_args(["run"])
        mark("cli")
    if side in ("kiosk", "run"):
        from kiosk import app as composition
        from kiosk.config_base import KioskPaths
        from kiosk.first_screen import read_first_screen

        mark("import_kiosk")
        root = Path(scratch.name)
        paths = KioskPaths(root / "c", root / "d", root / "l")
        first = read_first_screen(paths, environ={})
        mark("first_screen")

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    mark("import_qt")
    app = QApplication([sys.argv[0]])
    mark("qapplication")
    if side in ("kiosk", "run"):

        def prepare():
            # What `kiosk demo` prepares after the first paint (kiosk.cli.gui).
            from kiosk.cli import local_backend
            from kiosk.config import load_settings

            key = local_backend.demo_key(paths)
            settings = load_settings(environ={}, seal_public_key=key)
            return local_backend.build_services(settings, paths)

        start = composition.open_window(app, first, prepare, locked=side == "run")
        window = start.shell
        mark("window")
    else:
        start = None
        window = QLabel("窓口")
        window.resize(1920, 1080)
        window.show()

    def until_ready() -> None:
        # The kiosk takes taps once its window replaced the first home screen.
        if start is None or start.shell.kiosk is not None or start.shell.failure is not None:
            mark("ready")
            app.exit(0)  # (quit() asks every window to close, and a locked one refuses)
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


if __name__ == "__main__":
    main(sys.argv[1])
