"""A fictional My Number Card as a real process: it plugs into pcscd through vsmartcard's vpcd
driver, so tests, demos and technicians exercise the whole PC/SC stack without a card.

vpcd protocol: TCP to vpcd (127.0.0.1:35963 by default); each frame is a 2-byte big-endian
length and a payload. A 1-byte payload is a control (0 power off, 1 power on, 2 reset, 4 get
ATR — vpcd asks for the ATR to learn whether the card is still there); anything longer is an
APDU, answered with its response. Closing the connection is taking the card out.

SIGUSR1 takes the card out, SIGUSR2 puts it back (tests use them for "card removed while the
resident types the PIN"). A journal file, if asked for, gets one line per APDU, VERIFY data
masked, so tests can count what the kiosk sent without the emulator seeing the kiosk's logs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from devices.mynumber import (
    MY_NUMBER_CARD_2016,
    BasicFour,
    CardProfile,
    encode_tlv,
    mask_apdu,
    read_card,
)

__all__ = ["CardIdentity", "EmulatedCard", "Fault", "VpcdCard", "main", "read_card"]

log = logging.getLogger(__name__)

VPCD_PORT = 35963
# TS 3B, T0 80, TD1 80, TD2 01 (T=1), TCK 01: the generic ATR PC/SC gives contactless cards.
EMULATED_ATR = bytes.fromhex("3B80800101")
# A fictional, check-digit-valid number (shared/DOMAIN.md). It sits in EF 0001 so a test can
# prove the kiosk never reads it: if it ever showed up in a log or trace, that test fails.
FICTIONAL_KOJIN_BANGO = "621498320257"
_CONTROL_POWER_OFF, _CONTROL_POWER_ON, _CONTROL_RESET, _CONTROL_ATR = 0, 1, 2, 4
_IO_TIMEOUT_S = 0.2  # how often the I/O loop looks up from the socket to notice requests


class Fault(StrEnum):
    NONE = "none"
    REMOVE_BEFORE_VERIFY = "remove-before-verify"  # out right after the tries-left query
    REMOVE_DURING_VERIFY = "remove-during-verify"  # out instead of answering VERIFY
    REMOVE_DURING_READ = "remove-during-read"  # out instead of answering the 2nd READ BINARY
    UNKNOWN_CARD = "unknown-card"  # no 券面事項入力補助AP: some other card


@dataclass(frozen=True)
class CardIdentity:
    name: str = "山田 花子"
    address: str = "東京都千代田区千代田1-1"
    birth_date: date = date(1948, 3, 15)
    sex: str = "2"

    @classmethod
    def from_resident(cls, resident: dict) -> CardIdentity:
        """From an entry of tests/data/residents.json."""
        return cls(
            resident["name"],
            resident["address"],
            date.fromisoformat(resident["birth"]),
            resident["sex"],
        )

    def expected(self) -> BasicFour:
        """What a correct reader returns for this card."""
        from devices.mynumber import Sex

        return BasicFour(self.name, self.address, self.birth_date, Sex(self.sex))


class CardRemovedByFault(Exception):
    """The fault says: take the card out now, without answering."""


def basic_four_file(identity: CardIdentity, profile: CardProfile = MY_NUMBER_CARD_2016) -> bytes:
    """EF 0002 as the card holds it: FF 20 L { DF 21 … DF 25 }, long-form lengths as needed."""
    body = b"".join(
        (
            encode_tlv(0xDF21, bytes(6)),  # offsets into the face image; the kiosk ignores them
            encode_tlv(profile.name_tag, identity.name.encode("utf-8")),
            encode_tlv(profile.address_tag, identity.address.encode("utf-8")),
            encode_tlv(profile.birth_tag, identity.birth_date.strftime("%Y%m%d").encode()),
            encode_tlv(profile.sex_tag, identity.sex.encode("ascii")),
        )
    )
    return encode_tlv(profile.outer_tag, body)


@dataclass
class EmulatedCard:
    """The card's behaviour, without any I/O: APDU in, response out."""

    identity: CardIdentity = field(default_factory=CardIdentity)
    pin: str = "1234"
    tries_left: int = 3
    fault: Fault = Fault.NONE
    profile: CardProfile = MY_NUMBER_CARD_2016
    journal: list[str] = field(default_factory=list)
    max_tries: int = 3

    def __post_init__(self) -> None:
        self.fault_fired = False
        self._files = {
            self.profile.basic_four_ef: basic_four_file(self.identity, self.profile),
            0x0001: encode_tlv(0xDF01, FICTIONAL_KOJIN_BANGO.encode()),
        }
        self.power_on()

    def power_on(self) -> None:
        """Power-up and reset forget the selection and the verified PIN, as a real card does."""
        self._ap_selected = False
        self._selected_ef: int | None = None
        self._verified = False

    def _fire(self, fault: Fault) -> None:
        if self.fault is fault and not self.fault_fired:
            self.fault_fired = True
            raise CardRemovedByFault(fault.value)

    def process(self, apdu: bytes) -> bytes:
        try:
            response = self._process(apdu)
        except CardRemovedByFault:
            self.journal.append(f"{mask_apdu(apdu)} -> (card taken out, no answer)")
            raise
        self.journal.append(f"{mask_apdu(apdu)} -> {response[-2:].hex(' ').upper()}")
        return response

    def _process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        data = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if cla != 0x00:
            return b"\x6e\x00"
        if ins == 0xA4 and p1 == 0x04:
            is_text_ap = data == self.profile.text_ap_aid and self.fault is not Fault.UNKNOWN_CARD
            self._ap_selected, self._selected_ef, self._verified = is_text_ap, None, False
            return b"\x90\x00" if is_text_ap else b"\x6a\x82"
        if ins == 0xA4 and p1 == 0x02:
            file_id = int.from_bytes(data, "big") if len(data) == 2 else -1
            if not self._ap_selected or (
                file_id != self.profile.pin_ef and file_id not in self._files
            ):
                return b"\x6a\x82"
            self._selected_ef = file_id
            return b"\x90\x00"
        if ins == 0x20:
            return self._verify(data)
        if ins == 0xB0:
            return self._read_binary(p1, p2, apdu[4] if len(apdu) == 5 else 0)
        return b"\x6d\x00"

    def _verify(self, pin: bytes) -> bytes:
        if self._selected_ef != self.profile.pin_ef:
            return b"\x69\x86"
        if self.tries_left <= 0:
            return b"\x69\x84"
        if not pin:
            return bytes([0x63, 0xC0 | self.tries_left])
        self._fire(Fault.REMOVE_DURING_VERIFY)
        if pin == self.pin.encode("ascii"):
            self.tries_left, self._verified = self.max_tries, True
            return b"\x90\x00"
        self.tries_left -= 1
        return bytes([0x63, 0xC0 | self.tries_left])

    def _read_binary(self, p1: int, p2: int, le: int) -> bytes:
        if p1 & 0x80 or self._selected_ef not in self._files:
            return b"\x69\x86"
        if not self._verified:
            return b"\x69\x82"
        if self._selected_ef == self.profile.basic_four_ef and (p1 or p2):
            self._fire(Fault.REMOVE_DURING_READ)  # the first chunk after the header probe
        content = self._files[self._selected_ef]
        offset = (p1 << 8) | p2
        if offset > len(content):
            return b"\x6b\x00"
        chunk = content[offset : offset + (le or 256)]
        return chunk + (b"\x90\x00" if len(chunk) == (le or 256) else b"\x62\x82")

    def after_reply(self, apdu: bytes) -> None:
        """Faults that strike after an answer went out (the resident pulls the card)."""
        if len(apdu) == 4 and apdu[1] == 0x20:
            self._fire(Fault.REMOVE_BEFORE_VERIFY)


