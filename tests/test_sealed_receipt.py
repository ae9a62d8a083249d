"""The sealed receipt QR's format (core/sealed_receipt.py), its fit on paper, the kiosk's signing
key file, and the receipt's one line in the resident's language (issue 14)."""

from __future__ import annotations

import logging
import os
import stat
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.receipt_qr_bench import HOUSEHOLD, LONG, MAXIMAL, TYPICAL, measure_all
from core.catalog import Catalog
from core.i18n import UiText
from core.qr_fit import MAX_VERSION, MIN_MODULE_DOTS, PAPER_DOTS, receipt_fit
from core.receipt import (
    QrCode,
    Receipt,
    TextLine,
    layout_receipt,
    parse_qr_payload,
    qr_payload,
    receipt_qr,
    without_sealed_answers,
)
from core.reception import FinalizedApplication, ReceptionNumber
from core.sealed_receipt import (
    ReceiptCodeDamaged,
    is_sealed_receipt,
    parse_sealed_receipt,
    seal_receipt,
)
from core.sealing import SealingError
from kiosk import receipt_signing

MUNICIPALITY = X25519PrivateKey.generate()
KIOSK_KEY = Ed25519PrivateKey.generate()
PAYLOAD = {
    "procedure": "juminhyo",
    "procedure_version": 1,
    "kiosk": "kiosk-01",
    "answers": {"name": "𠮷野 髙子", "copies": 2, "purpose": "work"},
}


def application(kiosk_id="kiosk-01", application_id=None) -> FinalizedApplication:
    return FinalizedApplication(
        application_id or str(uuid.uuid4()),
        ReceptionNumber("A", 42),
        "juminhyo",
        datetime(2026, 12, 4, 9, 30, 15, 123456).astimezone(),
        False,
        kiosk_id,
    )


def code_for(finalized: FinalizedApplication, payload=PAYLOAD, signer=KIOSK_KEY) -> str:
    return seal_receipt(
        kiosk_id=finalized.kiosk_id,
        reception_number=str(finalized.reception_number),
        application_id=finalized.id,
        created_at=finalized.created_at,
        payload=payload,
        recipient=MUNICIPALITY.public_key(),
        signer=signer,
    )


VALID = code_for(application())


def test_a_sealed_code_names_its_receipt_and_opens_only_with_both_keys():
    finalized = application()
    code = code_for(finalized)
    assert code.startswith(f"MADOGUCHI3:KIOSK-01:A-042:{finalized.id.upper()}:")
    assert code == code.upper() and is_sealed_receipt(code) and is_sealed_receipt(code.lower())
    read = parse_sealed_receipt(code + "\r\n")  # a scanner's line end
    assert (read.kiosk_id, read.reception_number, read.application_id) == (
        "kiosk-01",
        "A-042",
        finalized.id,
    )
    assert read.created_at == finalized.created_at
    assert read.signed_by(KIOSK_KEY.public_key())
    assert not read.signed_by(Ed25519PrivateKey.generate().public_key())
    assert read.open(MUNICIPALITY) == PAYLOAD
    with pytest.raises(SealingError):
        read.open(X25519PrivateKey.generate())
    # A keyboard-mode scanner may send it in lower case: the same receipt.
    assert parse_sealed_receipt(code.lower()) == read


def test_the_answers_cannot_be_moved_to_another_application():
    finalized = application()
    read = parse_sealed_receipt(code_for(finalized))
    other = parse_sealed_receipt(code_for(application()))
    moved = type(read)(
        other.kiosk_id,
        other.reception_number,
        other.application_id,
        read.created_at,
        read.epk,
        read.nonce,
        read.ciphertext,
        read.signature,
    )
    assert not moved.signed_by(KIOSK_KEY.public_key())
    with pytest.raises(SealingError):
        moved.open(MUNICIPALITY)


