"""The filled-in 申請書 as an A4 PDF: what the clerk prints for the resident to check and sign.

It takes plain data (`FilledForm`: the answers already in the counter's words, grouped by the
catalog's sections) and lays it out the way a paper form is: the municipality and the form's
title, the reception number, application id and the receipt's QR code in a header repeated on
every page, each answer in a labelled box (long text wraps inside its box, a box too long for
the page continues on the next), the resident's 署名欄 and the staff's section (本人確認書類の
確認欄, 手数料の収納欄, 受付者印, 処理日). Characters the main font lacks are printed from the
外字 fonts and marked ※外字 with a note (core/form_fonts.py). Qt-free: the backend prints it,
and the kiosk could.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from core.form_fonts import GOTHIC, MINCHO, FormFonts, GaijiMark, Run, form_fonts
from core.form_text import Text, draw_runs, wrap
from core.qr import qr_modules
from core.wareki import to_wareki

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 36.0  # 12.7 mm: inside every office printer's printable area
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 132.0  # 16 characters of a label, two lines at most
PADDING = 4.0
ANSWER_SIZE = 10.5
LABEL_SIZE = 8.5
QR_SIDE = 76.0
QR_QUIET_MODULES = 4  # the quiet zone a scanner needs around the code
LINE = 0.6
GAP = 6.0  # between the answers, the 外字 notes and the signature
# As on a paper form: printed wording in Gothic, what the resident gave in Mincho. (All in
# Mincho was tried: the subsets came out no smaller, since Mincho's outlines are heavier.)
HEADING = GOTHIC
LABEL = GOTHIC
GAIJI_MARK = "※外字"
FOOTER = (
    "この申請書は、窓口の端末で入力された内容を印字したものです。"
    "内容を確かめてから署名してください。"
)
STAFF_ID_DOCUMENTS = (
    "マイナンバーカード",
    "運転免許証",
    "パスポート",
    "在留カード",
    "その他（　　　　）",
)

# reportlab's font registry and a TrueType font's subset state are shared by the process; the
# backend serves forms from several threads, and one PDF takes tens of milliseconds.
_drawing = threading.Lock()


@dataclass(frozen=True)
class FormLine:
    """One answer as the counter reads it (the catalog's label, the option's label …)."""

    label: str
    text: str


@dataclass(frozen=True)
class FormSection:
    title: str
    lines: tuple[FormLine, ...]


@dataclass(frozen=True)
class FilledForm:
    municipality: str
    title: str  # the procedure's title, as the paper form has it
    reception_number: str
    application_id: str
    kiosk_id: str
    receipt_code: str  # the receipt QR's payload: scanning the form opens the application
    created_at: datetime  # in the office's time zone
    sections: tuple[FormSection, ...]
    counter: str = ""
    fee: str = ""
    signer: str = "届出人・申請者"


def date_text(moment: datetime) -> str:
    """令和8年12月5日（2026年12月5日）10:31."""
    day = moment.date()
    return f"{to_wareki(day)}（{day.year}年{day.month}月{day.day}日）{moment:%H:%M}"


# -- blocks: what a page is made of ----------------------------------------------------------

Draw = Callable[[Canvas, float], None]  # draws at a top y


@dataclass
class Block:
    height: float
    draw: Draw
    keep_with_next: bool = False
    # For a block that may continue on the next page: (what fits in `space`, the rest).
    split: Callable[[float], tuple[Block, Block] | None] | None = None


@dataclass
class _Context:
    canvas: Canvas
    fonts: FormFonts
    form: FilledForm
    marks: dict[str, GaijiMark] = field(default_factory=dict)


def _box(canvas: Canvas, x: float, top: float, width: float, height: float, fill=None) -> None:
    canvas.setLineWidth(LINE)
    if fill is not None:
        canvas.setFillGray(fill)
        canvas.rect(x, top - height, width, height, stroke=1, fill=1)
        canvas.setFillGray(0)
    else:
        canvas.rect(x, top - height, width, height, stroke=1, fill=0)


def _section_heading(context: _Context, title: str) -> Block:
    height = 18.0

    def draw(canvas: Canvas, top: float) -> None:
        _box(canvas, MARGIN, top, CONTENT_WIDTH, height, fill=0.86)
        text = wrap(context.fonts, title, HEADING, 10.5, CONTENT_WIDTH - 2 * PADDING)
        draw_runs(canvas, context.fonts, text.lines[0], MARGIN + PADDING, top - 13, 10.5)

    return Block(height, draw, keep_with_next=True)


def _answer_row(context: _Context, line: FormLine) -> Block:
    fonts = context.fonts
    value_width = CONTENT_WIDTH - LABEL_WIDTH - 2 * PADDING
    label = wrap(fonts, line.label, LABEL, LABEL_SIZE, LABEL_WIDTH - 2 * PADDING)
    answer = wrap(fonts, line.text or "—", MINCHO, ANSWER_SIZE, value_width)
    for mark in answer.marks + label.marks:
        context.marks.setdefault(mark.text, mark)
    if answer.marks:  # the staff's cue follows the answer, on its last line if there is room
        answer.marked = True
        room = value_width - fonts.width(answer.lines[-1], ANSWER_SIZE)
        if room < fonts.width(_MARK, MARK_SIZE):
            answer.lines.append([])
    return _row_block(context, label, answer, 0, len(answer.lines))


_MARK = [Run(" " + GAIJI_MARK, LABEL)]
MARK_SIZE = 7.5


def _row_block(context: _Context, label: Text, answer: Text, first: int, end: int) -> Block:
    """The answer's lines first..end beside its label (（続き） when the label went before)."""
    answer_lines = answer.lines[first:end]
    label_lines = label.lines if first == 0 else [[Run("（続き）", LABEL)]]
    height = 2 * PADDING + max(len(answer_lines) * answer.leading, len(label_lines) * label.leading)

    def draw(canvas: Canvas, top: float) -> None:
        fonts = context.fonts
        _box(canvas, MARGIN, top, LABEL_WIDTH, height, fill=0.95)
        _box(canvas, MARGIN + LABEL_WIDTH, top, CONTENT_WIDTH - LABEL_WIDTH, height)
        y = top - PADDING - LABEL_SIZE
        for runs in label_lines:
            draw_runs(canvas, fonts, runs, MARGIN + PADDING, y, LABEL_SIZE)
            y -= label.leading
        x = MARGIN + LABEL_WIDTH + PADDING
        y = top - PADDING - ANSWER_SIZE
        for runs in answer_lines:
            draw_runs(canvas, fonts, runs, x, y, ANSWER_SIZE)
            y -= answer.leading
        if answer.marked and end == len(answer.lines):
            y += answer.leading
            after = x + fonts.width(answer_lines[-1], ANSWER_SIZE)
            draw_runs(canvas, fonts, _MARK, after, y, MARK_SIZE)

    def split(space: float) -> tuple[Block, Block] | None:
        fits = int((space - 2 * PADDING) // answer.leading)
        if fits < 1 or fits >= len(answer_lines):
            return None
        head = _row_block(context, label, answer, first, first + fits)
        return head, _row_block(context, label, answer, first + fits, end)

    return Block(height, draw, split=split)


def _gaiji_notes(context: _Context) -> Block | None:
    if not context.marks:
        return None
    fonts = context.fonts
    notes = [
        wrap(fonts, "・" + mark.note, LABEL, 8, CONTENT_WIDTH - 2 * PADDING)
        for mark in context.marks.values()
    ]
    lines = [line for note in notes for line in note.lines]
    height = 2 * PADDING + 12 + len(lines) * 11

    def draw(canvas: Canvas, top: float) -> None:
        _box(canvas, MARGIN, top, CONTENT_WIDTH, height)
        heading = (
            f"{GAIJI_MARK}の文字（入力された文字のとおり印字。"
            "ほかのシステムに入力するときは本人に確かめてください）"
        )
        runs = wrap(fonts, heading, LABEL, 8.5, CONTENT_WIDTH).lines[0]
        draw_runs(canvas, fonts, runs, MARGIN + PADDING, top - PADDING - 8.5, 8.5)
        y = top - PADDING - 12 - 8
        for runs in lines:
            draw_runs(canvas, fonts, runs, MARGIN + PADDING, y, 8)
            y -= 11

    return Block(height, draw)


def _signature(context: _Context) -> Block:
    height = 44.0
    fonts = context.fonts

    def draw(canvas: Canvas, top: float) -> None:
        _box(canvas, MARGIN, top, CONTENT_WIDTH, height)
        words = "上記のとおり、内容に相違ありません。"
        draw_runs(canvas, fonts, fonts.runs(words, MINCHO)[0], MARGIN + PADDING, top - 15, 10)
        draw_runs(
            canvas,
            fonts,
            fonts.runs("令和　　　年　　　月　　　日", MINCHO)[0],
            MARGIN + PADDING,
            top - 34,
            10,
        )
        x = MARGIN + 200
        label = f"署名欄（{context.form.signer}）"
        draw_runs(canvas, fonts, fonts.runs(label, LABEL)[0], x, top - 15, 8.5)
        canvas.setLineWidth(LINE)
        canvas.line(x, top - 36, MARGIN + CONTENT_WIDTH - PADDING * 2, top - 36)

    return Block(height, draw)


def _staff_section(context: _Context) -> Block:
    fonts = context.fonts
    cells_height = 66.0
    height = 16 + cells_height
    widths = (190.0, 135.0, 90.0, CONTENT_WIDTH - 415.0)
    fee = wrap(fonts, f"手数料: {context.form.fee or 'なし'}", LABEL, 8, widths[1] - 2 * PADDING)

    def draw(canvas: Canvas, top: float) -> None:
        _box(canvas, MARGIN, top, CONTENT_WIDTH, 16, fill=0.86)
        heading = fonts.runs("職員記入欄（窓口で記入）", HEADING)[0]
        draw_runs(canvas, fonts, heading, MARGIN + PADDING, top - 12, 9.5)
        x = MARGIN
        cell_top = top - 16
        titles = ("本人確認書類の確認欄", "手数料の収納欄", "受付者印", "処理日")
        for width, title in zip(widths, titles, strict=True):
            _box(canvas, x, cell_top, width, cells_height)
            draw_runs(canvas, fonts, fonts.runs(title, LABEL)[0], x + PADDING, cell_top - 11, 8)
            x += width
        for index, name in enumerate(STAFF_ID_DOCUMENTS):
            x = MARGIN + PADDING + (index % 2) * 88
            y = cell_top - 24 - (index // 2) * 13
            draw_runs(canvas, fonts, fonts.runs("□ " + name, LABEL)[0], x, y, 8)
        x = MARGIN + widths[0] + PADDING
        lines = [*fee.lines, *(fonts.runs(words, LABEL)[0] for words in ("□ 収納済　□ 免除",))]
        for offset, runs in enumerate(lines):
            draw_runs(canvas, fonts, runs, x, cell_top - 24 - offset * 12, 8)
        canvas.setDash(2, 2)  # where the 受付者 stamps
        canvas.circle(MARGIN + widths[0] + widths[1] + widths[2] / 2, cell_top - 39, 21)
        canvas.setDash()
        x = MARGIN + widths[0] + widths[1] + widths[2] + PADDING
        date_runs = fonts.runs("令和　　年　　月　　日", MINCHO)[0]
        draw_runs(canvas, fonts, date_runs, x, cell_top - 38, 9)

    return Block(height, draw)


# -- pages ---------------------------------------------------------------------------------

HEADER_HEIGHT = 132.0
FOOTER_HEIGHT = 22.0


def _header(context: _Context, page: int, pages: int) -> None:
    canvas, fonts, form = context.canvas, context.fonts, context.form
    top = PAGE_HEIGHT - MARGIN
    draw_runs(canvas, fonts, fonts.runs(form.municipality, LABEL)[0], MARGIN, top - 10, 10)
    where = f"{page} / {pages} ページ" + ("（続き）" if page > 1 else "")
    width = fonts.width(fonts.runs(where, LABEL)[0], 8)
    draw_runs(canvas, fonts, fonts.runs(where, LABEL)[0], PAGE_WIDTH - MARGIN - width, top - 10, 8)
    size = 17.0
    title_runs = fonts.runs(form.title, HEADING)[0]
    while fonts.width(title_runs, size) > CONTENT_WIDTH and size > 10:
        size -= 0.5
    x = (PAGE_WIDTH - fonts.width(title_runs, size)) / 2
    draw_runs(canvas, fonts, title_runs, x, top - 36, size)
    # The facts a clerk looks for first, left of the QR code.
    facts_top = top - 48
    facts_width = CONTENT_WIDTH - QR_SIDE - 10
    half = facts_width / 2
    cells = (
        ("受付番号", form.reception_number, 0.0, 0.0, half, 40.0, 18.0),
        ("申請日時", date_text(form.created_at), half, 0.0, half, 40.0, 9.5),
        ("申請ID", form.application_id, 0.0, 40.0, half, 36.0, 8.0),
        ("端末・窓口", f"{form.kiosk_id}　{form.counter}".strip(), half, 40.0, half, 36.0, 8.5),
    )
    for label, value, dx, dy, width, height, value_size in cells:
        _box(canvas, MARGIN + dx, facts_top - dy, width, height)
        draw_runs(
            canvas,
            fonts,
            fonts.runs(label, LABEL)[0],
            MARGIN + dx + PADDING,
            facts_top - dy - 10,
            7.5,
        )
        text = wrap(fonts, value, MINCHO, value_size, width - 2 * PADDING)
        y = facts_top - dy - 14 - value_size
        for runs in text.lines[:2]:
            draw_runs(canvas, fonts, runs, MARGIN + dx + PADDING, y, value_size)
            y -= value_size * 1.25
    _draw_qr(canvas, form.receipt_code, PAGE_WIDTH - MARGIN - QR_SIDE, facts_top)


def _draw_qr(canvas: Canvas, payload: str, x: float, top: float) -> None:
    modules = qr_modules(payload)
    count = len(modules) + 2 * QR_QUIET_MODULES
    module = QR_SIDE / count
    canvas.setFillGray(0)
    for row, line in enumerate(modules):
        y = top - (row + QR_QUIET_MODULES + 1) * module
        column = 0
        while column < len(line):  # one rectangle per horizontal stretch of dark modules
            if not line[column]:
                column += 1
                continue
            start = column
            while column < len(line) and line[column]:
                column += 1
            left = x + (start + QR_QUIET_MODULES) * module
            canvas.rect(left, y, (column - start) * module, module, stroke=0, fill=1)


def _footer(context: _Context) -> None:
    canvas, fonts, form = context.canvas, context.fonts, context.form
    words = f"{FOOTER}　受付番号 {form.reception_number}"
    runs = wrap(fonts, words, LABEL, 7, CONTENT_WIDTH).lines[0]
    draw_runs(canvas, fonts, runs, MARGIN, MARGIN - 4, 7)


def _blocks(context: _Context) -> list[Block]:
    blocks: list[Block] = []
    for section in context.form.sections:
        if not section.lines:
            continue
        blocks.append(_section_heading(context, section.title))
        blocks += [_answer_row(context, line) for line in section.lines]
    blocks.append(_gap(GAP))
    notes = _gaiji_notes(context)  # after the rows: they collect the marks
    if notes is not None:
        blocks += [notes, _gap(GAP)]
    blocks.append(_together(_signature(context), _gap(GAP), _staff_section(context)))
    return blocks


def _gap(height: float) -> Block:
    return Block(height, lambda canvas, top: None)


def _together(*parts: Block) -> Block:
    """Blocks that stay on one page (the signature and the staff's section)."""

    def draw(canvas: Canvas, top: float) -> None:
        for part in parts:
            part.draw(canvas, top)
            top -= part.height

    return Block(sum(part.height for part in parts), draw)


KEEP_WITH_NEXT = 40.0  # a heading needs this much of what follows beneath it


def _paginate(blocks: list[Block]) -> list[list[tuple[float, Block]]]:
    """Blocks placed on pages, each with its top y."""
    body_top = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT
    body_bottom = MARGIN + FOOTER_HEIGHT
    pages: list[list[tuple[float, Block]]] = [[]]
    y = body_top
    queue = list(blocks)
    while queue:
        block = queue.pop(0)
        space = y - body_bottom
        following = min(queue[0].height, KEEP_WITH_NEXT) if block.keep_with_next and queue else 0
        if block.height + following <= space or y == body_top:
            pages[-1].append((y, block))  # at a page's top it goes in whatever its height
            y -= block.height
            continue
        parts = block.split(space) if block.split is not None else None
        if parts is not None:
            pages[-1].append((y, parts[0]))
            block = parts[1]
        queue.insert(0, block)
        pages.append([])
        y = body_top
    return pages


def _draw_form(canvas: Canvas, fonts: FormFonts, form: FilledForm) -> None:
    context = _Context(canvas, fonts, form)
    pages = _paginate(_blocks(context))
    for number, placed in enumerate(pages, start=1):
        _header(context, number, len(pages))
        for top, block in placed:
            block.draw(canvas, top)
        _footer(context)
        canvas.showPage()


def render_forms(forms: list[FilledForm], title: str = "申請書") -> bytes:
    """One PDF holding each form from a new page (a day's archive, or a single form)."""
    fonts = form_fonts()
    buffer = io.BytesIO()
    with _drawing:
        canvas = Canvas(
            buffer,
            pagesize=A4,
            pageCompression=1,
            initialFontName=HEADING,  # never an unembedded standard font, even unused
            initialFontSize=10,
            lang="ja-JP",
        )
        canvas.setTitle(title)  # no name or address: the metadata is shown in file lists
        canvas.setCreator("Madoguchi")
        for form in forms:
            _draw_form(canvas, fonts, form)
        if not forms:
            canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def render_form(form: FilledForm) -> bytes:
    return render_forms([form], f"{form.title} {form.reception_number}")
