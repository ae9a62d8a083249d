"""Fees per choice and per unit: what a resident pays, line by line, from the answers.

One Qt-free function (`fee_breakdown`) computes the lines — label, unit price, count, subtotal
— and the total from a procedure's answers and the municipality's fee table, for the kiosk's
review and completion, the receipt, the phone pre-entry page, the staff console and
`kiosk backend show`: 戸籍謄本 450円 × 2 ＋ 除籍謄本 750円 × 1 ＝ 1,650円 everywhere.

The table lives in the municipality profile ([fees]): a procedure's `fee` key names either a
flat amount per unit (juminhyo = 300) or amounts per choice, keyed by the procedure's page and
option values ([fees.koseki.certificate] tohon = 450, joseki = 750). The procedure's
`fee_units` says what multiplies it: one counting page, or one per choice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.catalog_pages import CHOICE_TYPES
from core.i18n import LocalizedText

if TYPE_CHECKING:
    from core.catalog import Procedure
    from core.municipality import Municipality


@dataclass(frozen=True)
class FeeLine:
    label: LocalizedText  # the choice (戸籍謄本) or, for a flat fee, the procedure's title
    unit_price: int  # yen
    count: int

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.count


@dataclass(frozen=True)
class FeeBreakdown:
    lines: tuple[FeeLine, ...]

    @property
    def total(self) -> int:
        return sum(line.subtotal for line in self.lines)


def yen(amount: int) -> str:
    """1650 → "1,650": amounts are read faster with the thousands marked."""
    return f"{amount:,}"


def _count(answers: Mapping[str, Any], page_id: str | None) -> int:
    """A counting page's answer, or a group's number of members; one when it is not
    answered (or not a count)."""
    value = answers.get(page_id) if page_id else None
    if isinstance(value, list):
        return max(len(value), 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return 1
    return value


def _chosen(answer: object) -> list[str]:
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, list | tuple):
        return [value for value in answer if isinstance(value, str)]
    return []


def _members(answers: Mapping[str, Any], group_id: str) -> list[Mapping[str, Any]]:
    listed = answers.get(group_id)
    return [m for m in listed if isinstance(m, Mapping)] if isinstance(listed, list) else []


def unit_count(procedure: Procedure, answers: Mapping[str, Any]) -> int:
    """How many units a flat fee is due for: the counting page's answer, or with per-choice
    counting pages the sum over the chosen kinds; one when nothing counts them."""
    units = procedure.fee_units
    if not isinstance(units, dict):
        return _count(answers, units)
    count = sum(
        _count(answers, per_option[value])
        for page_id, per_option in units.items()
        for value in _chosen(answers.get(page_id))
        if value in per_option
    )
    return max(count, 1)


def fee_breakdown(
    procedure: Procedure, answers: Mapping[str, Any], fees: Mapping[str, Any]
) -> FeeBreakdown | None:
    """The fee lines for these answers (those of pages that apply), or None when nothing is
    due: no fee key, no amount in this municipality, or no priced choice was made."""
    entry = fees.get(procedure.fee) if procedure.fee else None
    if entry is None or isinstance(entry, bool):
        return None
    units = procedure.fee_units
    per_choice_units = units if isinstance(units, dict) else {}
    if isinstance(entry, int):
        return FeeBreakdown((FeeLine(procedure.title, entry, unit_count(procedure, answers)),))
    lines: list[FeeLine] = []
    pages = {page.id: page for page in procedure.pages}
    for page_id, prices in entry.items():
        page = pages.get(page_id)
        if page is None or page.type not in CHOICE_TYPES:
            continue  # the catalog check reports it; nothing is charged for it here
        group = procedure.group_of(page_id)
        if group is not None:  # each member's choice is one unit (粗大ごみ: 家具 800円 × 2)
            chosen = [v for m in _members(answers, group.id) for v in _chosen(m.get(page_id))]
        else:
            chosen = _chosen(answers.get(page_id))
        counted_by = per_choice_units.get(page_id, {})
        for option in page.options:  # in the form's order, not the order tapped
            if option.value not in chosen or option.value not in prices:
                continue
            counter = counted_by.get(option.value) or (units if isinstance(units, str) else None)
            count = chosen.count(option.value) if group else _count(answers, counter)
            lines.append(FeeLine(option.short_label, prices[option.value], count))
    return FeeBreakdown(tuple(lines)) if lines else None


def fee_texts(breakdown: FeeBreakdown | None, language: str, t: Callable[..., str]) -> list[str]:
    """The lines a screen shows, t(key, **values) giving the UI text in `language`: one line
    for a single item ("手数料：300円 × 2 ＝ 600円"), else one per item and the total."""
    if breakdown is None:
        return []
    if len(breakdown.lines) == 1:
        line = breakdown.lines[0]
        return [t("fee_line", fee=yen(line.unit_price), count=line.count, total=yen(line.subtotal))]
    texts = [
        t(
            "fee_item",
            label=line.label.text(language),
            fee=yen(line.unit_price),
            count=line.count,
            total=yen(line.subtotal),
        )
        for line in breakdown.lines
    ]
    return [*texts, t("fee_total", total=yen(breakdown.total))]


def fee_summary_ja(breakdown: FeeBreakdown | None) -> str:
    """For staff (console, PDF, `kiosk backend show`): "1,650円（戸籍謄本 450円 × 2 ＋ 除籍謄本
    750円 × 1）", "300円", or なし."""
    if breakdown is None:
        return "なし"
    lines = breakdown.lines
    if len(lines) == 1 and lines[0].count == 1:
        return f"{yen(breakdown.total)}円"
    if len(lines) == 1:
        return f"{yen(breakdown.total)}円（{yen(lines[0].unit_price)}円 × {lines[0].count}）"
    parts = " ＋ ".join(
        f"{line.label.text('ja')} {yen(line.unit_price)}円 × {line.count}" for line in lines
    )
    return f"{yen(breakdown.total)}円（{parts}）"


def check_fee_table(
    municipality: Municipality, procedures: Mapping[str, Procedure], where: str | None = None
) -> list[str]:
    """A fee table against the catalog: every per-choice price names a procedure's fee key,
    a choice page of it and one of that page's options; words name the file, the place, the
    wrong value and the allowed ones."""
    where = where or f"municipalities/{municipality.id}.toml"
    problems: list[str] = []
    users: dict[str, list[Procedure]] = {}
    for procedure in procedures.values():
        if procedure.fee:
            users.setdefault(procedure.fee, []).append(procedure)
    for key, entry in municipality.fees.items():
        if isinstance(entry, int):
            continue
        if key not in users:
            known = ", ".join(sorted(users)) or "none"
            problems.append(
                f"{where}: fees.{key}: '{key}' is not the fee of any procedure (allowed: {known})"
            )
            continue
        for procedure in users[key]:
            pages = {page.id: page for page in procedure.pages}
            choice_pages = sorted(p.id for p in procedure.pages if p.type in CHOICE_TYPES)
            for page_id, prices in entry.items():
                page = pages.get(page_id)
                if page is None or page.type not in CHOICE_TYPES:
                    problems.append(
                        f"{where}: fees.{key}.{page_id}: '{page_id}' is not a choice page of"
                        f" procedure {procedure.id} (allowed: {', '.join(choice_pages) or 'none'})"
                    )
                    continue
                values = [option.value for option in page.options]
                problems += [
                    f"{where}: fees.{key}.{page_id}.{value}: '{value}' is not an option of"
                    f" page '{page_id}' of procedure {procedure.id}"
                    f" (allowed: {', '.join(values)})"
                    for value in prices
                    if value not in values
                ]
    return problems
