"""The setup wizard's device tests, without Qt: the ports by identity, a test receipt printed
and previewed, a live scanner test, and a test-card check that reads nothing of a resident.

Each call blocks for at most its deadline; the screens run them off the GUI thread.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from devices.serial_ports import SerialPort, list_serial_ports
from kiosk.setup_wizard import WizardProblem

PRINT_DEADLINE_S = 30.0
CARD_DEADLINE_S = 10.0
READER_LIST_DEADLINE_S = 3.0
SIM_READER = "sim"
RULER = "".join(f"----+----{(n + 1) % 10}" for n in range(5))[:48]  # 48 columns


def ports(extra: tuple[str, ...] = ()) -> list[SerialPort]:
    return list_serial_ports(extra)


# -- printer ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestPrint:
    completed: bool
    words: str  # the outcome in plain bilingual words
    preview_png: bytes  # the test receipt as drawn from its own ESC/POS bytes


def technician_receipt(kiosk_id: str, text: str = "", now: datetime | None = None):
    """The technician's test receipt (here and `kiosk devices test printer`): kanji, a QR
    code, a 48-column ruler and text."""
    from core.receipt import Align, QrCode, Receipt, Rule, TextLine

    now = now or datetime.now()
    blocks = [
        TextLine("テスト印字 TEST PRINT", 2, True, Align.CENTER),
        TextLine(f"{kiosk_id}  {now:%Y-%m-%d %H:%M:%S}", 1, False, Align.CENTER),
        Rule(),
        TextLine("漢字 ひらがな カタカナ ｶﾀｶﾅ ABC abc 0123"),
        TextLine("住民票 印鑑登録証明書 髙橋 﨑"),
        TextLine(RULER),
    ]
    if text:
        blocks.append(TextLine(text, 2, False, Align.LEFT))
    blocks += [Rule(), QrCode(f"MADOGUCHI-TEST:{kiosk_id}:{now:%Y%m%dT%H%M%S}")]
    return Receipt("test", tuple(blocks))


def preview(receipt, model_id: str) -> bytes:
    """The receipt as the printer would draw it: encoded for the model, decoded by the same
    decoder the printer emulator uses, laid out on the printer's grid (PNG bytes)."""
    from devices.escpos import encode_receipt
    from devices.escpos_decode import decode
    from devices.printer_models import model
    from devices.receipt_render import draw_job

    picture = draw_job(decode(encode_receipt(receipt, model(model_id))))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def print_test(url: str, model_id: str, kiosk_id: str, sim_output: Path) -> TestPrint:
    """Print a test receipt on url (deadline PRINT_DEADLINE_S) and draw its preview."""
    from devices.printer import PrintOutcome
    from devices.registry import DeviceConfigError, build_printer

    receipt = technician_receipt(kiosk_id or "kiosk", "セットアップ / setup")
    picture = preview(receipt, model_id)
    try:
        printer = build_printer(url, sim_output, model_id)
    except DeviceConfigError as error:
        raise WizardProblem(
            f"プリンターの指定が違います / Wrong printer address: {error}"
        ) from None
    printer.open()
    try:
        result = printer.print_receipt(receipt, PRINT_DEADLINE_S)
    finally:
        printer.close()
    if result.outcome is PrintOutcome.COMPLETED:
        return TestPrint(True, "印刷できました / Printed", picture)
    conditions = ", ".join(sorted(c.value for c in result.conditions))
    words = {
        PrintOutcome.FAILED_BEFORE_START: "印刷できません / Could not print",
        PrintOutcome.FAILED_MID_JOB: "印刷の途中で止まりました / Stopped while printing",
        PrintOutcome.UNKNOWN: "印刷の完了が確認できません / Printing not confirmed",
    }[result.outcome]
    detail = "; ".join(part for part in (conditions, result.detail) if part)
    return TestPrint(False, f"{words}" + (f" ({detail})" if detail else ""), picture)


# -- scanner ------------------------------------------------------------------------------------


