"""Each procedure's flow drawn for staff (core/flow_diagram.py): every page and every condition
named in plain Japanese, drawn by a real browser within its boxes, from the CLI and on the
console's usage page with each page's drop-off."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from backend import usage_store
from core.catalog import Procedure
from core.catalog_files import load_catalog
from core.conditions import Condition
from core.flow_diagram import (
    ASKED_ONLY_WHEN_UNKNOWN,
    NO_FIGURES,
    OTHERWISE,
    TYPE_WORDS,
    FieldWords,
    PageFigures,
    asked_pages,
    describe,
    life_event_flow,
    procedure_diagram,
    render,
    wrap,
)
from core.i18n import UiText
from core.usage_wire import UsageEvent, UsageKind
from tests.browser import rendered_fonts, screenshot, screenshot_folder
from tests.console_support import PASSWORD, TIMEOUT, console  # noqa: F401
from tests.postgres import postgres_server  # noqa: F401

SVG = "{http://www.w3.org/2000/svg}"
CATALOG = load_catalog("sample-city")
UI = UiText.load()
PROCEDURES = CATALOG.all_procedures()


def texts(svg: str, css_class: str | None = None) -> list[str]:
    """Every drawn string (a <text>'s lines joined), in document order."""
    root = ET.fromstring(svg)
    return [
        "".join(element.itertext())
        for element in root.iter(SVG + "text")
        if css_class is None or element.get("class") == css_class
    ]


def node(svg: str, page_id: str) -> ET.Element:
    root = ET.fromstring(svg)
    found = [g for g in root.iter(SVG + "g") if g.get("data-page") == page_id]
    assert len(found) == 1, page_id
    return found[0]


def leaves(condition: Condition):
    for parts in (condition.all_of, condition.any_of):
        for part in parts or ():
            yield from leaves(part)
    if condition.not_ is not None:
        yield from leaves(condition.not_)
    if condition.all_of is None and condition.any_of is None and condition.not_ is None:
        yield condition


def leaf_words(condition: Condition, procedure: Procedure) -> list[str]:
    """What a clerk must read for one leaf: the option's label, はい/いいえ, N歳, N日."""
    pages = {page.id: page for page in asked_pages(procedure, UI)}

    def said(field: str, value) -> str:
        if isinstance(value, bool):
            return "はい" if value else "いいえ"
        options = {option.value: option.label.text("ja") for option in pages[field].options}
        return options.get(value, str(value))

    if condition.equals is not None:
        return [said(condition.equals.field, condition.equals.value)]
    if condition.in_ is not None:
        return [said(condition.in_.field, value) for value in condition.in_.values]
    if condition.age_at_least is not None:
        return [f"{condition.age_at_least.years}歳"]
    assert condition.days_ago is not None
    return [f"{condition.days_ago.more_than}日"]


@pytest.mark.parametrize("procedure", PROCEDURES, ids=lambda p: p.id)
def test_every_page_is_a_node_in_order_ending_in_review_and_submission(procedure):
    svg = procedure_diagram(procedure, UI)
    pages = asked_pages(procedure, UI)
    labels = texts(svg, "label")
    assert labels == [page.label.text("ja") for page in pages] + ["確認", "申請"]
    for page in pages:
        drawn = ["".join(t.itertext()) for t in node(svg, page.id).iter(SVG + "text")]
        assert TYPE_WORDS[page.type] in drawn
        assert (ASKED_ONLY_WHEN_UNKNOWN in drawn) == bool(page.derive), page.id


@pytest.mark.parametrize("procedure", PROCEDURES, ids=lambda p: p.id)
def test_every_condition_is_named_with_its_answers_and_has_a_way_around(procedure):
    svg = procedure_diagram(procedure, UI)
    conditions = texts(svg, "condition")
    pages = asked_pages(procedure, UI)
    for page in (page for page in pages if page.show_if is not None):
        words = {p.id: FieldWords(p.label.text("ja")) for p in pages}
        mentioning = [text for text in conditions if text.endswith("のとき")]
        wanted = [words[field].label for field in page.show_if.fields()]
        for leaf in leaves(page.show_if):
            wanted += leaf_words(leaf, procedure)
        assert any(all(word in text for word in wanted) for text in mentioning), (page.id, wanted)
    assert len(texts(svg, "otherwise")) == len(conditions)
    assert set(texts(svg, "otherwise")) <= {OTHERWISE}


def test_the_applicant_page_comes_first_only_where_several_may_apply():
    several = CATALOG.all_procedures_by_id()["tenkyo"]
    one = CATALOG.all_procedures_by_id()["sodai_gomi"]
    assert len(several.applicants) > 1 and len(one.applicants) == 1
    assert texts(procedure_diagram(several, UI), "label")[0] == "申請する方"
    assert "申請する方" not in texts(procedure_diagram(one, UI), "label")


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ({"equals": {"field": "who", "value": "proxy"}}, "申請する方が「代理人」のとき"),
        ({"equals": {"field": "kokuho", "value": True}}, "国保が「はい」のとき"),
        (
            {"in": {"field": "who", "values": ["self", "proxy"]}},
            "申請する方が「本人」か「代理人」のとき",
        ),
        ({"not": {"equals": {"field": "who", "value": "self"}}}, "申請する方が「本人」以外のとき"),
        (
            {"age_at_least": {"field": "born", "years": 65, "on": "moved"}},
            "生年月日から数えて引っ越した日に65歳以上のとき",
        ),
        (
            {"not": {"age_at_least": {"field": "born", "years": 40}}},
            "生年月日から数えて40歳未満のとき",
        ),
        ({"days_ago": {"field": "moved", "more_than": 14}}, "引っ越した日から14日超のとき"),
        (
            {
                "all": [
                    {"equals": {"field": "kokuho", "value": True}},
                    {
                        "any": [
                            {"equals": {"field": "who", "value": "self"}},
                            {"not": {"days_ago": {"field": "moved", "more_than": 14}}},
                        ]
                    },
                ]
            },
            "国保が「はい」、かつ（申請する方が「本人」、または引っ越した日から14日以内）のとき",
        ),
    ],
)
def test_conditions_read_as_plain_japanese(condition, said):
    words = {
        "who": FieldWords("申請する方", {"self": "本人", "proxy": "代理人"}),
        "kokuho": FieldWords("国保"),
        "born": FieldWords("生年月日"),
        "moved": FieldWords("引っ越した日"),
    }
    assert describe(Condition.model_validate(condition), words) == said


