"""Events published on worker threads arrive on the GUI thread, via the one bridge."""

import threading

from PySide6.QtCore import QThread

from kiosk.events import EventBus, EventKind, StaffCalled
from kiosk.qtbridge import QtEventBridge


def test_worker_event_is_delivered_on_the_gui_thread(qtbot, qapp):
    bus = EventBus()
    bridge = QtEventBridge(bus)
    seen = []
    bridge.event_arrived.connect(
        lambda event: seen.append((event.kind, QThread.currentThread() is qapp.thread()))
    )
    worker = threading.Thread(target=bus.publish, args=(StaffCalled("home"),))
    worker.start()
    worker.join(timeout=5)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == [(EventKind.STAFF_WAS_CALLED, True)]


def test_closed_bridge_forwards_nothing(qtbot):
    bus = EventBus()
    bridge = QtEventBridge(bus)
    seen = []
    bridge.event_arrived.connect(seen.append)
    bridge.close()
    bus.publish(StaffCalled("home"))
    qtbot.wait(50)  # nothing to wait for: give a wrongly queued delivery its chance
    assert seen == []


def test_a_failing_subscriber_does_not_silence_the_others():
    bus = EventBus()
    seen = []
    bus.subscribe(lambda event: 1 / 0)
    bus.subscribe(seen.append)
    bus.publish(StaffCalled("home"))
    assert len(seen) == 1
