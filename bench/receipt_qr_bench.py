"""Sealed receipt QR size (issue 14): for every shipped procedure answered at its longest, the
MADOGUCHI3 code's characters, QR version (error correction M) and module size on 80 mm paper,
against the plain MADOGUCHI2 code as the baseline. The largest must print readably
(core/qr_fit.py), or the receipt falls back to MADOGUCHI2 for it."""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from bench.runner import Result

KIOSK_ID = "kiosk-01"
# The alphanumeric QR alphabet: base45 (RFC 9285) is measured beside the base32 we print.
_BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _base45(data: bytes) -> str:
    out = []
    for at in range(0, len(data) - 1, 2):
        number = data[at] * 256 + data[at + 1]
        out += [_BASE45[number % 45], _BASE45[number // 45 % 45], _BASE45[number // 2025]]
    if len(data) % 2:
        out += [_BASE45[data[-1] % 45], _BASE45[data[-1] // 45]]
    return "".join(out)


def _corpus(catalog, language: str) -> str:
    """Real sentences of the catalog (not one repeated character, which would compress to
    nothing): what long answers are measured with."""
    texts = [catalog.municipality.local_notes, catalog.municipality.opening_hours]
    texts += [procedure.title for procedure in catalog.procedures()]
    return "".join(text.text(language) for text in texts if text is not None)


# Long answers as residents give them: a 20-character name (several given names, a long
# family name), its reading, a 60-character address with building and room, free text to
# its page's limit. MAXIMAL puts every text answer at its page's limit (120-character
# addresses, 60-character names), a bound no resident reaches, measured all the same.
LONG = {"kanji_name": 20, "kana_name": 30, "address": 60}
MAXIMAL: dict[str, int] = {}


# Members of repeated groups (every person who moved): long answers are measured for one
# person, the applicant; a household of four with TYPICAL answers (6-character names, a
# 10-character reading, a 30-character address; each member's text different, which no family
# name shared by the household makes smaller) must fit too. Larger households, or long answers
# for several people, may not: their receipts print MADOGUCHI2 (never an unreadable code), and
# the counter opens them once the kiosk has synced.
TYPICAL = {"kanji_name": 6, "kana_name": 10, "address": 30}
HOUSEHOLD = 4


def long_payload(
    procedure,
    catalog,
    ui,
    seed: int = 14,
    lengths: dict | None = None,
    members: int = 1,
    member_lengths: dict | None = None,
) -> dict:
    """The sealed payload of one resident's answers to every page of the procedure, each text
    answer long (lengths by field type, capped at the page's limit; LONG by default), kana
    answers in katakana; each repeated group with `members` members (at most its maximum),
    each member's text answers long and different."""
    lengths = LONG if lengths is None else lengths
    member_lengths = lengths if member_lengths is None else member_lengths
    import jaconv

    from core.catalog import TEXT_TYPES, FieldType
    from core.flow import ResidentSession
    from kiosk.simulate import BUILT_IN_RESIDENTS, answer_every_page

    session = ResidentSession(procedure, ui)
    answer_every_page(session, BUILT_IN_RESIDENTS[0], random.Random(seed))
    answers = session.answers()
    session.wipe()
    kanji = _corpus(catalog, "ja").replace(" ", "")
    kana = jaconv.hira2kata(_corpus(catalog, "ja-easy"))
    kana = "".join(c for c in kana if "\u30a1" <= c <= "\u30fc")

    def lengthened(page, number: int, value, lengths=lengths):
        if page.type not in TEXT_TYPES or not isinstance(value, str):
            return value
        source = kana if page.type is FieldType.KANA_NAME else kanji
        start = (number * 37) % len(source)
        length = min(page.length_limit, lengths.get(page.type.value, page.length_limit))
        return (source * 3)[start : start + length]

    pages = {page.id: page for page in procedure.pages}
    for number, page in enumerate(procedure.pages):
        if page.id in answers:
            answers[page.id] = lengthened(page, number, answers[page.id])
    for group in procedure.groups:
        if group.id not in answers:
            continue
        first = answers[group.id][0]
        answers[group.id] = [
            {
                # The first member is the applicant (first_from): the same long answers.
                page_id: answers[group.first_from[page_id]]
                if member == 1 and group.first_from.get(page_id) in answers
                else lengthened(pages[page_id], 11 * member + at, value, member_lengths)
                for at, (page_id, value) in enumerate(first.items())
            }
            for member in range(1, min(members, group.maximum) + 1)
        ]
    return {
        "procedure": procedure.id,
        "procedure_version": procedure.version,
        "kiosk": KIOSK_ID,
        "answers": answers,
    }


@dataclass(frozen=True)
class Measured:
    procedure_id: str
    sealed_chars: int
    sealed_version: int
    module_dots: int
    fits: bool
    width_mm: float
    base45_chars: int
    base45_version: int
    plain_chars: int
    plain_version: int


def measure(
    procedure, catalog, ui, recipient, signer, lengths: dict | None = None, members: int = 1
) -> Measured:
    from core.qr_fit import qr_version, receipt_fit
    from core.receipt import qr_payload
    from core.reception import FinalizedApplication, ReceptionNumber
    from core.sealed_receipt import parse_sealed_receipt, seal_receipt

    application = FinalizedApplication(
        str(uuid.UUID(int=random.Random(procedure.id).getrandbits(128), version=4)),
        ReceptionNumber("A", 42),
        procedure.id,
        datetime(2026, 12, 4, 9, 30).astimezone(),
        False,
        KIOSK_ID,
    )
    code = seal_receipt(
        kiosk_id=KIOSK_ID,
        reception_number="A-042",
        application_id=application.id,
        created_at=application.created_at,
        payload=long_payload(procedure, catalog, ui, lengths=lengths, members=members),
        recipient=recipient,
        signer=signer,
    )
    fit = receipt_fit(code)
    receipt = parse_sealed_receipt(code)
    header, blob = receipt.header(), code[len(receipt.header()) :]
    raw = base64.b32decode(blob + "=" * (-len(blob) % 8))
    as_base45 = header + _base45(raw)
    plain = qr_payload(application)
    return Measured(
        procedure.id,
        len(code),
        fit.version,
        fit.module_dots,
        fit.fits,
        fit.width_mm,
        len(as_base45),
        qr_version(as_base45),
        len(plain),
        qr_version(plain),
    )


def measure_all(lengths: dict | None = None, members: int = 1) -> list[Measured]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from core.catalog import Catalog
    from core.i18n import UiText

    catalog, ui = Catalog.load("sample-city"), UiText.load()
    recipient, signer = X25519PrivateKey.generate().public_key(), Ed25519PrivateKey.generate()
    return [
        measure(p, catalog, ui, recipient, signer, lengths, members) for p in catalog.procedures()
    ]


def bench_receipt_qr_size(repeat: int) -> Result:
    """Sizes, not times: one run is exact (repeat is accepted for the runner's signature)."""
    measured = measure_all(LONG)
    household = measure_all(TYPICAL, HOUSEHOLD)
    maximal = measure_all(MAXIMAL, members=20)
    for label, rows in (
        ("long answers, one person", measured),
        (f"typical answers, a household of {HOUSEHOLD}", household),
        ("every text answer at its limit, every group at its maximum", maximal),
    ):
        print(f"  {label}:")
        _print_rows(rows)
    largest = max(measured, key=lambda row: row.sealed_chars)
    largest_max = max(maximal, key=lambda row: row.sealed_chars)
    falling_back = [row.procedure_id for row in maximal if not row.fits]
    return Result(
        name="receipt-qr-size",
        unit="chars",
        project=largest.sealed_chars,
        baseline=largest.plain_chars,
        baseline_name="MADOGUCHI2 code",
        target=f"largest fits (long answers; a typical household of {HOUSEHOLD}): QR ≤ v25,"
        " modules ≥ 0.5 mm (EC M)",
        passed=all(row.fits for row in [*measured, *household]),
        note=(
            f"largest with long answers {largest.procedure_id}: QR v{largest.sealed_version} "
            f"(MADOGUCHI2 v{largest.plain_version}), {largest.module_dots} dots = "
            f"{largest.module_dots / 8:.3f} mm modules, {largest.width_mm:.1f} mm wide with "
            f"its quiet zone; base45 would be {largest.base45_chars} chars "
            f"(v{largest.base45_version}). A typical household of {HOUSEHOLD}: largest "
            f"{max(household, key=lambda row: row.sealed_chars).sealed_chars} chars. "
            "Every text answer and group at its limit: largest "
            f"{largest_max.procedure_id} {largest_max.sealed_chars} chars "
            f"(v{largest_max.sealed_version}); MADOGUCHI2 printed instead for "
            f"{', '.join(falling_back) or 'none'}"
        ),
    )


def _print_rows(measured: list[Measured]) -> None:
    for row in measured:
        print(
            f"    {row.procedure_id:14} MADOGUCHI3 {row.sealed_chars:5} chars,"
            f" QR v{row.sealed_version}"
            f" at {row.module_dots} dots ({row.module_dots / 8:.3f} mm), {row.width_mm:.1f} mm"
            f" wide{'' if row.fits else ' — DOES NOT FIT: MADOGUCHI2 printed'};"
            f" base45 {row.base45_chars} (v{row.base45_version});"
            f" MADOGUCHI2 {row.plain_chars} (v{row.plain_version})"
        )