def test_staff_text_is_escaped_and_still_reads_the_same():
    raw = CATALOG.all_procedures_by_id()["juminhyo"].model_dump(mode="json", by_alias=True)
    raw["pages"][0]["review_label"] = {"ja": '<script>alert("&")</script>'}
    procedure = Procedure.model_validate(raw)
    svg = procedure_diagram(procedure, UI)
    assert "<script>" not in svg
    assert '<script>alert("&")</script>' in texts(svg, "label")


def test_wrapping_keeps_closing_brackets_with_their_text_and_loses_nothing():
    text = (
        "引っ越しのしかたが「世帯の一部の人だけが引っ越した」か「市内のほかの世帯に入った」のとき"
    )
    for room in (120, 200, 300):
        lines = wrap(text, 12, room)
        assert "".join(lines) == text
        assert not any(line[0] in "」）、" for line in lines[1:])
        assert not any(line[-1] in "「（" for line in lines[:-1])


def test_figures_sit_on_their_pages_and_the_worst_page_is_marked():
    juminhyo = CATALOG.all_procedures_by_id()["juminhyo"]
    first, second = juminhyo.pages[0].id, juminhyo.pages[1].id
    figures = {first: PageFigures(abandoned=3, median_s=12), "review": PageFigures(1, None)}
    svg = procedure_diagram(juminhyo, UI, figures)
    assert "中断 3・かかった時間（中央値） 12秒" in texts(svg, "figures")
    assert "中断 1・かかった時間（中央値） —" in texts(svg, "figures")
    second_texts = ["".join(t.itertext()) for t in node(svg, second).iter(SVG + "text")]
    assert NO_FIGURES in second_texts  # a group under five sessions says so, shows nothing
    worst = node(svg, first).find(SVG + "rect")
    assert worst is not None and worst.get("stroke-width") == "4"
    assert node(svg, second).find(SVG + "rect").get("stroke-width") == "1.5"


