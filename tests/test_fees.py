"""Fees per choice and per unit (issue #18): one breakdown from the answers and the profile's
fee table, the same on review, completion, receipt, phone page, staff console and
`kiosk backend show`; a broken fee table is refused with file, place, value and allowed ones."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from backend import staff_cli
from backend.console.answers import fee_text
from core.catalog import CatalogError, Procedure
from core.catalog_files import check_paths, load_catalog
from core.fees import FeeBreakdown, fee_breakdown, fee_summary_ja, fee_texts, unit_count
from core.flow import ResidentSession, Step
from core.i18n import UiText
from core.municipality import Municipality
from core.receipt import TextLine, layout_receipt
from core.reception import FinalizedApplication, ReceptionNumber
from devices.escpos import encode_receipt
from devices.escpos_decode import decode

UI = UiText.load()
TEST_DATA = Path(__file__).parent / "data"
CATALOG = load_catalog("sample-city")
KOSEKI = CATALOG.procedure("koseki")
MIXED = {"certificate": ["tohon", "joseki"], "tohon_copies": 2, "joseki_copies": 1}
APPLICATION = FinalizedApplication(
    "6f1c0a5e-0000-4000-8000-000000000018",
    ReceptionNumber("A", 18),
    "koseki",
    datetime(2026, 12, 4, 9, 30).astimezone(),
    practice=False,
)


def ja(key: str, **values: object) -> str:
    return UI.get(key, "ja", **values)


def test_mixed_certificates_add_up_per_choice_and_per_copy():
    breakdown = CATALOG.fees_for(KOSEKI, MIXED)
    assert breakdown is not None
    assert [(line.label.text("ja"), line.unit_price, line.count) for line in breakdown.lines] == [
        ("戸籍謄本", 450, 2),
        ("除籍謄本", 750, 1),
    ]
    assert [line.subtotal for line in breakdown.lines] == [900, 750]
    assert breakdown.total == 1650
    assert fee_summary_ja(breakdown) == "1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1）"
    assert fee_texts(breakdown, "ja", ja) == [
        "戸籍謄本：450円 × 2 ＝ 900円",
        "除籍謄本：750円 × 1 ＝ 750円",
        "手数料の合計：1,650円",
    ]


def test_a_flat_fee_keeps_working_per_unit():
    juminhyo = CATALOG.procedure("juminhyo")
    breakdown = CATALOG.fees_for(juminhyo, {"copies": 3})
    assert breakdown == FeeBreakdown(breakdown.lines) and breakdown.total == 900
    assert fee_texts(breakdown, "ja", ja) == ["手数料：300円 × 3 ＝ 900円"]
    assert CATALOG.fee_for(juminhyo) == 300
    gomi = CATALOG.procedure("sodai_gomi")
    four = [{"article_kind": "furniture", "article_what": "たんす"}] * 4
    assert unit_count(gomi, {"articles": four}) == 4  # the group: one sticker per item
    assert CATALOG.fees_for(gomi, {"articles": four}).total == 1600
    assert CATALOG.fees_for(CATALOG.procedure("tennyu"), {}) is None  # no fee: nothing due


def test_each_municipality_sets_its_own_amounts():
    town = load_catalog("other-town", override_dir=TEST_DATA)
    assert town.fees_for(town.procedure("juminhyo"), {"copies": 2}).total == 400
    assert town.fees_for(town.procedure("koseki"), MIXED).total == 1650


def test_a_price_per_kind_counts_each_item_of_the_group():
    """あざみ町 prices 粗大ごみ by kind: 家具 1,000円, everything else 500円, per item."""
    town = load_catalog("other-town", override_dir=TEST_DATA)
    items = [
        {"article_kind": "furniture", "article_what": "たんす"},
        {"article_kind": "bedding", "article_what": "ふとん"},
        {"article_kind": "furniture", "article_what": "ベッド"},
    ]
    breakdown = town.fees_for(town.procedure("sodai_gomi"), {"articles": items})
    assert [(line.unit_price, line.count) for line in breakdown.lines] == [(1000, 2), (500, 1)]
    assert breakdown.total == 2500
    assert fee_summary_ja(breakdown).startswith("2,500円（")


def test_the_session_gives_the_breakdown_for_the_answers_that_apply():
    session = ResidentSession(KOSEKI, UI, today=date(2026, 12, 4))
    answers = {
        "applicant": "self",
        "name": "山田 太郎",
        "certificate": ["tohon", "shohon", "kaisei"],
        "person": "山田 花子",
        "honseki": "北海道札幌市中央区北1条西2丁目",
        "hittosha": "山田 一郎",
        "relationship": "in_register",
        "purpose": "inheritance",
        "tohon_copies": 2,
        "shohon_copies": 1,
        "kaisei_copies": 3,
    }
    while session.step is Step.QUESTION:
        page = session.page
        session.submit(answers[page.id] if page.id in answers else page.options[0].value)
    assert session.is_complete()
    breakdown = session.fee_breakdown(CATALOG.municipality.fees)
    assert [line.count for line in breakdown.lines] == [2, 1, 3]
    assert breakdown.total == 450 * 2 + 450 + 750 * 3
    # Taking 改製原戸籍 off again drops its copies (its page no longer applies) and its fee.
    session.change("certificate")
    session.submit(["tohon", "shohon"])
    assert session.fee_breakdown(CATALOG.municipality.fees).total == 450 * 3
    assert session.fee_units() == 3


def test_the_receipt_prints_every_line_and_the_total():
    breakdown = CATALOG.fees_for(KOSEKI, MIXED)
    receipt = layout_receipt(APPLICATION, KOSEKI, breakdown, [], CATALOG, UI)
    lines = [block.text for block in receipt.blocks if isinstance(block, TextLine)]
    assert "戸籍謄本 450円×2＝900円" in lines
    assert "除籍謄本 750円×1＝750円" in lines
    assert "手数料 合計 1,650円" in lines
    printed = decode(encode_receipt(receipt)).text_lines  # the printer's own bytes, read back
    assert "手数料 合計 1,650円" in printed


def test_the_staff_see_the_same_sum():
    assert fee_text(KOSEKI, CATALOG.municipality.fees, MIXED) == (
        "1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1）"
    )
    assert fee_text(CATALOG.procedure("juminhyo"), CATALOG.municipality.fees, {"copies": 1}) == (
        "300円"
    )
    assert fee_text(None, CATALOG.municipality.fees, {}) == "なし"
    # `kiosk backend show` reads the catalog folder it is given (the shipped one by default).
    assert staff_cli._fee(None, "koseki", MIXED) == fee_text(
        KOSEKI, CATALOG.municipality.fees, MIXED
    )
    assert staff_cli._fee(None, "no_such_procedure", MIXED) is None


# -- the catalog check ------------------------------------------------------------------------


def profile_with(tmp_path: Path, fees: str) -> Path:
    source = (TEST_DATA / "municipalities" / "other-town.toml").read_text("utf-8")
    start = source.index("[fees]")
    end = source.index("[counters.resident]")
    folder = tmp_path / "municipalities"
    folder.mkdir()
    path = folder / "other-town.toml"
    path.write_text(source[:start] + fees + "\n" + source[end:], "utf-8")
    return path


@pytest.mark.parametrize(
    "fees,expected",
    [
        (
            "[fees.koseki.certificate]\ntohon = 450\njosek = 750\n",
            "fees.koseki.certificate.josek: 'josek' is not an option of page 'certificate' of"
            " procedure koseki (allowed: tohon, shohon, joseki, kaisei)",
        ),
        (
            "[fees.koseki.certificat]\ntohon = 450\n",
            "fees.koseki.certificat: 'certificat' is not a choice page of procedure koseki"
            " (allowed: certificate, purpose, relationship)",
        ),
        (
            "[fees.kosekii.certificate]\ntohon = 450\n",
            "fees.kosekii: 'kosekii' is not the fee of any procedure (allowed: ",
        ),
    ],
)
def test_a_broken_fee_table_names_file_place_value_and_allowed_ones(tmp_path, fees, expected):
    path = profile_with(tmp_path, fees)
    problems = check_paths([path])
    assert any(p.startswith(f"{path}: ") and expected in p for p in problems), problems


def test_an_implausible_per_choice_amount_is_refused(tmp_path):
    path = profile_with(tmp_path, "[fees.koseki.certificate]\ntohon = 450000\n")
    (problem,) = check_paths([path])
    assert "fees.koseki.certificate.tohon: 450000 yen is not a plausible fee" in problem


def test_a_good_fee_table_passes_and_the_loaded_catalog_checks_it_too(tmp_path):
    assert check_paths([TEST_DATA / "municipalities" / "other-town.toml"]) == []
    path = profile_with(tmp_path, "[fees.koseki.certificate]\ntohon = 450\njosek = 750\n")
    with pytest.raises(CatalogError, match="'josek' is not an option"):
        load_catalog("other-town", override_dir=path.parent.parent)


@pytest.mark.parametrize(
    "fee_units,words",
    [
        ({"certificate": {"tohonn": "copies"}}, "'tohonn' is not an option of 'certificate'"),
        ({"certificat": {"tohon": "copies"}}, "'certificat' is not a choice page"),
        ({"certificate": {"tohon": "purpose"}}, "'purpose' is not a copies or number page"),
        ("purpose", "'purpose' is not a copies or number page nor a group (allowed: copies)"),
    ],
)
def test_broken_fee_units_are_refused(fee_units, words):
    raw = {
        "id": "p",
        "version": 1,
        "category": "certificates",
        "counter": "c",
        "form_layout": "certificate_request",
        "title": {"ja": "t"},
        "summary": {"ja": "s"},
        "fee": "p",
        "fee_units": fee_units,
        "pages": [
            {
                "id": "certificate",
                "type": "multiple_choice",
                "question": {"ja": "q"},
                "options": [
                    {"value": "tohon", "label": {"ja": "謄本"}},
                    {"value": "shohon", "label": {"ja": "抄本"}},
                ],
            },
            {
                "id": "purpose",
                "type": "single_choice",
                "question": {"ja": "q"},
                "options": [
                    {"value": "a", "label": {"ja": "a"}},
                    {"value": "b", "label": {"ja": "b"}},
                ],
            },
            {"id": "copies", "type": "copies", "question": {"ja": "q"}},
        ],
    }
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Procedure.model_validate(raw)


def test_a_profile_still_takes_plain_amounts():
    profile = Municipality.model_validate(
        {
            **CATALOG.municipality.model_dump(mode="json", exclude_none=True),
            "fees": {"juminhyo": 250},
        }
    )
    assert fee_breakdown(CATALOG.procedure("juminhyo"), {"copies": 2}, profile.fees).total == 500


def test_the_phone_code_page_shows_the_lines_and_the_total():
    from backend.preentry.catalog import PhoneCatalog
    from backend.preentry.code_page import code_page_context

    phone = PhoneCatalog(CATALOG, UI)
    session = ResidentSession(KOSEKI, UI, today=date(2026, 12, 4), prefill=MIXED)
    context = code_page_context(
        phone, KOSEKI, session, language="ja", practice=False, today=date(2026, 12, 4)
    )
    assert context["fee_lines"] == [
        "戸籍謄本：450円 × 2 ＝ 900円",
        "除籍謄本：750円 × 1 ＝ 750円",
        "手数料の合計：1,650円",
    ]
    assert context["fee"] == " ／ ".join(context["fee_lines"])
    english = code_page_context(
        phone, KOSEKI, session, language="en", practice=False, today=date(2026, 12, 4)
    )
    assert english["fee_lines"][-1] == "Total fee: ¥1,650"
    assert english["fee_lines"][0] == "Full copy (戸籍謄本): ¥450 × 2 = ¥900"
