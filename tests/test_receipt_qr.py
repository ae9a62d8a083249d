"""The receipt QR names the kiosk with the application (MADOGUCHI2), and receipts printed before
(MADOGUCHI1) still open at the counter (issue 13, finding 4)."""

from __future__ import annotations

import string
import uuid
from datetime import UTC, datetime

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from core.catalog import Catalog
from core.i18n import UiText
from core.receipt import (
    LEGACY_QR_SCHEME,
    QR_SCHEME,
    QrCode,
    layout_receipt,
    parse_qr_payload,
    qr_payload,
)
from core.reception import FinalizedApplication, ReceptionNumber
from core.wire import STAFF_PREFIX
from tests.postgres import backend_database, postgres_server  # noqa: F401
from tests.test_backend_api import TIMEOUT, server  # noqa: F401

kiosk_ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True)
letters = st.sampled_from("ABCDEFGHJKLMNPRTUVWXY")
sequences = st.integers(1, 999_999)
application_ids = st.uuids().map(str)


def finalized(kiosk_id: str, letter="A", sequence=1, application_id=None):
    return FinalizedApplication(
        application_id or str(uuid.uuid4()),
        ReceptionNumber(letter, sequence),
        "juminhyo",
        datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        False,
        kiosk_id,
    )


@settings(max_examples=200)
@given(kiosk_ids, letters, sequences, application_ids)
def test_a_receipt_code_names_its_kiosk_and_reads_back(kiosk_id, letter, sequence, app_id):
    application = finalized(kiosk_id, letter, sequence, app_id)
    code = qr_payload(application)
    assert code.startswith(f"{QR_SCHEME}:{kiosk_id}:")
    read = parse_qr_payload(code)
    assert (read.kiosk_id, read.reception_number, read.application_id) == (
        kiosk_id,
        str(application.reception_number),
        app_id,
    )
    # A scanner ends a code with CR or LF; that is still the same receipt.
    assert parse_qr_payload(code + "\r\n") == read


@settings(max_examples=100)
@given(letters, sequences, application_ids)
def test_a_receipt_printed_before_still_reads(letter, sequence, app_id):
    legacy = f"{LEGACY_QR_SCHEME}:{ReceptionNumber(letter, sequence)}:{app_id}"
    read = parse_qr_payload(legacy)
    assert (read.kiosk_id, read.application_id) == (None, app_id)
    # A kiosk that does not know its id still prints the old form (nothing breaks).
    assert qr_payload(finalized("", letter, sequence, app_id)) == legacy


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.text(string.ascii_letters + string.digits + ":-").map(lambda t: "MADOGUCHI2:" + t),
        st.builds(
            lambda kiosk, app_id, junk: f"MADOGUCHI2:{kiosk}:A-001:{app_id}{junk}",
            kiosk_ids,
            application_ids,
            st.text(min_size=1),
        ),
    )
)
def test_anything_else_is_not_a_receipt(text):
    try:
        read = parse_qr_payload(text)
    except ValueError:
        return
    # Whatever is accepted is exactly one of the two forms, as a kiosk prints it.
    assert read.application_id == str(uuid.UUID(read.application_id))
    printed = f"{read.reception_number}:{read.application_id}"
    expected = (
        f"{QR_SCHEME}:{read.kiosk_id}:{printed}"
        if read.kiosk_id
        else f"{LEGACY_QR_SCHEME}:{printed}"
    )
    assert text.strip() == expected


def test_the_counter_opens_both_forms_and_never_confuses_two_kiosks(server):  # noqa: F811
    shared_id = str(uuid.uuid4())
    mine = server.application(id=shared_id, reception_number="A-001", answers={"copies": 1})
    theirs = server.application(
        kiosk_id="kiosk-02", id=shared_id, reception_number="B-007", answers={"copies": 2}
    )
    assert server.submit(mine)[0]["status"] == "created"
    assert server.submit(theirs, token=server.other_kiosk_token)[0]["status"] == "created"

    def scan(code: str) -> requests.Response:
        return requests.get(
            server.url + f"{STAFF_PREFIX}/receipt",
            params={"code": code},
            headers=server.staff,
            timeout=TIMEOUT,
        )

    for kiosk_id, number, copies in (("kiosk-01", "A-001", 1), ("kiosk-02", "B-007", 2)):
        opened = scan(f"{QR_SCHEME}:{kiosk_id}:{number}:{shared_id}")
        assert opened.status_code == 200, opened.text
        assert (
            opened.json()["kiosk_id"] == kiosk_id and opened.json()["answers"]["copies"] == copies
        )
        # The old form names no kiosk: the reception number tells the two apart.
        legacy = scan(f"{LEGACY_QR_SCHEME}:{number}:{shared_id}")
        assert legacy.status_code == 200 and legacy.json()["kiosk_id"] == kiosk_id

    assert scan(f"{QR_SCHEME}:kiosk-03:A-001:{shared_id}").status_code == 404
    refused = scan("=HYPERLINK(1)")
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "code"]

    # By id alone the staff API does not guess: it asks for the kiosk.
    by_id = f"{STAFF_PREFIX}/applications/{shared_id}"
    ambiguous = requests.get(server.url + by_id, headers=server.staff, timeout=TIMEOUT)
    assert ambiguous.status_code == 409 and "kiosk-01, kiosk-02" in ambiguous.json()["detail"]
    chosen = requests.get(
        server.url + by_id, params={"kiosk_id": "kiosk-02"}, headers=server.staff, timeout=10
    )
    assert chosen.status_code == 200 and chosen.json()["reception_number"] == "B-007"


@pytest.mark.parametrize("kiosk_id", ["kiosk-01", ""])
def test_the_printed_receipt_carries_the_code_of_its_kiosk(kiosk_id):
    catalog = Catalog.load("sample-city")
    application = finalized(kiosk_id)
    receipt = layout_receipt(
        application, catalog.procedure("juminhyo"), 1, [], catalog, UiText.load()
    )
    [code] = [block.data for block in receipt.blocks if isinstance(block, QrCode)]
    read = parse_qr_payload(code)
    assert (read.kiosk_id or "", read.application_id) == (kiosk_id, application.id)
