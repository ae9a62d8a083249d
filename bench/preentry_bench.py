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


def _long_answers(procedure, ui, area) -> dict[str, Any]:
    """Every page answered (kiosk.simulate, in the city where a page asks for that), text
    answers long (LONG, capped at the page's limit) from the catalog's sentences; an in-city
    address keeps its start (the city and town) and grows after it."""
    import jaconv

    from backend.preentry.walk import phone_procedure
    from core.catalog import TEXT_TYPES, FieldType
    from core.catalog_files import load_catalog
    from core.flow import ResidentSession
    from kiosk.simulate import BUILT_IN_RESIDENTS, answer_every_page

    catalog = load_catalog("sample-city")
    session = ResidentSession(phone_procedure(procedure), ui, area=area)
    answer_every_page(session, BUILT_IN_RESIDENTS[0], random.Random(15))
    answers = session.answers()
    kanji = "".join(p.title.text("ja") for p in catalog.procedures())
    kana = jaconv.hira2kata("".join(p.title.text("ja-easy") for p in catalog.procedures()))
    kana = "".join(c for c in kana if "\u30a1" <= c <= "\u30fc")
    for page in session.pages:
        if page.type in TEXT_TYPES and isinstance(answers.get(page.id), str):
            source = kana if page.type is FieldType.KANA_NAME else kanji
            length = min(page.length_limit, LONG.get(page.type.value, 40))
            start = answers[page.id] if page.in_municipality else ""
            answers[page.id] = (start + source * 4)[:length]
    return answers


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
    from backend.preentry.walk import phone_procedure
    from core.flow import ResidentSession, Step

    client = _client()
    phone = phone_catalog(client.app.state.catalog)
    css = len(client.get("/pre/static/pre.css").content)
    pages: list[tuple[str, int, float]] = []
    health: list[float] = []
    for procedure in phone.catalog.procedures():
        answers = _long_answers(procedure, phone.ui, phone.area())
        seconds, answer = _timed(lambda p=procedure: client.get(f"/pre/start/{p.id}"))
        pages.append((f"{procedure.id}:start", len(answer.content) + css, seconds))
        mirror = ResidentSession(phone_procedure(procedure), phone.ui, area=phone.area())
        while mirror.step is Step.QUESTION:
            page = mirror.page
            fields = {"state": _STATE.search(answer.text).group(1), "action": "next"}
            fields.update(_fields(page, answers[page.id]))
            seconds, answer = _timed(lambda f=fields: client.post("/pre/step", data=f))
            mirror.submit(answers[page.id])
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


def largest_payload() -> tuple[str, str, str]:
    """(procedure id, MADOGUCHI-PRE/2 code, the same answers as a /1 code) of the procedure
    whose long answers make the largest code."""
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
        answers = _long_answers(procedure, ui, area)
        pages = {page.id: page for page in session.pages}
        carried = payload_answers(answers, pages)
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
    version = qr_version(code)
    size = len(code.encode())
    body = len(code.partition(" ")[2])
    return Result(
        "preentry-qr-payload",
        "bytes",
        size,
        len(old.encode()),
        "the same answers as MADOGUCHI-PRE/1",
        f"QR version ≤ {QR_VERSION_TARGET} at M; body ≤ {preentry.MAX_PAYLOAD_CHARS} chars",
        version <= QR_VERSION_TARGET and body <= preentry.MAX_PAYLOAD_CHARS,
        f"largest: {procedure_id}, long answers (names 20, kana 30, addresses 60 characters); "
        f"QR version {version} ({17 + 4 * version} modules) at error correction M",
    )
