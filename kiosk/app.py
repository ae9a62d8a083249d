"""The composition root of the GUI: the window first, then the kiosk in it.

Start-up paints the home screen before anything it does not need is imported or built: the
validated settings, the catalog, the store, sealing, devices and sync are prepared on a worker
thread after the first paint (kiosk.wiring), then the kiosk window takes the home screen's
place and replays any tap it missed (screens.startup). The only kiosk module (with
kiosk.qtbridge) allowed to import PySide6 and screens; it does so inside the GUI functions, so
headless commands never load Qt.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kiosk.config_base import KioskPaths, Profile
from kiosk.first_screen import FirstScreen

if TYPE_CHECKING:
    from kiosk.services import Services
    from screens.startup import KioskShell


PROFILE_SIZES = {Profile.KIOSK: (1920, 1080), Profile.PHONE: (390, 844)}
DEFAULT_VNC_PORT = 5900
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
# How long closing waits for a kiosk still being prepared (its store may be half open).
PREPARE_DEADLINE_S = 60


def headless_advice(command: str) -> str:
    return (
        f"kiosk {command}: no display here (DISPLAY and WAYLAND_DISPLAY are not set). "
        f"Watch and use it with a VNC viewer: `kiosk {command} --vnc` serves it on "
        f"127.0.0.1:{DEFAULT_VNC_PORT} (tunnel with ssh -L {DEFAULT_VNC_PORT}:127.0.0.1:"
        f"{DEFAULT_VNC_PORT}); `kiosk {command} --vnc --vnc-listen-all` uses Qt's own VNC "
        "plugin, which listens on every interface with no password; or run it on a virtual "
        f"screen: `xvfb-run -s '-screen 0 1920x1080x24' kiosk {command}`; or just look at "
        "every screen as PNG files: `kiosk tour out/`."
    )


def display_available(environ: dict[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return bool(
        environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY") or environ.get("QT_QPA_PLATFORM")
    )


def qt_vnc_arguments(port: int, profile: Profile) -> list[str]:
    width, height = PROFILE_SIZES[profile]
    return ["-platform", f"vnc:size={width}x{height}:port={port}"]


def run_gui(
    first: FirstScreen,
    prepare: Callable[[], Services],
    log_dir: Path,
    *,
    fullscreen: bool,
    vnc_port: int | None = None,
    vnc_listen_all: bool = False,
    first_start: FirstStart | None = None,
) -> int:
    """Show the kiosk until it is closed; returns the Qt exit code.

    first_start: the setup wizard, shown instead of the kiosk until its 運用開始; only then is
    the kiosk window opened and prepare() run, so the services read the settings it wrote.

    prepare() builds the services; it runs on a worker thread after the home screen is
    painted, and whatever it raises is raised here once the window is gone. With vnc_port, the
    window is served over VNC: on 127.0.0.1 through a private Xvfb screen, or with
    vnc_listen_all through Qt's own plugin on every interface.
    """
    from kiosk.headless import VirtualDisplay

    # Held back until Qt's loop can take them (see _quit_on_signals): a SIGTERM during
    # start-up then ends the kiosk cleanly instead of killing it mid-import.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    profile = first.choice.profile
    qt_arguments: list[str] = []
    screen: VirtualDisplay | None = None
    if vnc_port is not None and vnc_listen_all:
        qt_arguments = qt_vnc_arguments(vnc_port, profile)
        print(
            f"kiosk: WARNING Qt's VNC server listens on EVERY interface, port {vnc_port}, "
            "with no password",
            flush=True,
        )
    elif vnc_port is not None:
        from kiosk.headless import serve_loopback_vnc, start_xvfb

        screen = start_xvfb(*PROFILE_SIZES[profile])
        serve_loopback_vnc(screen, vnc_port, log_dir / "x11vnc.log")
        os.environ["DISPLAY"] = screen.display
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        print(f"kiosk: VNC on 127.0.0.1:{vnc_port} (virtual screen {screen.display})", flush=True)
    starts: list[KioskStart] = []
    try:
        from PySide6.QtWidgets import QApplication

        app = QApplication([sys.argv[0], *qt_arguments])
        locked = fullscreen and vnc_port is None

        def begin() -> None:
            starts.append(open_window(app, first, prepare, locked=locked))

        wizard = None  # held here for as long as the loop runs
        if first_start is not None:
            wizard = show_setup_wizard(app, first, first_start, begin, locked=locked)
        else:
            begin()
        _quit_on_signals(app)
        code = app.exec()
        del wizard
        for start in starts:
            start.raise_failure()
        return code
    finally:
        for start in starts:
            start.close()
        if screen is not None:
            screen.stop()


class FirstStart(NamedTuple):
    """What the setup wizard of a first start needs (kiosk/setup_wizard.py needs_wizard)."""

    paths: KioskPaths
    config_file: Path | None = None


def show_setup_wizard(
    app, first: FirstScreen, setup: FirstStart, begin: Callable[[], None], *, locked: bool
):
    """The setup wizard in the kiosk's place; its 運用開始 opens the kiosk (begin), then the
    wizard's window goes. Returns that window."""
    from kiosk.setup_wizard import SetupWizard
    from screens.metrics import metrics_for
    from screens.setup import FirstStartWindow, SetupWizardView
    from screens.theme import Look, prepare_application

    prepare_application(app)
    choice = first.choice
    metrics = metrics_for(choice.profile)
    view = SetupWizardView(SetupWizard(setup.paths, setup.config_file), metrics)
    window = FirstStartWindow(view, Look(choice.theme, choice.text_size, metrics), locked)
    window.resize(*PROFILE_SIZES[choice.profile])

    def start_operation() -> None:
        begin()  # the kiosk's window is shown first, so the application never has none
        window.leave()

    view.start_operation.connect(start_operation)
    if locked:
        window.showFullScreen()
    else:
        window.show()
    return window


