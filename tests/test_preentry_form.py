"""The phone form's server side without a browser: the kiosk's own rules and messages, a
sealed state that cannot be changed, plain messages, headers, budgets and the guide PDF."""

from __future__ import annotations

import re
import subprocess
import warnings

import pytest

with warnings.catch_warnings():  # starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from backend.app import create_app
from backend.limits import Limits
from backend.paths import BackendPaths
from backend.preentry.limits import BUDGET_STATE, PageBudget
from backend.preentry.walk import phone_procedure
from backend.ratelimit import Rate
from core.catalog import FieldType
from core.catalog_files import load_catalog
from core.i18n import UiText
from core.validators import validate

CATALOG = load_catalog("sample-city")
UI = UiText.load()
STATE = re.compile(r'name="state" value="([^"]+)"')
ONLY_SELF = "default-src 'self'"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    # One app for the module: the door's own per-address budget (tests/test_backend_limits.py
    # tests it) is widened so that it is this form's budget the tests meet.
    door = Limits(tokenless=Rate(100_000, 60.0))
    app = create_app(BackendPaths(tmp_path_factory.mktemp("backend")), limits=door)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def fresh_budget(client):
    """Each test starts with a whole budget (the module shares one app)."""
    setattr(client.app.state, BUDGET_STATE, PageBudget())


def state_of(html: str) -> str:
    return STATE.search(html).group(1)


def heading(html: str) -> str:
    found = re.search(r"<h1>(?:<label[^>]*>)?(.*?)(?:</label>)?</h1>", html, re.S)
    return found.group(1).strip()


def step(client, html: str, action: str = "next", **fields):
    data = {"state": state_of(html), "action": action, **fields}
    return client.post("/pre/step", data=data)


def walk_to(client, procedure: str, answers: list[dict], lang: str = "ja") -> str:
    html = client.get(f"/pre/start/{procedure}?lang={lang}").text
    for fields in answers:
        answer = client.post(
            "/pre/step", data={"state": state_of(html), "action": "next", **fields}
        )
        assert answer.status_code == 200
        html = answer.text
    return html


def kiosk_message(procedure: str, page_id: str, raw, lang: str = "ja") -> str:
    page = next(p for p in CATALOG.procedure(procedure).pages if p.id == page_id)
    result = validate(page, raw)
    return UI.get(result.message_key, lang, **dict(result.values))


def error_on(html: str) -> str:
    return re.search(r'<p class="error-message" id="answer-error">(.*?)</p>', html, re.S).group(1)


def unescaped(text: str) -> str:
    return text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


TENKYO_START = [{"answer": "self"}]


@pytest.mark.parametrize(
    ("before", "page_id", "fields", "raw"),
    [
        (TENKYO_START, "name", {"answer": ""}, ""),
        ([*TENKYO_START, {"answer": "山田 一郎"}], "kana", {"answer": "yamada"}, "yamada"),
        (
            [*TENKYO_START, {"answer": "山田 一郎"}, {"answer": "ヤマダ イチロウ"}],
            "birth_date",
            {"era": "平成", "year": "31", "month": "5", "day": "1"},
            {"era": "平成", "year": "31", "month": "5", "day": "1"},
        ),
    ],
)
@pytest.mark.parametrize("lang", ["ja", "en", "ja-easy"])
def test_an_invalid_answer_gets_the_kiosks_message_next_to_the_field(
    client, before, page_id, fields, raw, lang
):
    html = walk_to(client, "tenkyo", before, lang)
    refused = step(client, html, **fields)
    assert refused.status_code == 200
    message = kiosk_message("tenkyo", page_id, raw, lang)
    assert unescaped(error_on(refused.text)) == message
    assert 'class="error-summary"' in refused.text and 'aria-describedby="' in refused.text


@pytest.mark.parametrize(
    ("page_id", "before", "fields", "raw"),
    [
        ("copies", [{"answer": "self"}], {"answer": "0"}, "0"),
        ("copies", [{"answer": "self"}], {"answer": "二"}, "二"),
        ("purpose", [{"answer": "self"}, {"answer": "2"}], {"answer": "forged"}, "forged"),
        ("purpose", [{"answer": "self"}, {"answer": "2"}], {}, None),
    ],
)
def test_the_server_decides_what_is_valid_not_the_page(client, page_id, before, fields, raw):
    html = walk_to(client, "juminhyo", before)
    refused = step(client, html, **fields)
    assert unescaped(error_on(refused.text)) == kiosk_message("juminhyo", page_id, raw)


TENKYO_TO_POSTAL = [
    {"answer": "self"},
    {"answer": "山田 一郎"},
    {"answer": "ヤマダ イチロウ"},
    {"era": "昭和", "year": "50", "month": "1", "day": "2"},
    {"answer": "札幌市中央区北一条西1丁目"},
    {"era": "", "year": "2024", "month": "1", "day": "1"},
]


def test_each_field_opens_the_phones_own_keyboard(client):
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL)
    assert re.search(
        r'<input id="code"[^>]*inputmode="numeric"[^>]*autocomplete="postal-code"', html
    )
    rest = [
        {"code": "0600001"},
        {"answer": "1-2-3"},
        {"answer": "some"},
        {"answer": "山田 花子"},
    ]
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL + rest)
    assert re.search(r'<input id="answer" name="answer" type="text" inputmode="numeric"', html)
    html = walk_to(
        client,
        "tenkyo",
        [*TENKYO_TO_POSTAL, *rest, {"answer": "2"}, {"answer": "no"}, {"answer": "no"}],
    )
    assert re.search(r'<input id="answer" name="answer" type="tel" inputmode="tel"', html)


