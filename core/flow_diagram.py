"""A procedure's flow drawn for staff as SVG: its pages top to bottom, each `show_if` as a
labelled branch with the way around it drawn beside, ending in 確認 and 申請 — from the
catalog alone, so the drawing never disagrees with what the kiosk asks.

Pure Python (no graphviz): the flow is a straight line with detours, so a single column with
a bypass lane is the whole layout. The SVG is sized in millimetres to the width of an A4 page
with margins, so its text prints at about 10 pt; a long procedure continues on a second sheet.
Every text is escaped: the catalog is edited by staff. On the console the same drawing carries
each page's drop-off and median time (`PageFigures`); a page without figures says so, since
groups of fewer than five sessions are never shown there.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from core.catalog import FieldType, Page, Procedure
from core.conditions import Condition
from core.flow import applicant_page
from core.i18n import UiText
from core.life_events import LifeEvent
from core.municipality import Municipality

LANGUAGE = "ja"  # the staff's language: the console and the printed flows are Japanese
OTHERWISE = "それ以外"
ASKED_ONLY_WHEN_UNKNOWN = "答えが分かるときは聞かない"
NO_FIGURES = "集計なし（5回未満または表示なし）"
REVIEW_ID, SUBMIT_ID = "review", "submit"

# What kind of answer a page takes, as a clerk would say it (staff words, not resident text).
TYPE_WORDS = {
    FieldType.KANA_NAME: "フリガナ",
    FieldType.KANJI_NAME: "氏名（漢字）",
    FieldType.DATE: "日付",
    FieldType.POSTAL_CODE: "郵便番号",
    FieldType.ADDRESS: "住所",
    FieldType.PHONE: "電話番号",
    FieldType.NUMBER: "数",
    FieldType.SINGLE_CHOICE: "ひとつ選ぶ",
    FieldType.MULTIPLE_CHOICE: "いくつでも選ぶ",
    FieldType.YES_NO: "はい・いいえ",
    FieldType.COPIES: "通数",
    FieldType.CONSENT: "同意",
    FieldType.TEXT: "文章",
    FieldType.MY_NUMBER: "個人番号",
}

# Drawing units: the viewBox is WIDTH units across, printed MM_PER_UNIT mm each (190 mm: A4
# less 10 mm margins), so a 14-unit font prints 3.5 mm high, about 10 pt.
WIDTH = 760
MM_PER_UNIT = 0.25
FONT_FAMILY = "'IPAexGothic', 'Noto Sans CJK JP', sans-serif"
NODE_LEFT, NODE_WIDTH = 40, 480
CENTRE = NODE_LEFT + NODE_WIDTH // 2
LANE = NODE_LEFT + NODE_WIDTH + 60  # where the way around a branch runs
LABEL_SIZE, SMALL_SIZE, TITLE_SIZE = 15, 12, 18
LINE_GAP = 5
PADDING = 8
GAP = 26  # between a node and the next element


@dataclass(frozen=True)
class PageFigures:
    """One page's figures from the usage counts (backend/insights.py)."""

    abandoned: int
    median_s: int | None


@dataclass(frozen=True)
class FieldWords:
    """How a condition names an answer: the question's label and its options' labels."""

    label: str
    options: Mapping[str, str] = field(default_factory=dict)

    def value(self, value: str | int | bool) -> str:
        if isinstance(value, bool):
            return "はい" if value else "いいえ"
        return self.options.get(str(value), str(value))


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str  # the second line: the answer's kind, or a counter
    notes: tuple[str, ...] = ()
    figures: str | None = None
    ending: bool = False  # 確認 and 申請: drawn heavier
    derived: bool = False  # answered by the kiosk when it can: drawn dashed
    most_lost: bool = False  # where most residents gave up: drawn heaviest


@dataclass(frozen=True)
class Segment:
    """Nodes in order; with a condition, they are shown only when it holds (a branch)."""

    nodes: tuple[Node, ...]
    condition: str | None = None


