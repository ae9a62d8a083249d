"""`kiosk backend insights [--since T] [--until T] [--json]`: the usage figures for the backend
host's administrator, exact (backend/insights.py counts; the console hides small cells)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from backend import terminal
from backend.catalog_bundle import CatalogSource
from backend.console.catalog_view import console_catalog
from backend.insights import Period, figures
from backend.paths import BackendPaths
from backend.staff_cli import parse_since
from core.errors import CommandFailed


def insights(args: argparse.Namespace, _paths: BackendPaths, engine: Engine) -> int:
    since = parse_since(args.since)
    until = parse_since(args.until) if args.until else datetime.now().astimezone()
    if since is not None and since >= until:
        raise CommandFailed("--since must be before --until")
    found = figures(engine, Period(since, until), paper_minutes(args.catalog))
    if args.json:
        terminal.json_document(found)
        return 0
    terminal.lines(_readable(found))
    return 0


def paper_minutes(catalog_dir: Path | None) -> dict[str, float]:
    """The municipality profile's paper_form_minutes (none without a profile)."""
    municipality = console_catalog(CatalogSource(catalog_dir)).municipality
    return dict(municipality.paper_form_minutes) if municipality else {}


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 分"


def _seconds(value: int | None) -> str:
    return "—" if value is None else f"{value} 秒"


def _readable(found: dict) -> list[str]:
    lines = [
        f"期間        {found['since'] or '最初'} 〜 {found['until'] or '今'}",
        f"利用        {found['sessions']} 回（練習 {found['practice_sessions']} 回は別）",
    ]
    for procedure in found["procedures"]:
        lines.append("")
        lines.append(
            f"{procedure['id']}: 開始 {procedure['started']}  完了 {procedure['finished']}  "
            f"中断 {procedure['abandoned']}  転送 {procedure['redirected']}  "
            f"完了率 {_rate(procedure['completion_rate'])}"
        )
        lines.append(
            f"  1件の時間  中央値 {_minutes(procedure['minutes_median'])}  "
            f"90% {_minutes(procedure['minutes_p90'])}  "
            f"紙の申請書 {_minutes(procedure['paper_minutes'])}"
        )
        for other, count in procedure["redirected_to"].items():
            lines.append(f"  → {other} へ {count}")
        for page in procedure["pages"]:
            lines.append(
                f"  {page['id']:<24} 表示 {page['shown']:>5}  中断 {page['abandoned']:>4}  "
                f"転送 {page['redirected']:>4}  "
                f"中央値 {_seconds(page['median_s'])}  90% {_seconds(page['p90_s'])}  "
                f"入力エラー {page['refused']}  職員呼出 {page['staff_calls']}"
            )
    for title, key, name in (
        ("言語", "languages", "id"),
        ("文字の大きさ", "text_sizes", "id"),
        ("端末", "kiosks", "id"),
        ("曜日（0=月）", "weekdays", "weekday"),
        ("時間帯", "hours", "hour"),
    ):
        lines.append("")
        lines.append(title)
        lines += [
            f"  {row[name]!s:<12} {row['sessions']:>6} 回  完了 {row['finished']}"
            + (f"  途中で切替 {row['switched']}" if "switched" in row else "")
            for row in found[key]
        ]
    return lines
