"""Phone pre-entry (issue 15): what each page of /pre/ weighs and how long the server takes to
make it, on a walk through every shipped procedure; and the QR payload of the largest one
(MADOGUCHI-PRE/2, its QR version at error correction M).

The walks run in-process (the ASGI app through Starlette's test client), so the time is the
server's own: the door, the state opened and sealed again, the flow engine replayed, the page
rendered. The baseline is the health endpoint of the same app through the same client: what any
request costs. Answers come from kiosk.simulate (each valid on its page), text answers made
long from the catalog's own sentences, as residents with long names and addresses give them.
"""

from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

from bench.runner import Result

PAGE_BUDGET_BYTES = 50 * 1024  # docs/UX.md: each page ≤ 50 KB over the wire
TIME_TARGET_MS = 50.0
QR_VERSION_TARGET = 25  # 117 modules: ≥ 0.45 mm a module across 55 mm of a phone screen
LONG = {"kanji_name": 20, "kana_name": 30, "address": 60, "text": 80}
# A household's ordinary answers (as bench.receipt_qr_bench.TYPICAL): the code of a household
# of four must fit too; long answers are measured for one person.
TYPICAL = {"kanji_name": 6, "kana_name": 10, "address": 30, "text": 40}
_STATE = re.compile(r'name="state" value="([^"]+)"')


def _client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from backend.app import create_app
    from backend.limits import Limits
    from backend.paths import BackendPaths
    from backend.preentry.limits import PageBudget
    from backend.ratelimit import Rate

    folder = Path(tempfile.mkdtemp(prefix="madoguchi-bench-pre-"))
    app = create_app(BackendPaths(folder), limits=Limits(tokenless=Rate(10**9, 1.0)))
    app.state.preentry_budget = PageBudget(Rate(10**9, 1.0))  # the bench is one address
    return TestClient(app)


# Members of a repeated group in the walked answers: a household of four (every person who
# moved, every child, every item), as the receipt's bench measures it (bench.receipt_qr_bench).
HOUSEHOLD = 4


def _long_flat_answers(
    procedure, ui, area, lengths: dict | None = None, members: int = HOUSEHOLD
) -> tuple[dict[str, Any], dict[str, int]]:
    """Every page answered (kiosk.simulate, in the city where a page asks for that), text
    answers long (LONG, capped at the page's limit) from the catalog's sentences; an in-city
    address keeps its start (the city and town) and grows after it. By the session's own page
    ids (mover_name#2 …), with each group's number of members (`members` at most)."""
    import jaconv

    from backend.preentry.pages import today
    from backend.preentry.walk import phone_procedure
    from core.catalog import TEXT_TYPES, FieldType
    from core.catalog_files import load_catalog
    from core.catalog_pages import APPLICANT_PAGE, Applicant, member_page_id
    from core.flow import ResidentSession
    from core.members import spread
    from kiosk.simulate import BUILT_IN_RESIDENTS, answer_every_page

    catalog = load_catalog("sample-city")
    asked = phone_procedure(procedure)
    # Dated as the phone form dates them, in office time: a date picked by this machine's
    # clock (UTC here) fell outside 転出's range from midnight in Japan until 9:00.
    session = ResidentSession(asked, ui, area=area, today=today())
    answer_every_page(session, BUILT_IN_RESIDENTS[0], random.Random(15))
    gathered = session.answers()
    for group in asked.groups:
        if isinstance(gathered.get(group.id), list):
            gathered[group.id] = gathered[group.id][:members]
    answers, counts = spread(gathered, asked)
    kanji = "".join(p.title.text("ja") for p in catalog.procedures())
    kana = jaconv.hira2kata("".join(p.title.text("ja-easy") for p in catalog.procedures()))
    kana = "".join(c for c in kana if "\u30a1" <= c <= "\u30fc")
    pages = {page.id: page for page in session.pages}
    pages |= {page.id: page for page in asked.pages}
    for key, value in answers.items():
        page = pages[key.partition("#")[0]] if key not in pages else pages[key]
        if page.type in TEXT_TYPES and isinstance(value, str):
            source = kana if page.type is FieldType.KANA_NAME else kanji
            length = min(page.length_limit, (lengths or LONG).get(page.type.value, 40))
            start = value if page.in_municipality else ""
            shift = len(key) % 7  # members' answers differ from each other
            answers[key] = (start + (source * 4)[shift:])[:length]
    # The first member is the applicant (first_from), unless a proxy applied.
    if answers.get(APPLICANT_PAGE) != Applicant.PROXY:
        for group in asked.groups:
            for page_id, source in group.first_from.items():
                if member_page_id(page_id, 1) in answers and source in answers:
                    answers[member_page_id(page_id, 1)] = answers[source]
    return answers, counts