@dataclass(frozen=True)
class Flow:
    title: str
    segments: tuple[Segment, ...]


# ----------------------------------------------------------------------------- conditions


def describe(condition: Condition, words: Mapping[str, FieldWords]) -> str:
    """A condition in plain Japanese, ending in のとき (「代理人」のとき, 65歳以上のとき)."""
    return _phrase(condition, words, nested=False) + "のとき"


def _words(field_id: str, words: Mapping[str, FieldWords]) -> FieldWords:
    return words.get(field_id) or FieldWords(field_id)


def _values(values: Sequence[str | int | bool], field_words: FieldWords) -> str:
    return "か".join(f"「{field_words.value(value)}」" for value in values)


def _phrase(condition: Condition, words: Mapping[str, FieldWords], nested: bool) -> str:
    if condition.all_of is not None or condition.any_of is not None:
        parts, joint = (
            (condition.all_of, "、かつ") if condition.all_of else (condition.any_of, "、または")
        )
        text = joint.join(_phrase(part, words, nested=True) for part in parts or ())
        # Inside another all/any/not, the parentheses keep "A、かつB、またはC" unambiguous.
        return f"（{text}）" if nested else text
    if condition.not_ is not None:
        return _negated(condition.not_, words)
    if condition.equals is not None:
        named = _words(condition.equals.field, words)
        return f"{named.label}が「{named.value(condition.equals.value)}」"
    if condition.in_ is not None:
        named = _words(condition.in_.field, words)
        return f"{named.label}が{_values(condition.in_.values, named)}"
    if condition.age_at_least is not None:
        return _age(condition, words) + "以上"
    assert condition.days_ago is not None
    named = _words(condition.days_ago.field, words)
    return f"{named.label}から{condition.days_ago.more_than}日超"


def _age(condition: Condition, words: Mapping[str, FieldWords]) -> str:
    rule = condition.age_at_least
    assert rule is not None
    born = _words(rule.field, words).label
    on = f"{_words(rule.on, words).label}に" if rule.on else ""
    return f"{born}から数えて{on}{rule.years}歳"


def _negated(inner: Condition, words: Mapping[str, FieldWords]) -> str:
    """ "not" said the way a clerk would: 以外, 未満, 以内, rather than a double negative."""
    if inner.equals is not None:
        named = _words(inner.equals.field, words)
        return f"{named.label}が「{named.value(inner.equals.value)}」以外"
    if inner.in_ is not None:
        named = _words(inner.in_.field, words)
        return f"{named.label}が{_values(inner.in_.values, named).replace('か', '・')}以外"
    if inner.age_at_least is not None:
        return _age(inner, words) + "未満"
    if inner.days_ago is not None:
        named = _words(inner.days_ago.field, words)
        return f"{named.label}から{inner.days_ago.more_than}日以内"
    return f"（{_phrase(inner, words, nested=False)}）ではない"


# ------------------------------------------------------------------------------- the flows


def page_words(page: Page) -> FieldWords:
    options = {str(option.value): option.label.text(LANGUAGE) for option in page.options}
    return FieldWords(page.label.text(LANGUAGE), options)


def asked_pages(procedure: Procedure, ui: UiText) -> list[Page]:
    """The pages in the kiosk's order: its own applicant page first when several may apply."""
    pages = list(procedure.pages)
    if len(procedure.applicants) > 1:
        pages.insert(0, applicant_page(procedure.applicants, ui))
    return pages