def _mutations(code: str):
    positions = st.integers(0, len(code) - 1)
    characters = st.sampled_from("ABCXYZ234567:-0 \x00é𠮷")
    return st.one_of(
        positions.map(lambda at: code[:at]),  # truncated
        st.tuples(positions, characters).map(lambda p: code[: p[0]] + p[1] + code[p[0] + 1 :]),
        st.tuples(positions, characters).map(lambda p: code[: p[0]] + p[1] + code[p[0] :]),
        st.text().map(lambda text: "MADOGUCHI3:" + text),
        st.text(),
        st.binary().map(lambda data: "MADOGUCHI3:KIOSK-01:A-042:" + data.hex().upper()),
    )


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations(VALID))
def test_the_decoder_never_raises_anything_but_its_own_refusal(text):
    try:
        read = parse_sealed_receipt(text)
    except ReceiptCodeDamaged as refusal:
        # A fixed sentence: it never repeats what was scanned.
        assert len(str(refusal)) < 60 and (len(text) < 8 or text not in str(refusal))
        return
    # Well-formed: the signature says whether it is genuine, and opening fails in one way.
    genuine = read.signed_by(KIOSK_KEY.public_key())
    try:
        opened = read.open(MUNICIPALITY)
    except SealingError:
        assert not genuine or text.strip().upper() != VALID
        return
    assert opened == PAYLOAD


def test_a_code_too_large_for_the_paper_falls_back_to_the_plain_code():
    finalized = application()
    small = receipt_qr(finalized, code_for(finalized))
    assert small.data.startswith("MADOGUCHI3:") and small.module_dots == 6
    # Incompressible answers (random hex) of two kilobytes: no readable QR on 80 mm paper.
    huge = dict(PAYLOAD, answers={"note": os.urandom(1000).hex()})
    fallback = receipt_qr(finalized, code_for(finalized, huge))
    assert fallback == QrCode(qr_payload(finalized))
    assert parse_qr_payload(fallback.data).application_id == finalized.id
    assert not receipt_fit(code_for(finalized, huge)).fits


def test_every_shipped_procedure_with_long_answers_fits_the_receipt():
    """Long answers for one person, and a household of four with typical ones (every person
    who moved, every child): the sealed code prints readably."""
    for row in [*measure_all(LONG), *measure_all(TYPICAL, HOUSEHOLD)]:
        assert row.fits, row
        assert row.sealed_version <= MAX_VERSION and row.module_dots >= MIN_MODULE_DOTS
        assert (row.sealed_version * 4 + 17 + 8) * row.module_dots <= PAPER_DOTS
    # At every page's and group's limit some do not: those receipts print MADOGUCHI2 (never
    # an unreadable code); the moving procedures with ten people are among them.
    maximal = measure_all(MAXIMAL, members=20)
    for row in maximal:
        assert row.fits == (row.sealed_version <= MAX_VERSION)
    assert {"tennyu", "tenkyo", "tenshutsu"} <= {
        row.procedure_id for row in maximal if not row.fits
    }


def test_a_kept_receipt_loses_the_sealed_answers_when_they_are_purged():
    finalized = application()
    kept = Receipt(finalized.id, (TextLine("受付票"), QrCode(code_for(finalized), 5)))
    plain = without_sealed_answers(kept)
    assert plain.blocks == (TextLine("受付票"), QrCode(qr_payload(finalized)))
    assert without_sealed_answers(plain) == plain


def test_the_signing_key_is_made_once_private_and_never_logged(tmp_path, caplog):
    path = tmp_path / "data" / "receipt-signing-key.pem"
    caplog.set_level(logging.DEBUG)
    with ThreadPoolExecutor(4) as pool:
        keys = list(pool.map(lambda _: receipt_signing.load_or_create(path), range(8)))
    public = {receipt_signing.public_key_text(key) for key in keys}
    assert len(public) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert receipt_signing.public_key_text(receipt_signing.load_or_create(path)) in public
    assert list(path.parent.iterdir()) == [path]  # no partial file left behind
    secret = path.read_text()
    assert all(secret.splitlines()[1] not in record.getMessage() for record in caplog.records)
    path.write_text("not a key")
    with pytest.raises(receipt_signing.SigningKeyUnusable) as refused:
        receipt_signing.load_or_create(path)
    assert "not a key" not in str(refused.value)


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("ja-easy", "3ばん まどぐちで この かみを みせて ください。"),
        ("en", "Show this receipt at counter 3."),
        ("ja", None),
        ("zh", None),
        ("vi", None),
    ],
)
def test_the_receipt_adds_one_line_for_easy_japanese_and_english_only(language, line):
    catalog = Catalog.load("sample-city")
    ui = UiText.load()
    procedure = catalog.procedure("juminhyo")
    assert catalog.counter_for(procedure).number == 3
    finalized = application()
    japanese = layout_receipt(finalized, procedure, 1, [], catalog, ui)
    receipt = layout_receipt(finalized, procedure, 1, [], catalog, ui, language=language)
    added = [block for block in receipt.blocks if block not in japanese.blocks]
    if line is None:
        assert receipt == japanese
    else:
        assert added == [TextLine(line)]
        line.encode("cp932")  # printed as text, like the Japanese
    # Everything else stays the Japanese receipt staff read.
    assert [b for b in receipt.blocks if b not in added] == list(japanese.blocks)