class KioskStart:
    """One start of the kiosk window: the shell painted at once, the services once ready.
    (A plain class: this module is imported before the first paint, see kiosk.config_base.)"""

    def __init__(self, shell: KioskShell) -> None:
        self.shell = shell
        self.services: Services | None = None
        self.ready = threading.Event()

    def raise_failure(self) -> None:
        if self.shell.failure is not None:
            raise self.shell.failure

    def close(self) -> None:
        # Never leave the preparing thread with a half-open store behind.
        self.ready.wait(PREPARE_DEADLINE_S)
        if self.services is not None:
            self.services.close()


def open_window(
    app, first: FirstScreen, prepare: Callable[[], Services], *, locked: bool
) -> KioskStart:
    """Show the home screen now; prepare the kiosk once it is painted, then put it in."""
    from PySide6.QtCore import QEvent, QObject

    from screens.startup import KioskShell
    from screens.theme import Look, prepare_application

    prepare_application(app)
    choice = first.choice

    def build_kiosk(services: Services):
        """On the GUI thread, once the services are ready: the kiosk window, then sync."""
        from kiosk.qtbridge import QtEventBridge
        from screens.window import KioskWindow

        settings = services.settings
        kiosk = KioskWindow(
            services,
            QtEventBridge(services.events),
            Look(settings.theme, settings.text_size),
            locked=locked,  # kiosk run: leaving needs technician mode
        )
        services.start_sync()
        return kiosk

    shell = KioskShell(first, Look(choice.theme, choice.text_size), build_kiosk, locked=locked)
    shell.resize(*PROFILE_SIZES[choice.profile])
    start = KioskStart(shell)

    def prepare_in_background() -> None:
        try:
            services = prepare()
            import screens.window  # noqa: F401  imported here, built on the GUI thread
        except BaseException as error:  # reported on the GUI thread, raised by run_gui
            start.ready.set()
            shell.start_failed.emit(error)
            return
        start.services = services
        start.ready.set()
        shell.services_ready.emit(services)  # queued: the window is built on the GUI thread

    class FirstPaint(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                shell.removeEventFilter(self)
                threading.Thread(
                    target=prepare_in_background, name="kiosk-prepare", daemon=True
                ).start()
            return False

    watcher = FirstPaint(shell)
    shell.installEventFilter(watcher)
    if locked:
        shell.showFullScreen()
    else:
        shell.show()
    return start


def _quit_on_signals(app) -> None:
    """SIGTERM/SIGINT end the event loop, so services close and helper processes stop.

    Python runs signal handlers only between bytecodes; a 200 ms timer gives it the chance
    while Qt's loop is waiting.
    """
    from PySide6.QtCore import QTimer

    for number in STOP_SIGNALS:
        # Posted, not called: a quit() before exec() has started would be lost.
        # exit(), not quit(): quit() asks every window to close, and a locked kiosk refuses.
        signal.signal(number, lambda *_: QTimer.singleShot(0, lambda: app.exit(0)))
    heartbeat = QTimer(app)
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(200)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # delivers any held-back one


def render_tour(services: Services, outdir: Path) -> list[Path]:
    """Render every screen of the scripted walk-through to PNG, offscreen, then each step of
    the setup wizard (on a throwaway home: nothing of this kiosk is touched)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from kiosk.qtbridge import QtEventBridge
    from screens.setup.tour import render_steps
    from screens.theme import Look, prepare_application
    from screens.tour import walk

    app = QApplication.instance() or QApplication([sys.argv[0]])
    prepare_application(app)
    bridge = QtEventBridge(services.events)
    written = walk(services, bridge, outdir, PROFILE_SIZES, Look)
    return written + render_steps(outdir, profiles=(services.settings.profile,))