def procedure_flow(
    procedure: Procedure,
    ui: UiText,
    figures: Mapping[str, PageFigures] | None = None,
    titles: Mapping[str, str] | None = None,
) -> Flow:
    """The procedure's pages as segments; with `figures` (page id → figures, "review" for the
    review page), each node carries them, and the page most residents left is marked.
    `titles` (procedure id → title) names where an address outside the city leads."""
    pages = asked_pages(procedure, ui)
    words = {page.id: page_words(page) for page in pages}
    lost_most = _most_lost(figures)

    def node(page: Page) -> Node:
        notes = []
        if page.derive:
            notes.append(ASKED_ONLY_WHEN_UNKNOWN)
        if page.outside:
            target = (titles or {}).get(page.outside, page.outside)
            notes.append(f"市外の住所なら「{target}」へ")
        return Node(
            id=page.id,
            label=page.label.text(LANGUAGE),
            kind=TYPE_WORDS[page.type],
            notes=tuple(notes),
            figures=_figures_text(figures, page.id),
            derived=bool(page.derive),
            most_lost=page.id == lost_most,
        )

    segments: list[Segment] = []
    for page in pages:
        condition = describe(page.show_if, words) if page.show_if else None
        last = segments[-1] if segments else None
        # Pages under the same condition make one branch, so one detour goes around them all.
        if last is not None and condition is not None and last.condition == condition:
            segments[-1] = Segment((*last.nodes, node(page)), condition)
        else:
            segments.append(Segment((node(page),), condition))
    ending = (
        Node(
            REVIEW_ID,
            "確認",
            "答えを見直して、直すところを選ぶ",
            figures=_figures_text(figures, REVIEW_ID),
            ending=True,
            most_lost=lost_most == REVIEW_ID,
        ),
        Node(SUBMIT_ID, "申請", "受付番号を発行し、受付票を印刷する", ending=True),
    )
    segments.append(Segment(ending))
    return Flow(f"{procedure.title.text(LANGUAGE)}：手続きの流れ", tuple(segments))


def _most_lost(figures: Mapping[str, PageFigures] | None) -> str | None:
    if not figures:
        return None
    page_id, most = max(figures.items(), key=lambda item: (item[1].abandoned, item[0]))
    return page_id if most.abandoned > 0 else None


def _figures_text(figures: Mapping[str, PageFigures] | None, page_id: str) -> str | None:
    if figures is None:
        return None
    found = figures.get(page_id)
    if found is None:
        return NO_FIGURES
    median = "—" if found.median_s is None else f"{found.median_s}秒"
    return f"中断 {found.abandoned}・かかった時間（中央値） {median}"


def life_event_flow(
    event: LifeEvent, municipality: Municipality, procedures: Mapping[str, Procedure]
) -> Flow:
    """A life event's yes/no questions, then its procedures and counter-only steps in order,
    each with the counter where it is done."""
    # A question as a name reads oddly (…ましたかが「はい」): quoted, it is the answer to it.
    words = {
        question.id: FieldWords(f"「{question.question.text(LANGUAGE)}」の答え")
        for question in event.questions
    }
    segments = [
        Segment(
            (Node(question.id, question.question.text(LANGUAGE), "質問（はい・いいえ）"),),
            describe(question.show_if, words) if question.show_if else None,
        )
        for question in event.questions
    ]
    for number, step in enumerate(event.steps, start=1):
        procedure = procedures.get(step.procedure) if step.procedure else None
        if step.procedure is not None:
            title = procedure.title.text(LANGUAGE) if procedure else step.procedure
            counter_id = procedure.counter if procedure else None
        else:
            assert step.title is not None
            title, counter_id = step.title.text(LANGUAGE), step.counter
        counter = municipality.counters.get(counter_id or "")
        where = (
            f"{counter.number}番 {counter.name.text(LANGUAGE)}" if counter else "この市では扱わない"
        )
        kind = "端末で申請" if step.procedure is not None else "窓口で手続き"
        segments.append(
            Segment(
                (Node(f"step-{number}", title, f"{kind}・{where}"),),
                describe(step.show_if, words) if step.show_if else None,
            )
        )
    return Flow(f"{event.title.text(LANGUAGE)}：手続きの順番", tuple(segments))


# ---------------------------------------------------------------------------------- layout


def _width(text: str, size: int) -> float:
    return sum(
        size if unicodedata.east_asian_width(char) in "WFA" else size * 0.58 for char in text
    )


# Never at the start of a line (禁則): a closing bracket or mark stays with what it closes, a
# little past the room, which the margins allow.
NO_LINE_START = frozenset("」』）)、。・，．ー")
NO_LINE_END = frozenset("「『（(")


