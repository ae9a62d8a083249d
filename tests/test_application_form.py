"""The filled-in 申請書 PDF, read back with poppler and zbar as a person's tools would: for every
shipped procedure a simulated resident's application is stored in a backend and printed with
`kiosk backend pdf`'s action; pdftotext finds every answer (外字 included, as entered),
pdffonts shows every font embedded, and the QR code of the rendered page decodes to the
receipt's payload. Long text wraps inside its box; many answers continue on a second page.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from backend import applications, audit, db
from backend.console import answers
from backend.paths import BackendPaths
from backend.pdf_cli import print_form
from core.application_form import (
    CONTENT_WIDTH,
    LABEL_WIDTH,
    PADDING,
    FilledForm,
    FormLine,
    FormSection,
    render_form,
)
from core.catalog_files import load_catalog
from core.flow import ResidentSession
from core.form_fonts import MINCHO, FormFonts, GaijiKind, form_fonts
from core.form_text import wrap
from core.i18n import UiText
from core.sealing import generate_key_pair, load_public_key, seal
from core.wire import SubmittedApplication
from kiosk.simulate import BUILT_IN_RESIDENTS, answer_every_page, load_residents
from tests.conftest import RESIDENTS

CATALOG = load_catalog("sample-city")
TODAY = date(2026, 12, 5)
# 𠮷野 髙子 (outside IPAex), 葛󠄀城 ゆかり (an IVS, with a long address), 齋藤 しょうこ.
PEOPLE = [BUILT_IN_RESIDENTS[1], *load_residents(RESIDENTS)[4:5], *load_residents(RESIDENTS)[2:3]]
IVS_NAME = "葛\U000e0100城"


def squeezed(text: str) -> str:
    """Text without any whitespace: pdftotext breaks lines where the box wrapped them."""
    return "".join(text.split())


def pdf_text(path: Path, *pages: int) -> str:
    """The text in drawing order (-raw): a label, then its answer's lines; the default mode
    would cut a name at its ideographic space (a gap it takes for a column)."""
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(
        ["pdftotext", "-raw", *span, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


def fonts_embedded(path: Path) -> list[tuple[str, str]]:
    """(font name, emb) of every font pdffonts lists."""
    listed = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5]) for line in listed]


def qr_codes(path: Path, tmp_path: Path) -> list[str]:
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(path), str(prefix)],
        check=True,
    )
    image = next(tmp_path.glob("page*.png"))
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True
    )
    return decoded.stdout.split()


class Host:
    """A backend host's folder and SQLite database holding received applications."""

    def __init__(self, root: Path) -> None:
        self.paths = BackendPaths(root)
        _, public = generate_key_pair(self.paths.keys)
        self.public_key = load_public_key(public)
        self.database = f"sqlite:///{root / 'backend.sqlite3'}"
        self.engine = db.connect(self.database)

    def receive(self, procedure: str, given: dict, number: str, kiosk_id: str) -> str:
        application_id = str(uuid.uuid4())
        payload = {"procedure": procedure, "answers": given}
        application = SubmittedApplication(
            id=application_id,
            kiosk_id=kiosk_id,
            reception_number=number,
            procedure_id=procedure,
            procedure_version=1,
            created_at=datetime.now(UTC),
            sealed=seal(payload, self.public_key, application_id).decode(),
        )
        applications.store(self.engine, [application])
        return application_id

    def pdf(self, application_id: str, output: Path) -> Path:
        args = argparse.Namespace(
            application_id=application_id, kiosk=None, catalog=None, output=output
        )
        assert print_form(args, self.paths, self.engine) == 0
        return output


@pytest.fixture
def host(tmp_path):
    made = Host(tmp_path / "backend")
    yield made
    made.engine.dispose()


def simulated_answers(procedure_id: str, resident: dict, seed: int) -> dict:
    session = ResidentSession(CATALOG.procedure(procedure_id), UiText.load(), today=TODAY)
    answer_every_page(session, resident, random.Random(seed))
    return session.answers()


@pytest.mark.parametrize("index,procedure_id", list(enumerate(p.id for p in CATALOG.procedures())))
def test_every_procedure_prints_every_answer_embeds_its_fonts_and_carries_the_receipt_qr(
    host, tmp_path, index, procedure_id
):
    resident = PEOPLE[index % len(PEOPLE)]
    given = simulated_answers(procedure_id, resident, seed=index)
    number = f"F-{index + 1:03d}"
    application_id = host.receive(procedure_id, given, number, "form-kiosk")
    path = host.pdf(application_id, tmp_path / f"{procedure_id}.pdf")

    text = squeezed(pdf_text(path))
    procedure = CATALOG.procedure(procedure_id)
    assert squeezed(procedure.title.text("ja")) in text
    assert number in text and application_id in text
    for section in answers.sections(procedure, given):
        assert squeezed(section.title) in text, section.title
        for line in section.lines:
            assert squeezed(line.label) in text, line.label
            assert squeezed(line.text) in text, (line.label, line.text)
    for person_name in (resident["name"],):
        if any(value == person_name for value in given.values()):
            assert squeezed(person_name) in text  # 𠮷 and 葛󠄀 as entered, never replaced
            if "𠮷" in person_name or IVS_NAME in person_name:
                assert "※外字" in text
    for required in ("署名欄", "本人確認書類の確認欄", "手数料の収納欄", "受付者印", "処理日"):
        assert required in text

    fonts = fonts_embedded(path)
    assert fonts and all(emb == "yes" for _, emb in fonts), fonts
    assert qr_codes(path, tmp_path) == [f"MADOGUCHI2:form-kiosk:{number}:{application_id}"]


