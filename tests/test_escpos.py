"""Receipt bytes: our builder, our decoder, and the simulated printer's paper."""

import subprocess
from datetime import datetime

import pytest

from devices.escpos import PREAMBLE, EscPosBuilder, encode_receipt, encode_text
from devices.escpos_decode import EscPosDecodeError, decode
from devices.printer import PrintOutcome
from devices.sim_printer import SimulatedPrinter
from kiosk.catalog import Catalog
from kiosk.i18n import UiText
from kiosk.receipt import Align, QrCode, Receipt, TextLine, layout_receipt, qr_payload
from kiosk.reception import ReceptionNumber
from kiosk.store import FinalizedApplication

APPLICATION = FinalizedApplication(
    "6f1c0a5e-0000-4000-8000-000000000001",
    ReceptionNumber("A", 42),
    "juminhyo",
    datetime(2026, 11, 26, 9, 30).astimezone(),
    practice=False,
)


def sample_receipt() -> Receipt:
    catalog = Catalog.load("sample-city")
    return layout_receipt(
        APPLICATION,
        catalog.procedure("juminhyo"),
        2,
        ["本人確認書類", "手数料"],
        catalog,
        UiText.load(),
    )


def test_every_job_starts_with_the_japanese_preamble():
    assert bytes.fromhex("1b40 1b5208 1b7401 1c4301") == PREAMBLE
    assert EscPosBuilder().build() == PREAMBLE


def test_kanji_line_is_cp932_in_kanji_mode():
    stream = EscPosBuilder().line("受付番号").build()
    assert stream == PREAMBLE + b"\x1c\x26" + "受付番号".encode("cp932") + b"\x1c\x2e\x0a"


def test_characters_outside_cp932_become_geta_not_garbage():
    assert encode_text("𠮷田") == "〓田".encode("cp932")
    assert encode_text("髙橋") == "髙橋".encode("cp932")  # IBM extension: cp932 has it


def test_decoding_our_bytes_gives_back_the_receipt_text():
    receipt = sample_receipt()
    job = decode(encode_receipt(receipt))
    meant = [block.text for block in receipt.blocks if isinstance(block, TextLine)]
    printed = [line for line in job.text_lines if not set(line) <= {"-"} and line]
    assert printed == meant
    assert job.qr_codes == [qr_payload(APPLICATION)]
    assert job.cuts == 1 and job.initialized and job.kanji_shift_jis
    big = next(item for item in job.items if getattr(item, "text", "") == "A-042")
    assert big.scale == 4 and big.bold and big.align is Align.CENTER


def test_receipt_says_number_counter_fee_and_date_in_wareki():
    text = "\n".join(decode(encode_receipt(sample_receipt())).text_lines)
    for expected in (
        "受付票",
        "A-042",
        "住民票の写しの交付請求",
        "3番窓口",
        "600円",
        "令和8年11月26日",
    ):
        assert expected in text


def test_unknown_command_is_refused():
    with pytest.raises(EscPosDecodeError, match="unknown ESC command"):
        decode(b"\x1b\x99\x00")
    with pytest.raises(EscPosDecodeError, match="cut short"):
        decode(b"\x1d\x21")


def test_simulated_printer_paper_is_readable_and_its_qr_decodes(tmp_path):
    printer = SimulatedPrinter(tmp_path)
    printer.open()
    result = printer.print_receipt(
        Receipt("x", (TextLine("𠮷野 髙子", 2), QrCode("MADOGUCHI1:A-042:x"))), deadline_s=5
    )
    assert result.outcome is PrintOutcome.COMPLETED
    assert result.artifact.suffix == ".png"
    assert (tmp_path / "receipt-0001.txt").read_text(encoding="utf-8").startswith("〓野 髙子")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(result.artifact)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert decoded.stdout.strip() == "MADOGUCHI1:A-042:x"


def test_printer_that_is_not_open_fails_before_start(tmp_path):
    result = SimulatedPrinter(tmp_path).print_receipt(sample_receipt(), deadline_s=5)
    assert result.outcome is PrintOutcome.FAILED_BEFORE_START
