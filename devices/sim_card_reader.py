"""An in-process card reader with a demo My Number Card, for `kiosk demo` and GUI tests.

The card is the same EmulatedCard the vpcd emulator process serves, so the kiosk's reading
code (APDUs, TLV, PIN tries) runs unchanged; only PC/SC and the radio are left out. The card is
placed and taken by the demo's own buttons (a real reader reports it by itself).
"""

from __future__ import annotations

import threading
from datetime import date

from devices.card_transport import CardAbsent
from devices.emulators.card_emulator import (
    EMULATED_ATR,
    CardIdentity,
    CardRemovedByFault,
    EmulatedCard,
)

# A fictional resident that shows the hard cases: 𠮷 beyond Shift_JIS, 髙 from the IBM
# extension, the last day of 昭和, and an address long enough for a long-form TLV length.
DEMO_IDENTITY = CardIdentity(
    name="𠮷野 髙子",
    address="北海道札幌市中央区北一条西二丁目1番地 札幌市役所本庁舎前 デモマンション1205号室",
    birth_date=date(1989, 1, 7),
    sex="2",
)
DEMO_PIN = "1234"
# A second fictional resident, registered outside the sample city (which lies on 札幌市中央区):
# on a 転居届 (a move within the city) the kiosk leads her to the 転入届.
ELSEWHERE_IDENTITY = CardIdentity(
    name="山田 花子",
    address="東京都千代田区千代田1-1",
    birth_date=date(1948, 3, 15),
    sex="2",
)


class SimulatedCardReader:
    """One reader with one demo card that can be placed and taken; a Transport when placed."""

    name = "Simulated reader"

    def __init__(self, identity: CardIdentity = DEMO_IDENTITY, pin: str = DEMO_PIN) -> None:
        self.card = EmulatedCard(identity=identity, pin=pin)
        self._lock = threading.Lock()
        self.present = False

    def use(self, identity: CardIdentity) -> None:
        """Another demo card (its resident), with the same PIN; lying where this one was."""
        with self._lock:
            self.card = EmulatedCard(identity=identity, pin=self.card.pin)

    def place(self) -> None:
        with self._lock:
            self.present = True
            self.card.power_on()

    def take(self) -> None:
        with self._lock:
            self.present = False

    # -- Transport ---------------------------------------------------------------------------

    def connect(self, timeout_s: float) -> bytes:
        with self._lock:
            if not self.present:
                raise CardAbsent("no card on the simulated reader")
            self.card.power_on()
            return EMULATED_ATR

    def disconnect(self) -> None:
        """Nothing to release: the card stays where it is."""

    def transmit(self, apdu: bytes, timeout_s: float) -> tuple[bytes, int, int]:
        with self._lock:
            if not self.present:
                raise CardAbsent("the card was taken off the simulated reader")
            try:
                response = self.card.process(apdu)
            except CardRemovedByFault:
                self.present = False
                raise CardAbsent("the card was taken off the simulated reader") from None
        return response[:-2], response[-2], response[-1]