class VpcdCard:
    """Connects an EmulatedCard to vpcd and keeps it connected (pcscd restarts included)."""

    def __init__(
        self,
        card: EmulatedCard,
        port: int = VPCD_PORT,
        host: str = "127.0.0.1",
        delay_ms: int = 0,
        reinsert_ms: int | None = None,
        journal_path: Path | None = None,
    ) -> None:
        self.card = card
        self.address = (host, port)
        self.delay_s = delay_ms / 1000
        self.reinsert_s = None if reinsert_ms is None else reinsert_ms / 1000
        self.journal_path = journal_path
        self.inserted = threading.Event()
        self.inserted.set()
        self.stopping = threading.Event()
        self._journaled = 0

    def remove(self) -> None:
        self.inserted.clear()

    def insert(self) -> None:
        self.inserted.set()

    def run(self) -> None:
        """Until stop: connect while inserted, serve, reconnect when vpcd goes and comes back."""
        while not self.stopping.is_set():
            if not self.inserted.wait(_IO_TIMEOUT_S):
                continue
            try:
                with socket.create_connection(self.address, timeout=1.0) as link:
                    link.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    log.info("card inserted into vpcd at %s:%d", *self.address)
                    self._serve(link)
            except OSError:
                # vpcd not listening (pcscd stopped or restarting): try again shortly.
                self.stopping.wait(0.1)
            except CardRemovedByFault as fault:
                log.info("card taken out by fault %s", fault)
                self._take_out_for_a_while()
            self._write_journal()

    def _take_out_for_a_while(self) -> None:
        if self.reinsert_s is None:
            self.inserted.clear()  # stays out until SIGUSR2
        else:
            self.stopping.wait(self.reinsert_s)

    def _serve(self, link: socket.socket) -> None:
        link.settimeout(_IO_TIMEOUT_S)
        self.card.power_on()
        while self.inserted.is_set() and not self.stopping.is_set():
            try:
                header = link.recv(2, socket.MSG_PEEK)
            except TimeoutError:
                continue
            # vpcd sends a reset and the ATR request as two small writes; with delayed ACKs
            # Nagle holds the second one back ~40 ms. Acknowledging at once avoids that.
            link.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            if len(header) < 2:
                if not header:
                    return  # vpcd closed: pcscd went away
                continue
            size = int.from_bytes(_recv_exact(link, 2), "big")
            payload = _recv_exact(link, size)
            if size == 1:
                self._control(link, payload[0])
                continue
            if self.delay_s:
                time.sleep(self.delay_s)  # the fault "slow card": a real delay, on purpose
            response = self.card.process(payload)
            _send_frame(link, response)
            self._write_journal()
            self.card.after_reply(payload)

    def _control(self, link: socket.socket, code: int) -> None:
        if code in (_CONTROL_POWER_ON, _CONTROL_RESET, _CONTROL_POWER_OFF):
            self.card.power_on()
        elif code == _CONTROL_ATR:
            _send_frame(link, EMULATED_ATR)

    def _write_journal(self) -> None:
        if self.journal_path is None:
            return
        lines = self.card.journal[self._journaled :]
        if lines:
            with self.journal_path.open("a", encoding="utf-8") as journal:
                journal.write("".join(f"{line}\n" for line in lines))
            self._journaled += len(lines)


