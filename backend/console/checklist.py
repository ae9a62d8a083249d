"""What a veteran clerk would check, for every clerk: an application's counter checklist and
the flags its answers raise (issue 20).

The checklist is built from what the catalog already says — the person to identify, every
document the resident was told to bring for these answers (a proxy's 委任状 first), the fee —
and the procedure's own `checklist` lines (届出期間 …). The flags are the procedure's `flags`
whose condition holds, counted from the day the application was made (a 転居 reported on the
20th day after the move is late, whenever the clerk opens it). 完了 needs every line ticked;
who ticked which lines goes to the audit log with the status change.

Each line has a key made from what it says, so that the lines ticked on the page are matched
to the lines the server expects even if the catalog was reordered in between.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.console import answers, listing
from backend.console.catalog_view import ConsoleCatalog
from core.catalog import Procedure

IDENTITY = "本人確認書類で、申請した方（代理人のときは代理人）を確認した"
FIELD = "check"  # the form's checkbox name (one value per ticked line)


@dataclass(frozen=True)
class CheckLine:
    key: str
    text: str


def _line(kind: str, text: str) -> CheckLine:
    digest = hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()[:16]
    return CheckLine(f"{kind}-{digest}", text)


def _holds(condition, given: dict[str, Any], on: date | None) -> bool:
    try:
        return condition is None or condition.holds(given, on)
    except (TypeError, ValueError):
        return True  # shown when unsure: the clerk decides


def checklist(
    procedure: Procedure | None, given: dict[str, Any], fee: str, made_on: date
) -> list[CheckLine]:
    """The lines to tick before 完了, in the order a clerk works: who, what they brought,
    the fee, then the procedure's own."""
    lines = [_line("identity", IDENTITY)]
    lines += [
        _line("document", f"確認した：{text}") for text in answers.documents(procedure, given)
    ]
    if fee != "なし":
        lines.append(_line("fee", f"手数料 {fee} を受け取った"))
    for item in procedure.checklist if procedure else ():
        if _holds(item.show_if, given, made_on):
            lines.append(_line(f"catalog.{item.id}", item.text.text("ja")))
    return lines


def flags(procedure: Procedure | None, given: dict[str, Any], made_on: date) -> list[str]:
    """What the answers raise, in the catalog's words, as of the day the application was made."""
    raised = []
    for flag in procedure.flags if procedure else ():
        try:
            holds = flag.when.holds(given, made_on)
        except (TypeError, ValueError):
            holds = False  # an answer of an unexpected shape raises nothing it cannot show
        if holds:
            raised.append(flag.text.text("ja"))
    return raised


def missing(expected: list[CheckLine], ticked: list[str]) -> list[CheckLine]:
    """The lines not ticked (keys the page never showed are ignored, not trusted)."""
    chosen = set(ticked)
    return [line for line in expected if line.key not in chosen]


def counter_checks(
    catalog: ConsoleCatalog, row: dict, given: dict[str, Any]
) -> tuple[str, list[CheckLine], list[str]]:
    """An application's fee, the lines to tick before 完了 and its flags, as of the day it was
    made (the console's page and the staff API ask the same)."""
    procedure = catalog.procedures.get(row["procedure_id"])
    municipality = catalog.municipality
    fee = answers.fee_text(procedure, municipality.fees if municipality else {}, given)
    made_on = listing.today(row["created_at"])
    return fee, checklist(procedure, given, fee, made_on), flags(procedure, given, made_on)