def test_a_postal_code_offers_its_towns_from_the_offline_data(client):
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL)
    found = step(client, html, action="lookup", code="０６０－０００１").text
    assert "北海道札幌市中央区北一条西" in found and 'name="town"' in found
    chosen = step(client, found, code="0600001", town="0").text
    assert "北一条西" in chosen and 'class="known-place"' in chosen  # the address page


def test_a_name_with_markup_is_shown_as_text(client):
    typed = '<script>alert("x")</script>'
    html = walk_to(client, "tenkyo", [{"answer": "self"}, {"answer": typed}])
    back = step(client, html, action="back").text
    assert "<script>" not in back and "&lt;script&gt;" in back


def test_a_changed_state_is_a_plain_message_and_start_again(client):
    html = walk_to(client, "juminhyo", [{"answer": "self"}])
    sealed = state_of(html)
    changed = sealed[:40] + ("A" if sealed[40] != "A" else "B") + sealed[41:]
    for state in (changed, sealed[:-10], "", "x" * 20000, "ｘ"):
        refused = client.post("/pre/step", data={"state": state, "action": "next", "lang": "en"})
        assert refused.status_code in (400, 413)
        if refused.status_code == 400:
            assert heading(refused.text) == UI.get("pre_state_refused", "en")


def test_a_state_sealed_by_another_backend_is_refused(client, tmp_path):
    other = TestClient(create_app(BackendPaths(tmp_path / "other")))
    html = other.get("/pre/start/juminhyo").text
    refused = step(client, html, answer="self")
    assert refused.status_code == 400
    assert heading(refused.text) == UI.get("pre_state_refused", "ja")


def test_a_procedure_this_municipality_does_not_offer_is_a_plain_message(client):
    answer = client.get("/pre/start/no_such_procedure?lang=en")
    assert answer.status_code == 404
    assert heading(answer.text) == UI.get("pre_not_offered", "en")
    assert client.get("/pre/category/no_such_category").status_code == 404


def test_no_my_number_page_is_ever_asked_on_the_phone(client):
    procedure = CATALOG.procedure("jido_teate")
    assert any(page.type is FieldType.MY_NUMBER for page in procedure.pages)
    on_phone = phone_procedure(procedure)
    assert all(page.type is not FieldType.MY_NUMBER for page in on_phone.pages)
    assert len(on_phone.pages) == len(procedure.pages) - 1


def test_every_page_has_only_this_host_and_is_never_cached(client):
    html = client.get("/pre/start/juminhyo").text
    answers = [
        client.get("/pre/"),
        client.get("/pre/?lang=ko&practice=1"),
        client.get("/pre/category/certificates"),
        client.get("/pre/start/juminhyo"),
        step(client, html, answer="self"),
        client.get("/pre/start/no_such"),
        client.post("/pre/step", data={"state": "x"}),
    ]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["content-security-policy"].startswith(ONLY_SELF)
        assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
        assert "<script" not in answer.text and " style=" not in answer.text
        assert "http://" not in answer.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in answer.text
        assert len(answer.content) <= 50 * 1024
    css = client.get("/pre/static/pre.css")
    assert css.status_code == 200 and "@font-face" not in css.text and "url(" not in css.text


def test_practice_marks_every_page_and_the_code(client):
    html = client.get("/pre/start/juminhyo?practice=1").text
    assert 'class="practice-mark">練習<' in html
    for fields in ({"answer": "self"}, {"answer": "1"}, {"answer": "work"}):
        html = step(client, html, **fields).text
        assert 'class="practice-mark">練習<' in html
    code = step(client, html, action="finish").text
    assert code.count('class="qr-practice-mark">練習<') == 2


def test_the_language_changes_on_any_page_and_the_answers_stay(client):
    html = walk_to(client, "juminhyo", [{"answer": "self"}, {"answer": "3"}, {"answer": "work"}])
    english = step(client, html, action="lang:en").text
    assert heading(english) == "Check your answers" and "3" in english
    vietnamese = step(client, english, action="lang:vi").text
    assert 'lang="vi"' in vietnamese


def test_back_from_the_first_question_returns_to_its_category(client):
    html = client.get("/pre/start/juminhyo?lang=en").text
    answer = client.post(
        "/pre/step", data={"state": state_of(html), "action": "back"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/pre/category/certificates?lang=en"


def test_an_address_over_its_budget_gets_a_plain_page(client):
    setattr(client.app.state, BUDGET_STATE, PageBudget(Rate(3, 60.0)))
    for _ in range(3):
        assert client.get("/pre/?lang=en").status_code == 200
    refused = client.get("/pre/?lang=en")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "<h1>Too many requests." in refused.text
    assert refused.headers["cache-control"] == "no-store"


def test_the_guide_is_an_a4_pdf_whose_qr_leads_to_the_form(client, tmp_path):
    answer = client.get("/pre/guide.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(answer.content)
    assert answer.content.startswith(b"%PDF") and b"IPAexGothic" in answer.content
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in answer.content  # A4
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "guide")], check=True)
    image = next(tmp_path.glob("guide*.png"))
    read = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, timeout=20
    )
    assert read.stdout.strip() == "http://testserver/pre/"


def test_the_access_log_never_holds_an_answer(client):
    """Answers travel in POST bodies only: every form posts, no link carries an answer."""
    html = walk_to(client, "juminhyo", [{"answer": "self"}, {"answer": "2"}])
    assert all(method == "post" for method in re.findall(r'<form method="(\w+)"', html))
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all("2" not in link.partition("?")[2] for link in links)