def form_of(sections: tuple[FormSection, ...]) -> FilledForm:
    return FilledForm(
        municipality="サンプル市",
        title="児童手当 認定請求",
        reception_number="G-001",
        application_id="3f1c2a4e-0000-4000-8000-000000000001",
        kiosk_id="form-kiosk",
        receipt_code="MADOGUCHI2:form-kiosk:G-001:3f1c2a4e-0000-4000-8000-000000000001",
        created_at=datetime(2026, 12, 5, 10, 31),
        sections=sections,
        fee="なし",
    )


def test_a_long_address_wraps_inside_its_box_and_many_answers_continue_with_the_header(
    tmp_path,
):
    address = "沖縄県那覇市港町二丁目十五番地の二十三 那覇港湾合同庁舎別館 第三会議室前" * 4
    fonts = form_fonts()
    box = CONTENT_WIDTH - LABEL_WIDTH - 2 * PADDING  # the answer's box, inside its padding
    wrapped = wrap(fonts, address, MINCHO, 10.5, box)
    assert len(wrapped.lines) > 1
    assert all(fonts.width(line, 10.5) <= box for line in wrapped.lines)

    many = tuple(FormLine(f"お子さん{n}のお名前", f"𠮷野 子{n}") for n in range(1, 41))
    form = form_of(
        (
            FormSection("請求者", (FormLine("住所", address), FormLine("お名前", "𠮷野 髙子"))),
            FormSection("児童", many),
        )
    )
    path = tmp_path / "many.pdf"
    path.write_bytes(render_form(form))
    assert page_count(path) >= 2
    first, last = pdf_text(path, 1), pdf_text(path, page_count(path))
    for page_text in (first, last):  # the header, on every page
        assert "児童手当 認定請求" in page_text and "G-001" in page_text
    assert "（続き）" in last
    whole = squeezed(pdf_text(path))
    assert squeezed(address) in whole
    assert all(squeezed(line.text) in whole for line in many)
    assert qr_codes(path, tmp_path) == [form.receipt_code]


def test_variation_sequences_print_their_own_glyph_and_stay_the_residents_text(tmp_path):
    fonts = form_fonts()
    runs, marks = fonts.runs("葛\U000e0102飾 " + IVS_NAME)
    kinds = {mark.text: mark.kind for mark in marks}
    assert kinds == {"葛\U000e0102": GaijiKind.VARIATION, IVS_NAME[:2]: GaijiKind.VARIATION}
    # IPAmj registers E0102 (drawn from its glyph); E0100 (Adobe-Japan1) is an outline.
    stand_in = next(run for run in runs if run.actual == "葛\U000e0102")
    assert stand_in.font == "IPAmjMincho" and ord(stand_in.text) >= 0x100000
    assert fonts.run_width(stand_in, 10) == pytest.approx(10)  # a full em, as the glyph is
    outline = next(run for run in runs if run.actual == IVS_NAME[:2])
    assert outline.outline is not None and outline.outline.commands

    form = form_of((FormSection("請求者", (FormLine("お名前", "葛\U000e0102飾 " + IVS_NAME),)),))
    path = tmp_path / "ivs.pdf"
    path.write_bytes(render_form(form))
    text = pdf_text(path)
    assert "葛\U000e0102飾" in text and IVS_NAME in text
    assert all(ord(char) < 0x100000 for char in text)  # no private stand-in leaks out


def test_without_ipamj_a_missing_character_is_printed_as_its_code_points_and_marked():
    real = form_fonts()
    without = FormFonts(real.main, real.gothic, None)
    runs, marks = without.runs("𠮷野")
    assert runs[0].text == "[U+20BB7]" and runs[0].actual == "𠮷"
    assert marks[0].kind is GaijiKind.UNPRINTABLE
    assert "fonts-ipamj-mincho が入っていません" in marks[0].note and "U+20BB7" in marks[0].note


def test_the_pdf_command_writes_an_owner_only_file_audits_it_and_refuses_an_unknown_id(
    host, tmp_path
):
    application_id = host.receive("juminhyo", {"copies": 2, "purpose": "procedure"}, "H-001", "k1")
    place = ["--data", str(host.paths.root), "--database", host.database]
    output = tmp_path / "form.pdf"
    command = [sys.executable, "-m", "kiosk", "backend", "pdf"]
    done = subprocess.run(
        [*command, application_id, "-o", str(output), *place],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert output.read_bytes().startswith(b"%PDF") and output.stat().st_mode & 0o077 == 0
    entries = audit.entries(host.engine, application_id=application_id)
    assert [entry["action"] for entry in entries] == ["open"]
    assert entries[0]["detail"] == {"via": "cli", "document": "pdf"}

    missing = subprocess.run(
        [*command, str(uuid.uuid4()), "-o", str(output), *place],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("kiosk backend pdf: no application")
    assert len(missing.stderr.strip().splitlines()) == 1
