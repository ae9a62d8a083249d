"""The kiosk's top-level window: the home screen at once, the whole kiosk when it is ready.

At start the window shows a home screen drawn from kiosk.first_screen's facts, so a resident
sees the kiosk as soon as Qt can paint: on the kiosk's display the launch frame
(screens.launch_frame), the home screen in Qt's plain widgets. The kiosk itself
(screens.window.KioskWindow, with its services) is built after that first paint and takes
the window's place. A tap on the first
home screen is not lost: it is replayed on the kiosk's own home screen, on the button of the
same name, once the kiosk is there (a button the kiosk then disables, say "start" while no
applications are taken, ignores it as a resident's tap would be).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QAbstractButton, QApplication, QStackedLayout, QWidget

from core.ui_text import LANGUAGES
from kiosk.first_screen import FirstScreen
from screens.activity import ActivityWatcher
from screens.launch_frame import LAUNCH_FRAME_RULES, LaunchFrame
from screens.metrics import Metrics, metrics_for
from screens.theme import Look


class KioskShell(QWidget):
    """Owns the window (frame, stay-on-top, fullscreen) for whatever it shows."""

    # Emitted from the thread that prepares the kiosk; Qt delivers them on the GUI thread.
    services_ready = Signal(object)
    start_failed = Signal(object)

    def __init__(
        self,
        first: FirstScreen,
        look: Look,
        build_kiosk: Callable[[object], QWidget],
        locked: bool = False,
    ) -> None:
        super().__init__()
        self._build_kiosk = build_kiosk
        if locked:
            # Only here: importing the Qt namespace builds its 2,000 Python enums (15 ms), and
            # nothing else the first frame shows needs them (screens.launch_frame).
            from PySide6.QtCore import Qt

            self.setWindowFlags(
                Qt.WindowType.Window
                | Qt.WindowType.FramelessWindowHint
                | Qt.WindowType.WindowStaysOnTopHint
            )
        self.setObjectName("kiosk_shell")
        # Styled as a screen: a window fills its background from the palette, which the
        # stylesheet sets (the launch frame on it has none of its own).
        self.setProperty("screen", True)
        self.setWindowTitle("Madoguchi 窓口")
        self.locked = locked
        self.kiosk: QWidget | None = None
        self.failure: BaseException | None = None
        self._first = first
        self._language = first.choice.language
        self._taps: list[str] = []  # object names of the buttons tapped before the kiosk was
        metrics = metrics_for(first.choice.profile)
        self._look = look.with_changes(metrics=metrics)
        self.setStyleSheet(self._look.stylesheet() + LAUNCH_FRAME_RULES)
        self.home = _first_home(metrics, self)
        self.stack = QStackedLayout(self)
        self.stack.addWidget(self.home)
        for button in self.home.findChildren(QAbstractButton):
            button.clicked.connect(lambda _=False, b=button: self._queue_tap(b))
        practice = first.text("practice_banner", self._language) if first.choice.practice else None
        self.home.set_practice(practice)
        self._draw_home()
        # A locked kiosk is touch-only from its first frame: keys go nowhere until the kiosk's
        # own watcher takes over.
        self._keys = ActivityWatcher(lambda: None, lambda _: None, locked) if locked else None
        if self._keys is not None:
            QApplication.instance().installEventFilter(self._keys)
        self.services_ready.connect(self._services_ready)
        self.start_failed.connect(self._fail)

    def _draw_home(self) -> None:
        language = self._language
        self.home.retranslate(
            lambda key, **values: self._first.text(key, language, **values),
            self._first.name(language),
            self._first.hours(language),
            language,
            accepting=True,  # "start" is taken now and replayed; the kiosk decides then
            look=self._look,
        )

    def _queue_tap(self, button: QAbstractButton) -> None:
        self._taps.append(button.objectName())
        if button.objectName().startswith("language_"):  # the words change at once
            self._language = button.objectName().removeprefix("language_")
            self._draw_home()

    @Slot(object)
    def _services_ready(self, services: object) -> None:
        try:
            kiosk = self._build_kiosk(services)
        except Exception as error:
            self._fail(error)
            return
        self.show_kiosk(kiosk)

    def show_kiosk(self, kiosk: QWidget) -> None:
        """Put the kiosk in the window (reparenting drops its own window flags) and replay the
        taps it missed on its home screen."""
        if self._keys is not None:
            QApplication.instance().removeEventFilter(self._keys)
            self._keys = None
        self.kiosk = kiosk
        self.stack.addWidget(kiosk)
        self.stack.setCurrentWidget(kiosk)
        kiosk.installEventFilter(_ClosedWith(self))
        home = getattr(kiosk, "home", None)
        for name in self._taps:
            button = home.findChild(QAbstractButton, name) if home is not None else None
            if button is not None and button.isEnabled() and button.isVisibleTo(home):
                button.click()
        self._taps.clear()

    @Slot(object)
    def _fail(self, error: BaseException) -> None:
        """The kiosk could not be prepared (a setting refused, the store damaged …): leave
        the event loop; the caller reports the error in its plain words."""
        self.failure = error
        QApplication.instance().exit(2)

    def closeEvent(self, event) -> None:
        if self.kiosk is not None and self.kiosk.isVisible():
            if not self.kiosk.close():  # the kiosk decides (a locked one refuses)
                event.ignore()
                return
        elif self.locked and self.failure is None:
            event.ignore()
            return
        super().closeEvent(event)


def _first_home(metrics: Metrics, shell: QWidget) -> QWidget:
    """The kiosk's display starts on the launch frame (plain Qt widgets: no enum types to
    build before the first paint); a phone-sized window on the kiosk's own home screen."""
    if not metrics.narrow:
        return LaunchFrame(LANGUAGES, metrics, shell)
    from screens.home import HomeScreen

    return HomeScreen(LANGUAGES, metrics)


class _ClosedWith(QObject):
    """When the kiosk closes itself (technician mode's "quit"), the window goes with it."""

    def __init__(self, shell: KioskShell) -> None:
        super().__init__(shell)
        self._shell = shell

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            QTimer.singleShot(0, self._close_if_gone)
        return False

    def _close_if_gone(self) -> None:
        kiosk = self._shell.kiosk
        if kiosk is not None and not kiosk.isVisible():
            self._shell.close()