def _long_answers(
    procedure, ui, area, lengths: dict | None = None, members: int = HOUSEHOLD
) -> dict[str, Any]:
    """_long_flat_answers as they travel: each group a list of its members."""
    from backend.preentry.walk import phone_procedure
    from core.members import gathered

    answers, counts = _long_flat_answers(procedure, ui, area, lengths, members)
    return gathered(answers, phone_procedure(procedure), counts)


def _fields(page, value) -> dict[str, Any]:
    """A stored answer as the phone's form fields would send it."""
    from core.catalog import FieldType

    kind = page.type
    if kind is FieldType.DATE:
        year, month, day = value.split("-")
        return {"era": "", "year": year, "month": month, "day": day}
    if kind is FieldType.POSTAL_CODE:
        town = value["candidates"].index(value["chosen"]) if value.get("chosen") else 0
        return {"code": value["code"], "town": str(town)}
    if kind is FieldType.YES_NO:
        return {"answer": "yes" if value else "no"}
    if kind is FieldType.CONSENT:
        return {"answer": "agree"}
    return {"answer": value}


def _timed(call) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = call()
    return time.perf_counter() - started, answer


def walk_every_procedure() -> tuple[list[tuple[str, int, float]], float]:
    """(procedure:page, bytes with the stylesheet, seconds) for every page of every walk, and
    the median seconds of the health endpoint beside them."""
    from backend.preentry.catalog import phone_catalog
    from backend.preentry.pages import today
    from backend.preentry.walk import phone_procedure
    from core.catalog_pages import more_page_id
    from core.flow import ResidentSession, Step

    client = _client()
    phone = phone_catalog(client.app.state.catalog)
    css = len(client.get("/pre/static/pre.css").content)
    pages: list[tuple[str, int, float]] = []
    health: list[float] = []
    for procedure in phone.catalog.procedures():
        answers, counts = _long_flat_answers(procedure, phone.ui, phone.area())
        seconds, answer = _timed(lambda p=procedure: client.get(f"/pre/start/{p.id}"))
        pages.append((f"{procedure.id}:start", len(answer.content) + css, seconds))
        mirror = ResidentSession(
            phone_procedure(procedure), phone.ui, area=phone.area(), today=today()
        )
        while mirror.step is Step.QUESTION:
            page = mirror.page
            group = next((g for g in procedure.groups if page.id == more_page_id(g.id)), None)
            if group is not None:  # 「ほかにも…」: はい until the household is listed
                value = mirror.members(group.id) < counts[group.id]
            else:
                value = answers[page.id]
            fields = {"state": _STATE.search(answer.text).group(1), "action": "next"}
            fields.update(_fields(page, value))
            seconds, answer = _timed(lambda f=fields: client.post("/pre/step", data=f))
            mirror.submit(value)
            pages.append((f"{procedure.id}:{page.id}", len(answer.content) + css, seconds))
            health.append(_timed(lambda: client.get("/api/v1/health"))[0])
        finish = {"state": _STATE.search(answer.text).group(1), "action": "finish"}
        seconds, answer = _timed(lambda f=finish: client.post("/pre/step", data=f))
        assert "<svg" in answer.text, f"{procedure.id}: no QR on the last page"
        pages.append((f"{procedure.id}:code", len(answer.content) + css, seconds))
    return pages, statistics.median(health)


