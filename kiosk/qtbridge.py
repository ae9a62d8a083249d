"""The one place where core and device events cross into Qt.

Events are published on any thread. The bridge lives on the GUI thread: a worker's emission of
the private signal is queued to the bridge's own slot, which then emits `event_arrived` on the
GUI thread, so whatever is connected to it (even a plain function) never runs on a worker.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot

from kiosk.events import Event, EventBus


class QtEventBridge(QObject):
    event_arrived = Signal(object)
    _crossing = Signal(object)

    def __init__(self, bus: EventBus, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._crossing.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = bus.subscribe(self._crossing.emit)

    @Slot(object)
    def _deliver(self, event: Event) -> None:
        self.event_arrived.emit(event)

    def close(self) -> None:
        """Stop forwarding; called once when the window that owns the bridge closes."""
        self._unsubscribe()
