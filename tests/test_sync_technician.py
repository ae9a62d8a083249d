"""Technician mode shows the quarantine (count and reasons, no personal data) and re-queues."""

from PySide6.QtCore import QPoint, Qt

from kiosk.qtbridge import QtEventBridge
from kiosk.technician import hash_pin
from screens.theme import Look
from screens.window import KioskWindow
from tests.helpers import finalize_juminhyo as finalize

PIN = "2468013"


def test_quarantine_count_reasons_and_requeue(settings, kiosk_paths, japanese_qapp, qtbot):
    from kiosk.cli.local_backend import build_services

    configured = settings.model_copy(update={"technician_pin_hash": hash_pin(PIN)})
    services = build_services(configured, kiosk_paths)
    refused = finalize(services)
    services.store.quarantine(refused.id, "sealed answers cannot be opened")
    window = KioskWindow(
        services, QtEventBridge(services.events), Look(configured.theme, "standard"), locked=True
    )
    window.resize(1920, 1080)
    qtbot.addWidget(window)
    window.show()
    try:
        for _ in range(5):
            qtbot.mouseClick(window.home.title, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
        for digit in PIN:
            qtbot.mouseClick(window.technician.keys[digit], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(window.technician.keys["OK"], Qt.MouseButton.LeftButton)
        shown = window.technician.quarantine.text()
        assert "Quarantined: 1" in shown and "cannot be opened" in shown
        assert str(refused.reception_number) in shown
        assert window.technician.requeue_button.isEnabled()

        qtbot.mouseClick(window.technician.requeue_button, Qt.MouseButton.LeftButton)
        assert services.store.sync_counts() == {"queued": 1, "quarantined": 0}
        assert "Quarantined: 0" in window.technician.quarantine.text()
        assert not window.technician.requeue_button.isEnabled()
    finally:
        window.leave_kiosk()
        services.close()