def wrap(text: str, size: int, room: float) -> list[str]:
    """Lines of at most `room` units: Japanese breaks between any two characters, so this
    breaks where the width runs out, never inside an ASCII word."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        fits = _width(line + token, size) <= room or token[0] in NO_LINE_START
        if line and not fits:
            carried = ""
            while line and line[-1] in NO_LINE_END:  # an opening bracket goes with its text
                line, carried = line[:-1], line[-1] + carried
            lines.append(line.rstrip())
            line = carried + token.lstrip()
        else:
            line += token
    if line or not lines:
        lines.append(line)
    return lines


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for char in text:
        ascii_word = char.isascii() and not char.isspace()
        if ascii_word and tokens and tokens[-1][-1].isascii() and not tokens[-1][-1].isspace():
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


def _text(x: float, y: float, lines: list[str], size: int, **attributes: str) -> str:
    """One <text> per logical string, its lines as <tspan>: a reader (or a test) gets the
    whole string back from one element."""
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(v)}" for name, v in attributes.items())
    spans = "".join(
        f'<tspan x="{x:.0f}" dy="{0 if index == 0 else size + LINE_GAP}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}"{extra}>{spans}</text>'


def _block_height(lines: int, size: int) -> int:
    return lines * size + (lines - 1) * LINE_GAP


@dataclass
class _Canvas:
    marker: str  # the arrowhead's id: unique on an HTML page that shows several diagrams
    parts: list[str] = field(default_factory=list)
    y: float = 0

    def arrow(self, x: float, y1: float, y2: float) -> None:
        self.parts.append(
            f'<line x1="{x:.0f}" y1="{y1:.0f}" x2="{x:.0f}" y2="{y2:.0f}" stroke="#333333" '
            f'stroke-width="1.5" marker-end="url(#{self.marker})"/>'
        )

    def line(self, points: list[tuple[float, float]], arrow: bool = False) -> None:
        path = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
        end = f' marker-end="url(#{self.marker})"' if arrow else ""
        self.parts.append(
            f'<polyline points="{path}" fill="none" stroke="#333333" stroke-width="1.5"{end}/>'
        )


def _node(canvas: _Canvas, node: Node) -> None:
    room = NODE_WIDTH - 2 * PADDING
    label = wrap(node.label, LABEL_SIZE, room)
    small = [node.kind, *node.notes] + ([node.figures] if node.figures else [])
    small_lines = [wrap(text, SMALL_SIZE, room) for text in small]
    height = PADDING * 2 + _block_height(len(label), LABEL_SIZE)
    height += sum(LINE_GAP + _block_height(len(lines), SMALL_SIZE) for lines in small_lines)
    top = canvas.y
    stroke = 4 if node.most_lost else 2.5 if node.ending else 1.5
    colour = "#b0361f" if node.most_lost else "#333333"
    dash = ' stroke-dasharray="6 4"' if node.derived else ""
    fill = "#eef2f7" if node.ending else "#ffffff"
    canvas.parts.append(f'<g class="node" data-page={quoteattr(node.id)}>')
    canvas.parts.append(
        f'<rect x="{NODE_LEFT}" y="{top:.0f}" width="{NODE_WIDTH}" height="{height}" rx="8" '
        f'fill="{fill}" stroke="{colour}" stroke-width="{stroke}"{dash}/>'
    )
    y = top + PADDING + LABEL_SIZE - 2
    canvas.parts.append(
        _text(NODE_LEFT + PADDING, y, label, LABEL_SIZE, font_weight="bold", **{"class": "label"})
    )
    y += _block_height(len(label), LABEL_SIZE) - LABEL_SIZE + 2
    classes = ("kind", *["note"] * len(node.notes), "figures")[: len(small_lines)]
    for kind, lines in zip(classes, small_lines, strict=True):
        y += LINE_GAP + SMALL_SIZE
        canvas.parts.append(
            _text(NODE_LEFT + PADDING, y, lines, SMALL_SIZE, fill="#333333", **{"class": kind})
        )
        y += _block_height(len(lines), SMALL_SIZE) - SMALL_SIZE
    canvas.parts.append("</g>")
    canvas.y = top + height


def _branch(canvas: _Canvas, segment: Segment, after_node: bool) -> None:
    """The condition on the way in, the nodes, and the way around them (それ以外) beside."""
    split = canvas.y + GAP / 2
    if after_node:
        canvas.line([(CENTRE, canvas.y), (CENTRE, split)])
    canvas.parts.append(
        f'<circle cx="{CENTRE}" cy="{split:.0f}" r="4" fill="#333333"/>'
    )  # where the ways part
    condition = wrap(segment.condition or "", SMALL_SIZE, LANE - CENTRE - 24)
    label_top = split + 8
    canvas.parts.append(
        _text(CENTRE + 10, label_top + SMALL_SIZE, condition, SMALL_SIZE, **{"class": "condition"})
    )
    entry_end = label_top + _block_height(len(condition), SMALL_SIZE) + 10
    canvas.arrow(CENTRE, split, entry_end)
    canvas.y = entry_end
    _nodes(canvas, segment.nodes)
    join = canvas.y + GAP / 2
    canvas.parts.append(
        f'<line x1="{CENTRE}" y1="{canvas.y:.0f}" x2="{CENTRE}" y2="{join:.0f}" '
        'stroke="#333333" stroke-width="1.5"/>'
    )
    canvas.line([(CENTRE, split), (LANE, split), (LANE, join), (CENTRE + 6, join)], arrow=True)
    canvas.parts.append(
        _text(LANE + 8, split + 40, [OTHERWISE], SMALL_SIZE, **{"class": "otherwise"})
    )
    canvas.parts.append(f'<circle cx="{CENTRE}" cy="{join:.0f}" r="4" fill="#333333"/>')
    canvas.y = join


def _nodes(canvas: _Canvas, nodes: Sequence[Node]) -> None:
    for index, node in enumerate(nodes):
        if index:
            canvas.arrow(CENTRE, canvas.y, canvas.y + GAP)
            canvas.y += GAP
        _node(canvas, node)


def render(flow: Flow, element_id: str = "flow") -> str:
    """The flow as a standalone SVG document, also fit to be placed inside HTML (element_id
    must then be unique on the page)."""
    canvas = _Canvas(f"{element_id}-arrow")
    title = wrap(flow.title, TITLE_SIZE, WIDTH - 40)
    canvas.parts.append(
        _text(20, 20 + TITLE_SIZE, title, TITLE_SIZE, font_weight="bold", **{"class": "title"})
    )
    canvas.y = 20 + _block_height(len(title), TITLE_SIZE) + 20
    previous_end = False  # whether a node (not a start) ends just above
    for segment in flow.segments:
        if segment.condition is None:
            if previous_end:
                canvas.arrow(CENTRE, canvas.y, canvas.y + GAP)
                canvas.y += GAP
            _nodes(canvas, segment.nodes)
        else:
            _branch(canvas, segment, after_node=previous_end)
        previous_end = True
    height = int(canvas.y + 20)
    head = (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="flow-diagram" '
        f"id={quoteattr(element_id)} "
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH * MM_PER_UNIT:.0f}mm" '
        f'height="{height * MM_PER_UNIT:.1f}mm" font-family={quoteattr(FONT_FAMILY)} '
        f"aria-label={quoteattr(flow.title)}>"
        f"<title>{escape(flow.title)}</title>"
        f'<defs><marker id="{canvas.marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#333333"/></marker></defs>'
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>'
    )
    return head + "".join(canvas.parts) + "</svg>"


def procedure_diagram(
    procedure: Procedure,
    ui: UiText,
    figures: Mapping[str, PageFigures] | None = None,
    titles: Mapping[str, str] | None = None,
    element_id: str = "flow",
) -> str:
    return render(procedure_flow(procedure, ui, figures, titles), element_id)
