"""Headless residents: walk real procedures through the flow engine and finalize them.

For load tests, crash tests and demos (`kiosk simulate residents N`). Each simulated resident
answers every page the way a person would (their own name, birth date and address where a page
asks for them, the first sensible option elsewhere) through the same validation a touch screen
uses, and the application is finalized by the same services call. One line per application,
`<reception number> <application id>`, is written as soon as the commit has returned, so a test
that kills the process knows exactly which numbers a resident would have seen.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from core.area import NO_AREA, MunicipalArea
from core.catalog import FieldType, Page, Procedure
from core.errors import plain
from core.flow import ResidentSession, Step
from core.validators import Valid

# Fictional residents (no real person): the hard cases of shared/testdata in miniature.
BUILT_IN_RESIDENTS: tuple[dict[str, str], ...] = (
    {
        "name": "山田 花子",
        "kana": "ヤマダ ハナコ",
        "birth": "1948-03-15",
        "postal": "100-0001",
        "address": "東京都千代田区千代田1-1",
        "phone": "03-1234-5678",
    },
    {
        "name": "𠮷野 髙子",
        "kana": "ヨシノ タカコ",
        "birth": "1989-01-07",
        "postal": "060-0001",
        "address": "北海道札幌市中央区北一条西2丁目1番地 サンプルマンション101号室",
        "phone": "011-222-3333",
    },
    {
        "name": "渡邊 一郎",
        "kana": "ワタナベ イチロウ",
        "birth": "2019-05-01",
        "postal": "530-0001",
        "address": "大阪府大阪市北区梅田3-1-1",
        "phone": "090-1234-5678",
    },
)

# Used when a page's own constraints refuse the resident's value (a child's birth date that
# must be recent, a moving day that must not be in the future …).
_FALLBACK: dict[FieldType, tuple[Any, ...]] = {
    FieldType.KANA_NAME: ("ヤマダ ハナコ",),
    FieldType.KANJI_NAME: ("山田 花子",),
    FieldType.POSTAL_CODE: ("100-0001",),
    FieldType.ADDRESS: ("千代田1-1",),
    FieldType.PHONE: ("03-1234-5678",),
    FieldType.CONSENT: (True,),
    FieldType.TEXT: ("特になし",),
    FieldType.YES_NO: (True, False),
    FieldType.MY_NUMBER: ("621498320257",),  # a check-digit-valid number of no one
}


class SimulationError(Exception):
    """A procedure a simulated resident could not complete: names the page."""


@dataclass(frozen=True)
class SimulatedApplication:
    reception_number: str
    application_id: str
    procedure_id: str


def load_residents(path: Path | None) -> list[dict[str, str]]:
    """Residents from a file in shared/testdata's format ({"residents": [...]}) or built in.
    A file that cannot be used raises SimulationError, in words."""
    if path is None:
        return list(BUILT_IN_RESIDENTS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise SimulationError(f"{path}: not a residents file ({plain(error)})") from None
    residents = data.get("residents") if isinstance(data, dict) else data
    if not isinstance(residents, list) or not all(
        isinstance(person, dict) and all(isinstance(v, str) for v in person.values())
        for person in residents
    ):
        raise SimulationError(f'{path}: expected {{"residents": [{{"name": "…", …}}, …]}}')
    if not residents:
        raise SimulationError(f"{path}: no residents in the file")
    return residents


def _dates(page: Page, resident: dict[str, str], today: date) -> Iterator[str]:
    if "birth" in resident:
        yield resident["birth"]
    earliest = page.earliest or date(1950, 1, 1)
    for candidate in (date(1980, 4, 1), earliest, today):
        if candidate >= earliest:
            yield candidate.isoformat()


def _candidates(
    page: Page,
    resident: dict[str, str],
    rng: random.Random,
    today: date,
    area: MunicipalArea = NO_AREA,
) -> Iterator[Any]:
    kind = page.type
    if page.in_municipality and area.known:
        # An in-city page takes only the municipality's own ground: a town of it, first.
        town = rng.choice(area.town_names())
        if kind is FieldType.POSTAL_CODE:
            yield town.postal_code
        elif kind is FieldType.ADDRESS:
            yield f"{town.name}{rng.randint(1, 9)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}"
    own = {
        FieldType.KANA_NAME: "kana",
        FieldType.KANJI_NAME: "name",
        FieldType.POSTAL_CODE: "postal",
        FieldType.ADDRESS: "address",
        FieldType.PHONE: "phone",
    }.get(kind)
    if own and resident.get(own):
        yield resident[own]
    if kind is FieldType.DATE:
        yield from _dates(page, resident, today)
    elif kind is FieldType.SINGLE_CHOICE:
        values = [option.value for option in page.options]
        yield from rng.sample(values, len(values))
    elif kind is FieldType.MULTIPLE_CHOICE:
        values = [option.value for option in page.options]
        yield values[: max(page.low, 1)]
        yield values[: page.low]
    elif kind in (FieldType.NUMBER, FieldType.COPIES):
        yield rng.randint(page.low, min(page.high, page.low + 2))
    yield from _FALLBACK.get(kind, ())


def answer_every_page(
    session: ResidentSession, resident: dict[str, str], rng: random.Random
) -> None:
    """Answer until the review page, each answer through the page's own validation."""
    today = session.today or date.today()
    answered = 0
    # len(session.pages) grows as a repeated group gains members (core.members), and its
    # 「ほかにも…」 is answered once per member: re-read it, twice over.
    while answered <= 2 * len(session.pages):
        answered += 1
        if session.step is Step.REVIEW:
            return
        page = session.page
        for answer in _candidates(page, resident, rng, today, session.area):
            if isinstance(session.submit(answer), Valid):
                break
        else:
            raise SimulationError(
                f"{session.procedure.id}: no simulated answer is valid on page '{page.id}'"
            )
    if session.step is not Step.REVIEW:
        raise SimulationError(f"{session.procedure.id}: the review page was never reached")


def simulate_residents(
    count: int,
    procedures: list[Procedure],
    start_session: Callable[[str], ResidentSession],
    finalize: Callable[[ResidentSession], Any],
    out: TextIO,
    residents: list[dict[str, str]] | None = None,
    seed: int | None = None,
) -> list[SimulatedApplication]:
    """`count` residents, each a random procedure of `procedures`, finalized one after another."""
    rng = random.Random(seed)
    people = residents or list(BUILT_IN_RESIDENTS)
    done: list[SimulatedApplication] = []
    for _ in range(count):
        procedure = rng.choice(procedures)
        session = start_session(procedure.id)
        answer_every_page(session, rng.choice(people), rng)
        application = finalize(session)
        session.wipe()  # as the kiosk does when the resident leaves
        line = f"{application.reception_number} {application.id}"
        print(line, file=out, flush=True)  # flushed after the commit: see the module note
        done.append(
            SimulatedApplication(str(application.reception_number), application.id, procedure.id)
        )
    return done
