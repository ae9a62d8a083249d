"""Where residents struggle, for supervisors and administrators (/staff/insights): each
procedure's completion rate and the page where residents give up, call staff or take long,
by language, text size, kiosk, weekday and hour, for a span of days, each procedure's flow
drawn with its pages' figures (core/flow_diagram.py); and the same as a CSV download
(/staff/insights.csv). Nothing here is personal (the kiosks send no answer, name or
number), and a group of fewer than five sessions is left out on the page and in the download
alike (backend/insights.for_console). Charts are SVG drawn here (backend/insights_svg.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from backend import insights
from backend.console.audit_page import SupervisorOrAdmin
from backend.console.catalog_view import ConsoleCatalog, console_catalog
from backend.console.refusals import ConsoleRefusal
from backend.console.state import console_state
from backend.console.templates import page
from backend.insights_svg import Bar, bar_chart
from backend.procedure_labels import load_current
from core.csv_safe import writer
from core.flow_diagram import PageFigures, procedure_diagram
from core.i18n import UiText

INSIGHTS = "/staff/insights"
INSIGHTS_CSV = "/staff/insights.csv"
MAX_DAYS = 366
WEEKDAYS = "月火水木金土日"
PAGE_NAMES = {"review": "確認画面", "card": "マイナンバーカード", "elsewhere": "市外の住所"}
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Span:
    """Whole days of the backend host's calendar, first to last, both included."""

    first: date
    last: date

    @classmethod
    def of(cls, since: str, until: str, today: date) -> tuple[Span, list[str]]:
        problems = []
        try:
            first = date.fromisoformat(since) if since else today
            last = date.fromisoformat(until) if until else max(first, today)
        except ValueError:
            return cls(today, today), ["日付は 2026-12-04 の形で入れてください。"]
        if last < first:
            problems.append("終わりの日は始めの日より後にしてください。")
        elif (last - first).days >= MAX_DAYS:
            problems.append(f"期間は {MAX_DAYS} 日までにしてください。")
        return cls(first, last), problems

    def period(self) -> insights.Period:
        start = datetime.combine(self.first, time()).astimezone()
        end = datetime.combine(self.last + timedelta(days=1), time()).astimezone()
        return insights.Period(start, end)

    def query(self) -> str:
        return f"since={self.first.isoformat()}&until={self.last.isoformat()}"


def _figures(request: Request, since: str, until: str) -> tuple[Span, list[str], dict | None]:
    today = console_state(request.app).settings.clock().astimezone().date()
    span, problems = Span.of(since.strip(), until.strip(), today)
    if problems:
        return span, problems, None
    municipality = console_catalog(request.app.state.catalog).municipality
    paper = municipality.paper_form_minutes if municipality else {}
    period = span.period()
    try:
        found = request.app.state.usage_figures.figures(
            (period, tuple(sorted(paper.items()))), request.app.state.engine, period, paper
        )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    return span, [], insights.for_console(found)


def _page_label(labels, procedure_id: str, page_id: str) -> str:
    if page_id in PAGE_NAMES:
        return PAGE_NAMES[page_id]
    procedure = labels.get(procedure_id)
    field = procedure.fields.get(page_id) if procedure else None
    return field.question if field else page_id


def _page_order(labels, procedure_id: str, pages: list[dict]) -> list[dict]:
    """In the order the catalog asks them, then review; pages it no longer has last."""
    procedure = labels.get(procedure_id)
    order = list(procedure.fields) if procedure else []
    order += ["card", "elsewhere", "review"]

    def position(row: dict) -> tuple[int, str]:
        return (order.index(row["id"]) if row["id"] in order else len(order), row["id"])

    return sorted(pages, key=position)


def _charts(found: dict, labels) -> dict:
    def title(pid: str) -> str:
        return labels[pid].title if pid in labels else pid

    procedures = bar_chart(
        "procedures",
        "手続きごとの完了と中断",
        [
            Bar(
                title(p["id"]),
                (p["finished"], p["abandoned"]),
                f"完了 {p['finished']} / 中断 {p['abandoned']}",
            )
            for p in found["procedures"]
        ],
        legend=("完了", "中断"),
    )
    pages = {
        p["id"]: bar_chart(
            f"pages-{p['id']}",
            f"{title(p['id'])}：どのページで中断したか",
            [
                Bar(
                    _page_label(labels, p["id"], row["id"]),
                    (row["abandoned"],),
                    f"中断 {row['abandoned']}・中央値 {row['median_s']} 秒",
                )
                for row in p["pages"]
            ],
        )
        for p in found["procedures"]
    }
    return {"procedures": Markup(procedures), "pages": {k: Markup(v) for k, v in pages.items()}}


