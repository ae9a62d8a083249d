"""MADOGUCHI-PRE/2 at the kiosk: expiry, practice codes, older procedure versions, a postal
code with its chosen town, kanji kept as typed; version 1 still read and never expiring."""

from __future__ import annotations

from datetime import date

import pytest

from core import preentry
from core.catalog_files import load_catalog
from core.flow import ResidentSession, Step
from core.i18n import UiText
from core.preentry import PreEntryError
from devices.scanner import Scan
from kiosk.navigator import Navigator
from kiosk.views import ScanView, Screen
from tests.test_navigator import Inbox

CATALOG = load_catalog("sample-city")
TODAY = date(2026, 12, 5)
TOWN = {"prefecture": "北海道", "city": "札幌市中央区", "town": "北一条西"}


def code(answers, *, procedure="juminhyo", version=1, expires=TODAY, practice=False) -> str:
    return preentry.encode_v2(
        procedure, answers, procedure_version=version, expires=expires, practice=practice
    )


def test_a_version_two_code_carries_its_version_expiry_and_practice_flag():
    entry = preentry.parse(code({"copies": 2}), CATALOG, today=TODAY)
    assert entry.answers == {"copies": 2}
    assert entry.procedure_version == 1 and entry.expires == TODAY and not entry.practice
    assert not entry.older_procedure


def test_an_expired_code_is_refused_the_day_after_its_last_day():
    assert preentry.parse(code({}, expires=TODAY), CATALOG, today=TODAY)
    with pytest.raises(PreEntryError) as refused:
        preentry.parse(code({}, expires=date(2026, 12, 4)), CATALOG, today=TODAY)
    assert refused.value.key == "scan_expired"


def test_a_version_one_code_never_expires():
    entry = preentry.parse(preentry.encode("juminhyo", {"copies": 2}), CATALOG, today=TODAY)
    assert entry.expires is None and entry.procedure_version is None


def test_a_practice_code_only_at_a_practice_kiosk():
    practice_code = code({"copies": 1}, practice=True)
    with pytest.raises(PreEntryError) as refused:
        preentry.parse(practice_code, CATALOG, today=TODAY)
    assert refused.value.key == "scan_practice_code"
    assert preentry.parse(practice_code, CATALOG, today=TODAY, practice=True).practice
    # A real code at a practice kiosk is fine: practice applications are never sent anyway.
    assert preentry.parse(code({"copies": 1}), CATALOG, today=TODAY, practice=True)


@pytest.mark.parametrize(
    "body",
    [
        '{"p":"juminhyo","a":{}}',  # no version, expiry or flag
        '{"p":"juminhyo","v":"1","x":"2026-12-05","t":false,"a":{}}',
        '{"p":"juminhyo","v":1,"x":"20261205","t":false,"a":{}}',
        '{"p":"juminhyo","v":1,"x":"2026-13-05","t":false,"a":{}}',
        '{"p":"juminhyo","v":1,"x":"2026-12-05","t":"no","a":{}}',
        '{"p":"juminhyo","v":true,"x":"2026-12-05","t":false,"a":{}}',
    ],
)
def test_a_version_two_body_without_its_fields_is_not_a_preentry(body):
    with pytest.raises(PreEntryError) as refused:
        preentry.parse(f"MADOGUCHI-PRE/2 {body}", CATALOG, today=TODAY)
    assert refused.value.key == "scan_not_preentry"


def test_a_postal_code_with_its_town_is_carried_and_a_town_elsewhere_is_asked():
    answers = {"postal_code": {"code": "0600001", "chosen": TOWN}, "name": {"code": "x"}}
    entry = preentry.parse(code(answers, procedure="tenkyo"), CATALOG, today=TODAY)
    assert entry.answers == {"postal_code": answers["postal_code"]}
    assert entry.refused == ("name",)
    odd = {"postal_code": {"code": "0600001", "chosen": {**TOWN, "extra": "1"}}}
    assert preentry.parse(code(odd, procedure="tenkyo"), CATALOG, today=TODAY).refused


def test_a_code_for_an_older_procedure_version_asks_only_what_changed():
    """The procedure gained a page and lost one since the code was made, and an answer no
    longer fits: those are asked; the rest is kept."""
    procedure = CATALOG.procedure("juminhyo")
    copies = procedure.pages[0].model_copy(update={"maximum": 3})  # 5 copies: no longer valid
    note = procedure.pages[1].model_copy(update={"id": "note", "type": "text", "options": ()})
    newer = procedure.model_copy(update={"version": 2, "pages": (copies, procedure.pages[1], note)})
    catalog = type(CATALOG)(
        CATALOG.municipality,
        {**CATALOG.all_procedures_by_id(), "juminhyo": newer},
        CATALOG.categories,
        CATALOG.life_events,
    )
    old = code({"applicant": "self", "copies": 5, "purpose": "work", "gone": "x"})
    entry = preentry.parse(old, catalog, today=TODAY)
    assert entry.older_procedure and entry.refused == ("gone",)
    session = ResidentSession(newer, UiText.load(), prefill=entry.answers, today=TODAY)
    asked = []
    while session.step is Step.QUESTION:
        asked.append(session.page.id)
        session.submit({"copies": 2, "note": "引っ越しのため"}[session.page.id])
    assert asked == ["copies", "note"]
    assert session.answers() == {
        "applicant": "self",
        "copies": 2,
        "purpose": "work",
        "note": "引っ越しのため",
    }


def test_kanji_arrive_as_typed_through_the_kiosks_scan(services):
    inbox = Inbox(services)
    navigator = Navigator(services)
    navigator.open_scan()
    name = "𠮷田\u3000葛󠄀子"  # beyond JIS X 0208, and a variation selector
    text = code({"applicant": "self", "name": name}, procedure="tenkyo", expires=date.today())
    services.on_scan(Scan(text, "utf-8"))
    inbox.deliver_until(navigator, lambda: navigator.view.screen is not Screen.SCAN)
    assert navigator.session.answer_for("name") == name


@pytest.mark.parametrize(
    ("made", "problem"),
    [
        ({"expires": date(2020, 1, 1)}, "scan_expired"),
        ({"practice": True}, "scan_practice_code"),
        ({"procedure": "no_such_procedure"}, "scan_unknown_procedure"),
    ],
)
def test_the_kiosk_says_why_a_code_cannot_be_used_and_keeps_nothing(services, made, problem):
    inbox = Inbox(services)
    navigator = Navigator(services)
    navigator.open_scan()
    settings = {"expires": date.today(), **made}
    services.on_scan(Scan(code({"copies": 2}, **settings), "utf-8"))
    inbox.deliver_until(navigator, lambda: navigator.view.problem is not None)
    assert navigator.view == ScanView(problem)
    assert services.take_preentry_session() is None
    assert problem in services.ui  # a plain message in every language (translation check)


def test_a_practice_kiosk_takes_a_practice_code(services):
    services.set_practice(True)
    inbox = Inbox(services)
    navigator = Navigator(services)
    navigator.open_scan()
    practice_code = code({"applicant": "self", "copies": 2, "purpose": "work"}, practice=True)
    services.on_scan(
        Scan(practice_code.replace(TODAY.isoformat(), date.today().isoformat()), "utf-8")
    )
    inbox.deliver_until(navigator, lambda: navigator.view.screen is not Screen.SCAN)
    assert navigator.session.answers()["copies"] == 2