def test_created_at_survives_the_round_trip_in_any_zone():
    finalized = FinalizedApplication(
        str(uuid.uuid4()), ReceptionNumber("B", 7), "juminhyo", datetime.now(UTC), False, "k"
    )
    assert parse_sealed_receipt(code_for(finalized)).created_at == finalized.created_at


def test_the_completion_screen_shows_a_sealed_code_no_larger_than_the_plain_one():
    from core.qr_fit import qr_version, screen_module_px

    finalized = application()
    plain, sealed = qr_payload(finalized), code_for(finalized)
    assert screen_module_px(plain, 8) == 8
    px = screen_module_px(sealed, 8)
    assert 3 <= px < 8
    # No larger on screen than the plain code, unless 3 pixels a module make it so.
    assert px == 3 or (17 + 4 * qr_version(sealed) + 8) * px <= (17 + 4 * qr_version(plain) + 8) * 8


def test_the_store_purges_the_sealed_code_from_a_kept_receipt_with_the_answers(tmp_path):
    from datetime import timedelta

    from core.receipt import receipt_from_json, receipt_to_json
    from kiosk.store import KioskStore

    store = KioskStore(tmp_path / "k.sqlite3", retention_days=0)
    now = datetime(2026, 12, 4, 10, 0).astimezone()
    kept = store.finalize(
        procedure_id="juminhyo",
        procedure_version=1,
        letter="A",
        seal=lambda app_id: b"sealed",
        practice=False,
        now=now,
        kiosk_id="kiosk-01",
    )
    code = code_for(kept)
    store.keep_receipt(kept.id, receipt_to_json(Receipt(kept.id, (QrCode(code, 4),))))
    store.acknowledge(kept.id, now=now)
    assert store.purge_acknowledged(now + timedelta(seconds=1)) == 1
    after = receipt_from_json(store.receipt_layout(kept.id))
    assert after.blocks == (QrCode(qr_payload(kept)),)
    assert code not in store.receipt_layout(kept.id)


@pytest.mark.parametrize("model", ["tm-t88", "generic"])
def test_the_largest_procedure_prints_a_code_zbar_reads_on_80_mm_paper(tmp_path, model):
    """On paper, not just in figures: the largest shipped procedure with long answers, through
    the ESC/POS bytes (native QR, and as a raster image on a model without one), drawn dot
    for dot at 203 dpi, read back by zbarimg."""
    import subprocess

    from bench.receipt_qr_bench import long_payload
    from devices.escpos import encode_receipt
    from devices.escpos_decode import PrintedQr, decode
    from devices.printer_models import MODELS
    from devices.receipt_render import render_job

    catalog, ui = Catalog.load("sample-city"), UiText.load()
    largest = max(measure_all(LONG), key=lambda row: row.sealed_chars)
    procedure = catalog.procedure(largest.procedure_id)
    finalized = application()
    code = code_for(finalized, long_payload(procedure, catalog, ui))
    qr = receipt_qr(finalized, code)
    assert qr.data == code and qr.module_dots == largest.module_dots >= MIN_MODULE_DOTS
    receipt = layout_receipt(finalized, procedure, 1, [], catalog, ui, language="en", qr=qr)
    job = decode(encode_receipt(receipt, MODELS[model]))
    printed = [item for item in job.items if isinstance(item, PrintedQr)]
    if model == "tm-t88":
        assert [(item.data, item.module_dots) for item in printed] == [(code, qr.module_dots)]
    png = render_job(job, tmp_path / "receipt.png")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert decoded.stdout.strip() == code
