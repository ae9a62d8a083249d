"""Receipt bytes: our builder, our decoder, and the simulated printer's paper."""

import gc
import subprocess
from datetime import datetime

import pytest

from core.catalog import Catalog
from core.i18n import UiText
from core.receipt import Align, QrCode, Receipt, TextLine, layout_receipt, qr_payload
from core.reception import FinalizedApplication, ReceptionNumber
from devices.escpos import PREAMBLE, EscPosBuilder, encodable, encode_receipt
from devices.escpos_decode import EscPosDecodeError, decode
from devices.printer import PrintOutcome
from devices.sim_printer import SimulatedPrinter

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


def test_only_lines_cp932_cannot_encode_go_as_raster_images():
    assert encodable("髙橋") and not encodable("𠮷田")  # 髙: IBM extension, cp932 has it
    job = decode(EscPosBuilder().line("髙橋").line("𠮷田 花子").build())
    assert job.text_lines == ["髙橋"]
    (picture,) = job.images
    assert picture.width_bytes * 8 == 576 and 24 <= picture.height <= 40


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
    assert (tmp_path / "receipt-0001.txt").read_text(encoding="utf-8").startswith("[image 576x")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(result.artifact)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert decoded.stdout.strip() == "MADOGUCHI1:A-042:x"


def test_the_simulated_printer_lets_its_fonts_go_once_a_receipt_is_drawn(tmp_path):
    # A receipt every few minutes: font files held open between them stay in the kiosk's
    # memory for good (about 3.5 MB, `kiosk bench`'s RSS after 300 sessions).
    from PIL import ImageFont

    printer = SimulatedPrinter(tmp_path)
    printer.open()
    receipt = Receipt("x", (TextLine("𠮷野 髙子", 2), TextLine("住民票の写し", 1)))
    assert printer.print_receipt(receipt, deadline_s=5).outcome is PrintOutcome.COMPLETED
    gc.collect()
    assert not [font for font in gc.get_objects() if isinstance(font, ImageFont.FreeTypeFont)]


def test_printer_that_is_not_open_fails_before_start(tmp_path):
    result = SimulatedPrinter(tmp_path).print_receipt(sample_receipt(), deadline_s=5)
    assert result.outcome is PrintOutcome.FAILED_BEFORE_START


def test_raster_command_is_gs_v_0_with_width_in_bytes_and_height_in_dots():
    from devices.escpos import raster_command
    from devices.raster import Raster

    picture = Raster(2, 3, bytes([0xFF, 0x00, 0x81, 0x42, 0x00, 0x01]))
    assert raster_command(picture) == bytes.fromhex("1d763000 0200 0300 ff00814200 01")
    assert decode(PREAMBLE + raster_command(picture)).images == [picture]


def test_process_id_request_and_reply_bytes():
    from devices.escpos import process_id_reply
    from devices.escpos_decode import ProcessIdRequest, StreamDecoder

    stream = EscPosBuilder().process_id("0042").build()
    assert stream == PREAMBLE + bytes.fromhex("1d2848 0600 3030") + b"0042"
    assert StreamDecoder().feed(stream) == [ProcessIdRequest(b"0042")]
    assert process_id_reply("0042") == b"\x37\x22" + b"0042" + b"\x00"


def test_decoding_byte_by_byte_equals_decoding_at_once():
    from devices.escpos_decode import JobCut, StreamDecoder

    stream = encode_receipt(sample_receipt())
    decoder = StreamDecoder()
    events = [event for i in range(len(stream)) for event in decoder.feed(stream[i : i + 1])]
    (cut,) = [event for event in events if isinstance(event, JobCut)]
    assert cut.job.items == decode(stream).items


def test_generic_model_sends_qr_as_a_picture_that_still_decodes(tmp_path):
    from devices.printer_models import MODELS
    from devices.receipt_render import render_job

    stream = encode_receipt(sample_receipt(), MODELS["generic"])
    job = decode(stream)
    assert job.qr_codes == [] and len(job.images) == 1
    assert b"\x1d\x28\x6b" not in stream  # no GS ( k on a model without it
    image = render_job(job, tmp_path / "generic.png")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert decoded.stdout.strip() == qr_payload(APPLICATION)


def test_status_bytes_are_validated_and_read():
    from devices import escpos_status as status
    from devices.escpos_status import Condition

    assert status.request(4) == b"\x10\x04\x04"
    with pytest.raises(status.StatusReplyError, match="0x00"):
        status.check_reply(1, 0x00)  # fixed bits missing
    with pytest.raises(status.StatusReplyError):
        status.check_reply(4, 0x93)  # bit 7 and bit 0 set
    assert status.conditions_from({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}) == set()
    assert status.conditions_from({4: 0x12 | 0x0C}) == {Condition.PAPER_NEAR_END}
    assert status.conditions_from({1: 0x1A, 2: 0x16}) == {Condition.OFFLINE, Condition.COVER_OPEN}
    assert status.conditions_from({4: 0x72}) == {Condition.PAPER_OUT}
    for conditions in ({Condition.PAPER_OUT}, {Condition.COVER_OPEN, Condition.PAPER_NEAR_END}):
        replies = status.replies_for(conditions)
        assert all(status.check_reply(n, byte) for n, byte in replies.items())
        assert status.conditions_from(replies) - {Condition.OFFLINE} == conditions


def test_receipt_bytes_are_far_fewer_than_the_same_receipt_as_one_image():
    from devices.escpos import encode_receipt_as_image

    text = encode_receipt(sample_receipt())
    assert len(text) <= 1200
    assert len(text) / len(encode_receipt_as_image(sample_receipt())) <= 0.1
