"""UI measurements in their own process (offscreen Qt), one JSON line on stdout.

python -m bench.ui_probe transitions|transitions-bare N
    tap → next page painted, seconds per transition (N of them), kiosk or a bare
    QStackedWidget of two labelled pages
python -m bench.ui_probe idle|idle-bare SECONDS
    CPU seconds used while the home screen (or a bare window) sits idle
python -m bench.ui_probe sessions|sessions-flow N
    RSS in KiB after a warm-up and after N complete 住民票 sessions, on screen or through
    the flow engine and services only
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

WARM_UP_SESSIONS = 30


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def kiosk_window(app):
    from kiosk.cli import local_backend as composition
    from kiosk.config import KioskPaths, load_settings
    from kiosk.qtbridge import QtEventBridge
    from screens.theme import Look, prepare_application
    from screens.window import KioskWindow

    root = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    paths = KioskPaths(root / "c", root / "d", root / "l")
    settings = load_settings(environ={}, seal_public_key=composition.demo_key(paths))
    services = composition.build_services(settings, paths)
    prepare_application(app)
    window = KioskWindow(
        services, QtEventBridge(services.events), Look(settings.theme, settings.text_size)
    )
    window.resize(1920, 1080)
    window.show()
    return window, services


class QuietUsage:
    """A usage recorder that records nothing: the kiosk's taps without the figures' cost."""

    def shown(self, view, choices) -> None:
        pass

    def went_back(self) -> None:
        pass

    def changed_from_review(self, page_id: str) -> None:
        pass

    def timed_out(self) -> None:
        pass

    def saw(self, event) -> None:
        pass


def transitions(count: int, bare: bool, quiet: bool = False) -> dict:
    from PySide6.QtWidgets import (
        QApplication,
        QLabel,
        QPushButton,
        QStackedWidget,
        QVBoxLayout,
        QWidget,
    )

    app = QApplication([sys.argv[0]])
    times = []
    if bare:
        # Two pages like a question page: a large heading and a few large buttons, nothing else.
        stack = QStackedWidget()
        stack.setStyleSheet("QLabel { font-size: 48px; } QPushButton { font-size: 32px; }")
        for text in ("何通必要ですか", "何に使いますか"):
            page = QWidget()
            column = QVBoxLayout(page)
            column.addWidget(QLabel(text))
            for option in ("本人", "同じ世帯の家族", "代理人", "つぎへ"):
                button = QPushButton(option)
                button.setMinimumHeight(110)
                column.addWidget(button)
            stack.addWidget(page)
        stack.resize(1920, 1080)
        stack.show()
        for index in range(count):
            started = time.perf_counter()
            stack.setCurrentIndex(index % 2)
            stack.grab()  # painted: offscreen, a grab is the one paint that surely happens
            times.append(time.perf_counter() - started)
        return {"seconds": times}
    window, services = kiosk_window(app)
    if quiet:  # the usage recorder off (bench_usage_overhead's baseline)
        window.navigator.usage = QuietUsage()
    window.choose_procedure("juminhyo")
    window.question.input.choose("self")
    window.question.primary_button.click()  # now on 何通
    for index in range(count):
        started = time.perf_counter()
        if index % 2 == 0:
            window.question.primary_button.click()  # 何通 → 何に使いますか
        else:
            window.question.back_button.click()
        window.grab()
        times.append(time.perf_counter() - started)
    services.close()
    return {"seconds": times}


def idle(seconds: float, bare: bool) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication([sys.argv[0]])
    if bare:
        window = QLabel("窓口")
        window.resize(1920, 1080)
        window.show()
        services = None
    else:
        window, services = kiosk_window(app)
    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)  # start-up work settles first
    loop.exec()
    before, started = cpu_s(), time.perf_counter()
    measured = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), measured.quit)
    measured.exec()
    used, wall = cpu_s() - before, time.perf_counter() - started
    if services is not None:
        services.close()
    return {"cpu_s": used, "wall_s": wall}


def sessions(count: int, on_screen: bool) -> dict:
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    window, services = kiosk_window(app)

    def one() -> None:
        if on_screen:
            window.choose_procedure("juminhyo")
            window.question.input.choose("self")
            window.question.primary_button.click()
            window.question.primary_button.click()
            window.question.input.choose("work")
            window.question.primary_button.click()
            window.review.primary_button.click()
            services.wait_for_devices()
            app.processEvents()
            window.completion.primary_button.click()
        else:
            session = services.start_session("juminhyo")
            for answer in ("self", 1, "work"):
                session.submit(answer)
            services.finalize(session)
            services.wait_for_devices()
        services.wait_for_devices()
        app.processEvents()
        # What the running event loop does between taps: delete the widgets let go of; and
        # between residents, the idle check's tick on the home screen.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if on_screen:
            window.check_idle()

    for _ in range(WARM_UP_SESSIONS):
        one()
    before = rss_kib()
    for _ in range(count):
        one()
    after = rss_kib()
    services.close()
    return {"before_kib": before, "after_kib": after}


def main(mode: str, amount: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    bare = mode.endswith("-bare") or mode.endswith("-flow")
    kind = mode.split("-")[0]
    if kind == "transitions":
        result = transitions(int(amount), bare, quiet=mode.endswith("-quiet"))
    elif kind == "idle":
        result = idle(float(amount), bare)
    else:
        result = sessions(int(amount), on_screen=not bare)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