def _recv_exact(link: socket.socket, size: int) -> bytes:
    # A frame that started arriving finishes quickly; give the rest a deadline of its own.
    deadline = time.monotonic() + 2.0
    chunks = bytearray()
    while len(chunks) < size:
        if time.monotonic() > deadline:
            raise OSError("vpcd frame cut short")
        try:
            chunk = link.recv(size - len(chunks))
        except TimeoutError:
            continue
        if not chunk:
            raise OSError("vpcd closed mid-frame")
        chunks += chunk
    return bytes(chunks)


def _send_frame(link: socket.socket, payload: bytes) -> None:
    link.settimeout(2.0)
    link.sendall(len(payload).to_bytes(2, "big") + payload)
    link.settimeout(_IO_TIMEOUT_S)


# -- command line --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk devices emulate card",
        description="Emulate a fictional My Number Card in the vsmartcard virtual reader.",
    )
    default = CardIdentity()
    parser.add_argument("--name", default=default.name)
    parser.add_argument("--address", default=default.address)
    parser.add_argument("--birth", default=default.birth_date.isoformat(), help="YYYY-MM-DD")
    parser.add_argument("--sex", default=default.sex, choices=["0", "1", "2", "9"])
    parser.add_argument(
        "--resident",
        metavar="FILE:ID",
        help="take the identity from a residents.json entry, e.g. tests/data/residents.json:r04",
    )
    parser.add_argument("--pin", default="1234")
    parser.add_argument("--tries", type=int, default=3, choices=range(4), help="tries left")
    parser.add_argument("--locked", action="store_true", help="same as --tries 0")
    parser.add_argument("--fault", default=Fault.NONE.value, choices=[f.value for f in Fault])
    parser.add_argument("--port", type=int, default=VPCD_PORT)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--delay-ms", type=int, default=0, help="added to every APDU")
    parser.add_argument(
        "--reinsert-ms",
        type=int,
        default=None,
        help="after a removal fault, put the card back after this long (default: stay out)",
    )
    parser.add_argument("--journal", type=Path, help="append one masked line per APDU here")
    return parser


def identity_from_args(args: argparse.Namespace) -> CardIdentity:
    if args.resident:
        path, _, resident_id = args.resident.rpartition(":")
        residents = json.loads(Path(path).read_text(encoding="utf-8"))["residents"]
        found = [r for r in residents if r["id"] == resident_id]
        if not found:
            raise SystemExit(f"no resident {resident_id!r} in {path}")
        return CardIdentity.from_resident(found[0])
    return CardIdentity(args.name, args.address, date.fromisoformat(args.birth), args.sex)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="card emulator: %(message)s")
    card = EmulatedCard(
        identity_from_args(args),
        pin=args.pin,
        tries_left=0 if args.locked else args.tries,
        fault=Fault(args.fault),
    )
    vpcd = VpcdCard(card, args.port, args.host, args.delay_ms, args.reinsert_ms, args.journal)
    signal.signal(signal.SIGUSR1, lambda *_: vpcd.remove())
    signal.signal(signal.SIGUSR2, lambda *_: vpcd.insert())
    signal.signal(signal.SIGTERM, lambda *_: vpcd.stopping.set())
    print(f"card emulator: serving vpcd at {args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
        vpcd.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
