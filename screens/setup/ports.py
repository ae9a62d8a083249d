"""Choosing a serial port by identity (by-id name, vendor:product, product) and its speed,
for the printer and the scanner steps. A port without a stable name carries a warning."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.setup_wizard import BAUD_RATES, port_url
from kiosk.setup_wizard_devices import ports
from screens.metrics import KIOSK, Metrics
from screens.setup.common import ChoiceList
from screens.widgets import label

NONE = ""
NO_STABLE_NAME = "⚠ 固定名なし(名前が変わることがあります)/ no stable name: it may change"
NOTHING_FOUND = (
    "シリアルポートが見つかりません。USBケーブルを確かめてください / "
    "No serial port found: check the USB cable"
)


def port_text(port, metrics: Metrics) -> str:
    """Two or three lines: the name the kiosk will use, then what the port says it is."""
    ids = "  ".join(p for p in (port.vendor_product, port.manufacturer, port.description) if p)
    if port.stable_name:
        name = port.stable_name.removeprefix("/dev/serial/by-id/")
        return f"{name}  {ids}" if ids else name
    return f"{port.device}  {NO_STABLE_NAME}"


def url_parts(url: str) -> tuple[str, int | None]:
    """(path, baud) of a serial:// setting, or (url, None)."""
    if url.startswith("serial://"):
        path, _, query = url.removeprefix("serial://").partition("?baud=")
        return path, int(query) if query.isascii() and query.isdigit() else None
    return url, None


class PortChooser(QWidget):
    """The ports found now (plus extra candidates), "none" or "sim" where offered, and a baud
    rate. value() is the setting to write: serial://PATH?baud=N, "sim" or ""."""

    changed = Signal(str)

    def __init__(
        self,
        name: str,
        metrics: Metrics = KIOSK,
        extra: tuple[str, ...] = (),
        offers: tuple[tuple[str, str], ...] = (),
        default_baud: int = 9600,
    ) -> None:
        super().__init__()
        self.extra = extra
        self.offers = offers
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(metrics.gap_px)
        self.empty = label(NOTHING_FOUND, role="small", name=f"{name}_empty")
        self.list = ChoiceList(f"{name}_port", metrics, columns=1)
        self.speed_label = label("通信速度 / Speed (baud)", role="small")
        self.speed = ChoiceList(f"{name}_baud", metrics, columns=len(BAUD_RATES))
        self.speed.set_choices([(str(b), str(b)) for b in BAUD_RATES], str(default_baud))
        layout.addWidget(self.empty)
        layout.addWidget(self.list)
        layout.addWidget(self.speed_label)
        layout.addWidget(self.speed)
        self.list.chosen.connect(lambda _: self.changed.emit(self.value()))
        self.speed.chosen.connect(lambda _: self.changed.emit(self.value()))
        self.found: list = []

    def refresh(self, current: str = "") -> None:
        """List the ports again; current (a setting) is chosen if it is still there."""
        self.found = ports(self.extra)
        choices = [(port.path, port_text(port, self.list.metrics)) for port in self.found]
        choices += list(self.offers)
        path, baud = url_parts(current)
        if path and path not in {value for value, _ in choices}:
            choices.append((path, f"{path}  (設定済み・見つかりません / configured, not found)"))
        self.list.set_choices(choices, path)
        if baud:
            self.speed.choose(str(baud))
        self.empty.setVisible(not self.found)

    def value(self) -> str:
        chosen = self.list.value()
        if chosen in {value for value, _ in self.offers}:
            return chosen
        if not chosen:
            return NONE
        return port_url(chosen, int(self.speed.value() or BAUD_RATES[0]))

    def choose_path(self, path: str) -> None:
        self.list.choose(path)