def bench_preentry_page_weight(repeat: int) -> Result:
    pages, _ = walk_every_procedure()
    heaviest = max(pages, key=lambda item: item[1])
    weights = [size for _, size, _ in pages]
    return Result(
        "preentry-page-weight",
        "KB",
        heaviest[1] / 1024,
        PAGE_BUDGET_BYTES / 1024,
        "the budget (docs/UX.md)",
        "≤ 50 KB a page, stylesheet included",
        heaviest[1] <= PAGE_BUDGET_BYTES,
        f"heaviest {heaviest[0]}; median {statistics.median(weights) / 1024:.1f} KB over "
        f"{len(pages)} pages of every shipped procedure (long answers); nothing else loads",
    )


def bench_preentry_server_time(repeat: int) -> Result:
    runs = [walk_every_procedure() for _ in range(max(1, min(repeat, 3)))]
    per_page = [seconds for pages, _ in runs for _, _, seconds in pages]
    p95 = statistics.quantiles(per_page, n=20)[-1] * 1000
    health = statistics.median(run[1] for run in runs) * 1000
    return Result(
        "preentry-server-time",
        "ms p95",
        p95,
        health,
        "GET /api/v1/health, same app",
        f"≤ {TIME_TARGET_MS:.0f} ms a page",
        p95 <= TIME_TARGET_MS,
        f"median {statistics.median(per_page) * 1000:.1f} ms over {len(per_page)} pages "
        f"(state opened, flow replayed, page rendered, state sealed); in-process ASGI",
    )


def largest_payload(lengths: dict | None = None, members: int = 1) -> tuple[str, str, str]:
    """(procedure id, MADOGUCHI-PRE/2 code, the same answers as a /1 code) of the procedure
    whose answers (long by default, groups of `members`) make the largest code."""
    from backend.preentry.answers import payload_answers
    from backend.preentry.walk import phone_procedure
    from core import preentry
    from core.catalog_files import load_catalog
    from core.flow import ResidentSession
    from core.i18n import UiText
    from core.postal_area import municipal_area

    catalog, ui = load_catalog("sample-city"), UiText.load()
    area = municipal_area(catalog.municipality)
    found = []
    for procedure in catalog.procedures():
        session = ResidentSession(phone_procedure(procedure), ui, area=area)
        answers = _long_answers(procedure, ui, area, lengths, members)
        pages = {page.id: page for page in session.pages}
        carried = payload_answers(answers, pages, procedure.groups)
        code = preentry.encode_v2(
            procedure.id,
            carried,
            procedure_version=procedure.version,
            expires=date(2026, 12, 19),
            practice=False,
        )
        found.append(
            (len(code.encode()), procedure.id, code, preentry.encode(procedure.id, carried))
        )
    _, procedure_id, code, old = max(found)
    return procedure_id, code, old


def bench_preentry_qr_payload(repeat: int) -> Result:
    from backend.preentry.qr_svg import qr_version
    from core import preentry

    procedure_id, code, old = largest_payload()
    household_id, household, _ = largest_payload(TYPICAL, HOUSEHOLD)
    version, household_version = qr_version(code), qr_version(household)
    size = len(code.encode())
    bodies = [len(text.partition(" ")[2]) for text in (code, household)]
    return Result(
        "preentry-qr-payload",
        "bytes",
        size,
        len(old.encode()),
        "the same answers as MADOGUCHI-PRE/1",
        f"QR version ≤ {QR_VERSION_TARGET} at M; body ≤ {preentry.MAX_PAYLOAD_CHARS} chars"
        f" (long answers for one person; a household of {HOUSEHOLD} with ordinary ones)",
        max(version, household_version) <= QR_VERSION_TARGET
        and max(bodies) <= preentry.MAX_PAYLOAD_CHARS,
        f"largest: {procedure_id}, long answers (names 20, kana 30, addresses 60 characters); "
        f"QR version {version} ({17 + 4 * version} modules) at error correction M; "
        f"a household of {HOUSEHOLD} (names 6, kana 10, addresses 30): largest "
        f"{household_id} {len(household.encode())} bytes, QR version {household_version}",
    )
