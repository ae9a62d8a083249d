"""Every press anywhere counts as the resident still being there; a locked kiosk eats keys."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF

_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress}
_KEYS = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}


class ActivityWatcher(QObject):
    """Any press anywhere in the application counts as the resident still being there.

    On a locked kiosk it also swallows every key: the kiosk is touch-only, and a keyboard
    plugged in must not reach a shortcut that leaves the kiosk.
    """

    def __init__(
        self,
        on_activity: Callable[[], None],
        on_press: Callable[[QPointF], None],
        locked: bool,
    ) -> None:
        super().__init__()
        self._on_activity = on_activity
        self._on_press = on_press
        self._locked = locked
        self._last_press = -1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _ACTIVITY:
            self._on_activity()
        # One press can reach several widgets (it propagates to parents): count it once.
        if kind == QEvent.Type.MouseButtonPress and event.timestamp() != self._last_press:
            self._last_press = event.timestamp()
            self._on_press(event.globalPosition())
        return self._locked and kind in _KEYS