def test_a_life_event_shows_its_questions_then_its_steps_with_counters():
    event = CATALOG.life_events["moving"]
    svg = render(life_event_flow(event, CATALOG.municipality, CATALOG.all_procedures_by_id()))
    labels = texts(svg, "label")
    questions = [question.question.text("ja") for question in event.questions]
    assert labels[: len(questions)] == questions
    steps = labels[len(questions) :]
    assert len(steps) == len(event.steps)
    procedures = CATALOG.all_procedures_by_id()
    for step, label in zip(event.steps, steps, strict=True):
        title = procedures[step.procedure].title if step.procedure else step.title
        assert label == title.text("ja")
    counters = [c.name.text("ja") for c in CATALOG.municipality.counters.values()]
    assert all(any(name in kind for name in counters) for kind in texts(svg, "kind")[-len(steps) :])
    conditioned = [part for part in (*event.questions, *event.steps) if part.show_if]
    assert len(texts(svg, "condition")) == len(conditioned)


def test_chromium_draws_every_text_inside_its_box_in_a_japanese_font(page, tmp_path):
    folder = screenshot_folder(tmp_path)
    for procedure_id in ("kaigo_nintei", "tenkyo", "kokuho"):
        procedure = CATALOG.all_procedures_by_id()[procedure_id]
        figures = {procedure.pages[0].id: PageFigures(4, 31)}
        svg = procedure_diagram(procedure, UI, figures)
        page.set_content(f"<!doctype html><html><body style='margin:0'>{svg}</body></html>")
        overflowing = page.evaluate(
            """() => [...document.querySelectorAll('g.node')].flatMap(g => {
                const box = g.querySelector('rect').getBBox();
                return [...g.querySelectorAll('text')].filter(t => {
                    const b = t.getBBox();
                    return b.x < box.x || b.y < box.y || b.x + b.width > box.x + box.width
                        || b.y + b.height > box.y + box.height;
                }).map(t => t.textContent);
            })"""
        )
        assert overflowing == [], procedure_id
        right = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('text')].map(t => {"
            " const b = t.getBBox(); return b.x + b.width; }))"
        )
        assert right <= 760, procedure_id  # nothing past the A4 width
        fonts = rendered_fonts(page, "g.node text")
        assert set(fonts) & {"IPAexGothic", "Noto Sans CJK JP"}, fonts
        shot = screenshot(page, folder / f"flow-{procedure_id}.png", full_page=True)
        assert shot.stat().st_size > 10_000


def test_the_cli_writes_an_svg_and_refuses_an_unknown_id_in_one_line(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    environment["KIOSK_HOME"] = str(tmp_path / "home")

    def kiosk(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "catalog", "diagram", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=environment,
        )

    written = kiosk("tenkyo", "-o", str(tmp_path / "tenkyo.svg"))
    assert written.returncode == 0, written.stderr
    svg = (tmp_path / "tenkyo.svg").read_text("utf-8")
    assert ET.fromstring(svg).tag == SVG + "svg"
    assert texts(svg, "label")[-2:] == ["確認", "申請"]
    event = kiosk("moving", "--life-event", "-o", str(tmp_path / "moving.svg"))
    assert event.returncode == 0, event.stderr
    unknown = kiosk("no_such_procedure", "-o", str(tmp_path / "x.svg"))
    assert unknown.returncode == 2
    assert len(unknown.stderr.strip().splitlines()) == 1
    assert "'no_such_procedure' is not a procedure" in unknown.stderr
    assert not (tmp_path / "x.svg").exists()


def _session(procedure: str, pages: list[str], abandoned_on: str | None) -> list[UsageEvent]:
    key = uuid.uuid4().hex
    hour = datetime.now().astimezone().replace(minute=0, second=0, microsecond=0)
    steps = [
        (UsageKind.SESSION_STARTED, {"language": "ja", "text_size": "standard"}),
        (UsageKind.PROCEDURE_STARTED, {"procedure": procedure, "detail": "manual"}),
    ]
    for page_id in pages:
        steps.append(
            (UsageKind.PAGE_SHOWN, {"procedure": procedure, "page": page_id, "seconds": 9})
        )
        if page_id == abandoned_on:
            steps.append((UsageKind.PROCEDURE_ABANDONED, {"procedure": procedure, "page": page_id}))
            break
    else:
        steps.append((UsageKind.PROCEDURE_FINISHED, {"procedure": procedure}))
    steps.append((UsageKind.SESSION_ENDED, {}))
    return [
        UsageEvent(session=key, seq=seq, kind=kind, hour=hour, **values)
        for seq, (kind, values) in enumerate(steps)
    ]


def test_the_console_draws_each_shown_procedure_with_its_drop_off(console):  # noqa: F811
    juminhyo = CATALOG.all_procedures_by_id()["juminhyo"]
    first, second = [page.id for page in juminhyo.pages[:2]]
    events = []
    for index in range(7):  # 7 residents reach the first page, 3 give up on it
        reached = [first] if index < 3 else [first, second]
        events += _session("juminhyo", reached, first if index < 3 else None)
    for _ in range(2):  # 転居: too few residents to show anything of it
        events += _session("tenkyo", ["name"], None)
    engine = console.engine()
    try:
        usage_store.store(engine, "kiosk-flow", events)
    finally:
        engine.dispose()
    console.add_user("flow-chief", "supervisor")
    shown = console.login("flow-chief").get(console.url + "/staff/insights", timeout=TIMEOUT)
    assert shown.status_code == 200, shown.text
    start = shown.text.rindex("<svg", 0, shown.text.index('id="flow-juminhyo"'))
    svg = shown.text[start : shown.text.index("</svg>", start) + len("</svg>")]
    first_texts = ["".join(t.itertext()) for t in node(svg, first).iter(SVG + "text")]
    assert "中断 3・かかった時間（中央値） 9秒" in first_texts
    second_texts = ["".join(t.itertext()) for t in node(svg, second).iter(SVG + "text")]
    assert NO_FIGURES in second_texts  # shown to 4 residents: too few to show
    assert 'id="flow-tenkyo"' not in shown.text


def test_a_supervisor_sees_the_flow_with_its_drop_off_in_chromium(console, page, tmp_path):  # noqa: F811
    juminhyo = CATALOG.all_procedures_by_id()["juminhyo"]
    first, second = [p.id for p in juminhyo.pages[:2]]
    events = []
    for index in range(6):  # 6 residents reach both pages, 2 give up on the second
        events += _session("juminhyo", [first, second], second if index < 2 else None)
    engine = console.engine()
    try:
        usage_store.store(engine, "kiosk-shot", events)
    finally:
        engine.dispose()
    name = f"flow-br-{uuid.uuid4().hex[:6]}"
    console.add_user(name, "supervisor")
    page.goto(console.url + "/staff/login")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(console.url + "/staff/insights")
    flow = page.locator("svg#flow-juminhyo")
    worst = flow.locator(f'g[data-page="{second}"]')
    drawn = worst.text_content() or ""
    assert "中断 2" in drawn and "9秒" in drawn
    assert flow.bounding_box()["width"] > 600  # drawn at its A4 width, not squeezed
    flow.scroll_into_view_if_needed()
    shot = screenshot_folder(tmp_path) / "console-flow-juminhyo.png"
    flow.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