class ScannerTest:
    """The live test: the scanner at url runs until stop(); each scan's text goes to on_scan,
    each problem (in words) to on_problem, both on the scanner's own thread."""

    def __init__(
        self, url: str, on_scan: Callable[[str], None], on_problem: Callable[[str], None]
    ) -> None:
        from devices.registry import DeviceConfigError, build_scanner

        try:
            self.scanner = build_scanner(
                url, lambda scan: on_scan(scan.text), lambda problem: on_problem(str(problem))
            )
        except DeviceConfigError as error:
            raise WizardProblem(
                f"スキャナーの指定が違います / Wrong scanner address: {error}"
            ) from None
        if self.scanner is None:
            raise WizardProblem("ポートを選んでください / Choose a port")

    def start(self) -> None:
        self.scanner.start()

    def state(self) -> str:
        return self.scanner.status().state.value

    def stop(self) -> None:
        self.scanner.stop()


# -- card reader --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardCheck:
    """That a card answered and what kind it is; never anything written on it."""

    answered: bool
    kind: str
    atr: str = ""


def card_readers() -> tuple[list[str], str]:
    """(PC/SC reader names, a problem in words or ""); "sim" is always offered beside them."""
    from devices.card_transport import TransportError, list_readers

    try:
        return list_readers(READER_LIST_DEADLINE_S), ""
    except TransportError as error:
        return [], f"PC/SC が使えません / PC/SC is not available: {error}"
    except Exception as error:  # pyscard missing or broken: the simulated reader remains
        return [], f"PC/SC が使えません / PC/SC is not available: {type(error).__name__}"


def reader_setting(choice: str) -> str:
    """The card_reader setting for a listed choice: sim, or pcsc:NAME."""
    return choice if choice in (SIM_READER, "", "pcsc") else f"pcsc:{choice}"


def check_card(setting: str, deadline_s: float = CARD_DEADLINE_S) -> CardCheck:
    """Ask the card on the reader what it is: its ATR, then SELECT of the My Number Card's
    text application and the PIN tries left (VERIFY without a PIN: it spends no try). No PIN
    is presented and no file is read, so nothing of a resident is ever on screen."""
    from devices.card_transport import CardAbsent, PcscTransport
    from devices.card_transport import TransportError as CardTransportError
    from devices.mynumber import (
        ApduChannel,
        CardReadError,
        Deadline,
        MyNumberCardReader,
        UnknownCard,
    )

    deadline = Deadline(deadline_s)
    if setting == SIM_READER:
        from devices.sim_card_reader import SimulatedCardReader

        transport = SimulatedCardReader()
        transport.place()  # the demo card lies on the simulated reader
    elif setting.startswith("pcsc"):
        name = setting.partition(":")[2]
        if not name:
            names, problem = card_readers()
            if not names:
                raise WizardProblem(problem or "カードリーダーがありません / No card reader")
            name = names[0]
        transport = PcscTransport(name)
    else:
        raise WizardProblem("カードリーダーを選んでください / Choose a card reader")
    try:
        atr = transport.connect(max(deadline.remaining(), 0.1))
    except CardAbsent:
        return CardCheck(
            False, "カードがありません。テストカードを置いてください / No card: place the test card"
        )
    except CardTransportError as error:
        raise WizardProblem(
            f"カードリーダーが答えません / The reader does not answer: {error}"
        ) from None
    try:
        tries = MyNumberCardReader(ApduChannel(transport)).tries_left(deadline)
    except UnknownCard:
        return CardCheck(
            True, "マイナンバーカードではありません / Not a My Number Card", atr.hex(" ").upper()
        )
    except CardReadError as error:
        return CardCheck(
            True,
            "カードは答えましたが読めません / The card answered but not as expected "
            f"({type(error).__name__})",
            atr.hex(" ").upper(),
        )
    finally:
        transport.disconnect()
    return CardCheck(
        True,
        f"マイナンバーカード(券面入力補助AP)が答えました / My Number Card answered "
        f"(text application; PIN tries left: {tries})",
        atr.hex(" ").upper(),
    )