@lru_cache(maxsize=1)
def _ui_text() -> UiText:
    """The kiosk's own words for the applicant page it adds (shipped, never edited here)."""
    return UiText.load()


def _flows(found: dict, catalog: ConsoleCatalog) -> dict[str, Markup]:
    """Each shown procedure's flow with its pages' drop-off and median time. Only the pages
    for_console kept carry figures: a page of fewer than five sessions says it has none."""
    titles = {pid: catalog.title(pid) for pid in catalog.procedures}
    flows = {}
    for p in found["procedures"]:
        procedure = catalog.procedures.get(p["id"])
        if procedure is None:
            continue  # no longer in the catalog: its figures still show in the tables
        figures = {row["id"]: PageFigures(row["abandoned"], row["median_s"]) for row in p["pages"]}
        svg = procedure_diagram(procedure, _ui_text(), figures, titles, f"flow-{p['id']}")
        flows[p["id"]] = Markup(svg)  # every text in it is escaped where it is drawn
    return flows


@router.get(INSIGHTS)
def insights_page(
    request: Request,
    user: SupervisorOrAdmin,
    since: str = Query("", max_length=10),
    until: str = Query("", max_length=10),
) -> Response:
    span, problems, found = _figures(request, since, until)
    labels = load_current(request.app.state.catalog)
    if found is not None:
        for procedure in found["procedures"]:
            procedure["pages"] = _page_order(labels, procedure["id"], procedure["pages"])
    return page(
        request,
        "insights.html",
        status=422 if problems else 200,
        problems=problems,
        span=span,
        found=found,
        charts=_charts(found, labels) if found else None,
        flows=_flows(found, console_catalog(request.app.state.catalog)) if found else {},
        titles={pid: label.title for pid, label in labels.items()},
        page_label=lambda pid, page_id: _page_label(labels, pid, page_id),
        weekdays=WEEKDAYS,
        minimum=insights.MIN_SESSIONS,
    )


CSV_HEADER = [
    "区分",
    "手続き",
    "ページ",
    "項目",
    "利用・表示",
    "完了",
    "中断",
    "完了率",
    "中央値（秒）",
    "90%（秒）",
    "入力エラー",
    "職員呼出",
    "転送",
    "1件の分（中央値）",
    "1件の分（90%）",
    "紙の申請書の分",
    "途中で切替",
]


def _csv_rows(found: dict, labels) -> list[list]:
    rows: list[list] = []
    for p in found["procedures"]:
        title = labels[p["id"]].title if p["id"] in labels else p["id"]
        counts = [p["started"], p["finished"], p["abandoned"], p["completion_rate"]]
        minutes = [p["minutes_median"], p["minutes_p90"], p["paper_minutes"]]
        rows.append(
            ["手続き", title, "", "", *counts, "", "", "", "", p["redirected"], *minutes, ""]
        )
        for row in p["pages"]:
            label = _page_label(labels, p["id"], row["id"])
            figures = [row["median_s"], row["p90_s"], row["refused"], row["staff_calls"]]
            counts = [row["shown"], "", row["abandoned"], ""]
            rows.append(
                ["ページ", title, label, "", *counts, *figures, row["redirected"]] + [""] * 4
            )
    for section, key, name in (
        ("言語", "languages", "id"),
        ("文字の大きさ", "text_sizes", "id"),
        ("端末", "kiosks", "id"),
        ("曜日", "weekdays", "weekday"),
        ("時間帯", "hours", "hour"),
    ):
        for row in found[key]:
            value = WEEKDAYS[row[name]] if key == "weekdays" else row[name]
            counts = [row["sessions"], row["finished"]]
            rows.append([section, "", "", value, *counts, *[""] * 10, row.get("switched", "")])
    return rows


@router.get(INSIGHTS_CSV)
def insights_csv(
    request: Request,
    user: SupervisorOrAdmin,
    since: str = Query("", max_length=10),
    until: str = Query("", max_length=10),
) -> Response:
    span, _problems, found = _figures(request, since, until)
    if found is None:
        raise ConsoleRefusal(422)
    out = io.StringIO()
    table = writer(out)
    table.writerow(CSV_HEADER)
    table.writerows(_csv_rows(found, load_current(request.app.state.catalog)))
    name = f"madoguchi-usage-{span.first:%Y%m%d}-{span.last:%Y%m%d}.csv"
    return Response(
        out.getvalue().encode("utf-8-sig"),  # the BOM is what Excel needs
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
