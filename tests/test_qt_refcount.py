"""PySide6 6.12.0 on Python 3.11 drops a reference to None on every Qt call that returns
nothing; a kiosk that runs for hours then dies with "deallocating None". Guard the pin."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel


def test_qt_calls_do_not_eat_references_to_none(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for number in range(2000):
        label.setText(str(number))
        QCoreApplication.processEvents()
    lost = before - sys.getrefcount(None)
    assert lost < 200, f"{lost} references to None lost over 4000 Qt calls"
