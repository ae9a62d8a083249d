"""The "staff have been called" overlay: it covers the page until closed, nothing is lost."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from screens.theme import PRIMARY_TARGET_PX
from screens.widgets import big_button, label


class StaffCallOverlay(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("staff_call")
        self.setProperty("role", "overlay")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 64, 64, 64)
        layout.setSpacing(48)
        self.message = label(role="heading", name="message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.close_button = big_button(role="primary", name="close")
        self.close_button.setMinimumSize(PRIMARY_TARGET_PX * 3, PRIMARY_TARGET_PX)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignCenter)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def open(self, t: Callable[..., str]) -> None:
        self.message.setText(t("staff_called"))
        self.close_button.setText(t("close"))
        parent = self.parentWidget()
        width, height = parent.width() * 2 // 3, parent.height() // 2
        self.setGeometry(
            (parent.width() - width) // 2, (parent.height() - height) // 2, width, height
        )
        self.raise_()
        self.show()
