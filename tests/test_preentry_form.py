"""The phone form's server side without a browser: the kiosk's own rules and messages, a
sealed state that cannot be changed, plain messages, headers, budgets and the guide PDF."""

from __future__ import annotations

import io
import re
import subprocess
import warnings
from datetime import date

import pytest
from PIL import Image

with warnings.catch_warnings():  # starlette's TestClient warns about httpx on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from backend.app import create_app
from backend.limits import Limits
from backend.paths import BackendPaths
from backend.preentry.limits import BUDGET_STATE, PageBudget
from backend.preentry.walk import phone_procedure, replay
from backend.ratelimit import Rate
from core.catalog import FieldType
from core.catalog_files import load_catalog
from core.flow import ResidentSession
from core.i18n import UiText
from core.postal_area import municipal_area
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
    html = walk_to(client, "juminhyo", [{"answer": "self"}])  # 通数: a count
    assert re.search(r'<input id="answer" name="answer" type="text" inputmode="numeric"', html)
    html = walk_to(client, "tenkyo", [*TENKYO_TO_POSTAL, *rest, *ONE_MOVER, {"answer": "no"}])
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


# -- the municipality's ground: in-city pages as the kiosk checks them -------------------------

TOKYO_POSTAL_CODE = "1000001"  # 東京都千代田区千代田: outside the sample city


def kiosk_refusal(procedure_id: str, page_id: str, raw: object, lang: str = "ja") -> str:
    """The message the kiosk's flow gives on the page, with the area the kiosk builds
    (kiosk/services.py start_session): the page alone, after the applicant if one is asked."""
    procedure = CATALOG.procedure(procedure_id)
    page = next(p for p in procedure.pages if p.id == page_id)
    alone = procedure.model_copy(update={"pages": (page,)})
    session = ResidentSession(alone, UI, area=municipal_area(CATALOG.municipality))
    if session.page.id != page_id:
        session.submit("self")
    result = session.submit(raw)
    return UI.get(result.message_key, lang, **dict(result.values))


@pytest.mark.parametrize("action", ["next", "lookup"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_move_within_the_city_refuses_a_postal_code_elsewhere_and_names_the_way(
    client, action, lang
):
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL, lang)
    refused = step(client, html, action=action, code=TOKYO_POSTAL_CODE)
    assert refused.status_code == 200
    assert unescaped(error_on(refused.text)) == kiosk_refusal(
        "tenkyo", "postal_code", TOKYO_POSTAL_CODE, lang
    )
    page = next(p for p in CATALOG.procedure("tenkyo").pages if p.id == "postal_code")
    assert unescaped(page.outside_note.text(lang)) in unescaped(refused.text)  # → 転出届
    other = CATALOG.procedure(page.outside).title.text(lang)
    assert unescaped(elsewhere_button(refused.text)) == UI.get("elsewhere_go", lang, other=other)
    assert 'name="town"' not in refused.text  # no town of Tokyo offered to choose
    assert heading(refused.text) == page.question.text(lang)  # still the same question


def test_a_move_within_the_city_refuses_a_previous_address_elsewhere(client):
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL[:4])
    typed = "東京都千代田区千代田1-1"
    refused = step(client, html, answer=typed)
    assert unescaped(error_on(refused.text)) == kiosk_refusal("tenkyo", "old_address", typed)
    tennyu = CATALOG.procedure("tennyu").title.text("ja")
    assert unescaped(elsewhere_button(refused.text)) == f"「{tennyu}」に進む"
    moved = client.post(
        "/pre/step", data={"state": elsewhere_state(refused.text), "action": "elsewhere"}
    )
    assert moved.status_code == 200
    carried = opened_state(client, moved.text)
    assert carried.procedure_id == "tennyu" and carried.steps == []
    # Who the resident said they are goes along, sealed: never in the page as text.
    assert carried.shared == {
        "name": "山田\u3000一郎",
        "kana": "ヤマダ\u3000イチロウ",
        "birth_date": "1975-01-02",
    }
    assert "山田" not in moved.text and "1975" not in moved.text


ELSEWHERE_FORM = re.compile(r'<form id="elsewhere"[^>]*>(.*?)</form>', re.S)


def elsewhere_button(html: str) -> str:
    """The button that leads to the procedure that fits; it submits its own form."""
    found = re.search(r'<button type="submit" form="elsewhere"[^>]*>([^<]*)</button>', html)
    return found.group(1)


def elsewhere_state(html: str) -> str:
    return state_of(ELSEWHERE_FORM.search(html).group(1))


def opened_state(client, html: str):
    """The sealed state of a page as the server opens it (tests only: a phone cannot)."""
    return client.app.state.preentry_sealer.open(state_of(html))


# The one person who moved (the movers group: 氏名, フリガナ, 生年月日, 性別, 続柄), no one else.
# Applying for themselves, the resident is that person: only 性別 and 続柄 are asked.
ONE_MOVER = [  # the resident, whose name, reading and birth date are known already
    {"answer": "male"},
    {"answer": "head"},
    {"answer": "no"},
]
TENKYO_REVIEW = [
    {"answer": "3-4-5 ミナミハイツ101"},
    {"answer": "all"},
    *ONE_MOVER,
    {"answer": "no"},  # 国民健康保険 (65歳以上 follows from the birth date)
    {"answer": "09012345678"},
]


def test_the_way_to_tennyu_carries_name_kana_birth_date_and_phone(client):
    """A whole 転居届 on the phone, then the previous address changed from the review to one
    in Tokyo: 転入届 begins with who the resident said they are — name, kana, birth date and
    phone, each on the page that asks it there — asked nowhere again; where they lived before
    is its own question there."""
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL)
    towns = step(client, html, action="lookup", code="0600001").text
    html = step(client, towns, code="0600001", town="0").text
    for fields in TENKYO_REVIEW:
        html = step(client, html, **fields).text
    assert heading(html) == "内容の確認"
    html = step(client, html, action="change:old_address").text
    refused = step(client, html, answer="東京都千代田区千代田1-1").text
    tennyu = CATALOG.procedure("tennyu").title.text("ja")
    assert unescaped(elsewhere_button(refused)) == f"「{tennyu}」に進む"
    # The button submits its own form (form="elsewhere", found above by elsewhere_button):
    # Enter in the answer box still means つぎへ.
    moved = client.post(
        "/pre/step", data={"state": elsewhere_state(refused), "action": "elsewhere"}
    )
    carried = opened_state(client, moved.text)
    assert carried.procedure_id == "tennyu" and carried.steps == []
    assert carried.shared == {
        "name": "山田\u3000一郎",
        "kana": "ヤマダ\u3000イチロウ",
        "birth_date": "1975-01-02",
        "phone": "09012345678",
    }
    # They fill their pages there, as the kiosk's carried answers do: not asked, shown on the
    # review. The phone's 転入届 is this same replay of the state, step by step.
    area = municipal_area(CATALOG.municipality)
    walk = replay(carried, CATALOG.procedure("tennyu"), UI, date.today(), area)
    for page_id in ("name", "kana", "birth_date", "phone"):
        assert walk.was_given(page_id) and walk.answer_for(page_id) == carried.shared[page_id]
    assert walk.answer_for("previous_address") is None
    for secret in ("山田", "ヤマダ", "09012345678", "1975"):
        assert secret not in moved.text  # sealed, never in the page as text


def test_a_changed_carried_answer_is_refused_like_any_changed_state(client):
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL[:4])
    refused = step(client, html, answer="東京都千代田区千代田1-1").text
    sealed = elsewhere_state(refused)
    moved = client.post("/pre/step", data={"state": sealed, "action": "elsewhere"}).text
    tampered = state_of(moved)[:-6] + (
        "A" * 6 if not state_of(moved).endswith("A" * 6) else "B" * 6
    )
    answer = client.post("/pre/step", data={"state": tampered, "action": "next", "answer": "self"})
    assert answer.status_code == 400
    # And the way on is taken only from a page that names one.
    start = client.get("/pre/start/juminhyo").text
    assert (
        client.post("/pre/step", data={"state": state_of(start), "action": "elsewhere"}).status_code
        == 400
    )


def test_a_postal_code_of_the_city_is_taken(client):
    inside = municipal_area(CATALOG.municipality).town_names()[0]
    html = walk_to(client, "tenkyo", TENKYO_TO_POSTAL)
    found = step(client, html, action="lookup", code=inside.postal_code).text
    assert 'id="answer-error"' not in found and 'name="town"' in found
    town = re.findall(r'<label for="town-(\d+)">([^<]*)</label>', found)
    index = next(i for i, label in town if label.endswith(inside.name))
    taken = step(client, found, code=inside.postal_code, town=index).text
    assert 'id="answer-error"' not in taken and 'id="answer-elsewhere"' not in taken
    assert inside.name in taken and 'class="known-place"' in taken  # the address page


# -- the QR saved as an image ------------------------------------------------------------------

JUMINHYO_DONE = [{"answer": "self"}, {"answer": "1"}, {"answer": "work"}]
SVG_RUN = re.compile(r"M(\d+) (\d+)\.5|m(\d+) 0|h(\d+)")


def svg_as_png(svg: str, module_px: int = 8) -> bytes:
    """The page's SVG drawn as pixels from its own path (absolute "M x y.5", then "h run" and
    "m gap 0"), so zbarimg reads what a phone's screen shows, with no SVG renderer here."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    path = re.search(r'<path [^>]*d="([^"]+)"', svg).group(1)
    image = Image.new("1", (side, side), 1)
    x = y = 0
    for start_x, start_y, gap, run in SVG_RUN.findall(path):
        if start_x:
            x, y = int(start_x), int(start_y)
        elif gap:
            x += int(gap)
        else:
            for column in range(x, x + int(run)):
                image.putpixel((column, y), 0)
            x += int(run)
    image = image.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def zbar(png: bytes, tmp_path, name: str) -> bytes:
    picture = tmp_path / f"{name}.png"
    picture.write_bytes(png)
    read = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sbinary", str(picture)],
        capture_output=True,
        timeout=20,
        check=True,
    )
    return read.stdout.rstrip(b"\n")


def save_form(code_page: str) -> dict[str, str]:
    form = re.search(
        r'<form method="post" action="/pre/code.png"[^>]*>(.*?)</form>', code_page, re.S
    )
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(1)))


@pytest.mark.parametrize("practice", [False, True])
def test_the_code_saves_as_a_png_that_reads_as_the_pages_code(client, tmp_path, practice):
    start = client.get(f"/pre/start/juminhyo?practice={'1' if practice else ''}").text
    html = start
    for fields in JUMINHYO_DONE:
        html = step(client, html, **fields).text
    page = step(client, html, action="finish").text
    assert UI.get("pre_code_save", "ja") in page
    saved = client.post("/pre/code.png", data=save_form(page))
    assert saved.status_code == 200 and saved.headers["content-type"] == "image/png"
    assert saved.headers["cache-control"] == "no-store"
    disposition = saved.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="madoguchi-juminhyo-')
    assert disposition.endswith('-practice.png"') == practice
    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    on_the_page = zbar(svg_as_png(svg), tmp_path, "page")
    assert on_the_page.startswith(b"MADOGUCHI-PRE/2 ")
    assert zbar(saved.content, tmp_path, "saved") == on_the_page


def test_a_code_image_before_the_review_or_from_a_changed_state_is_a_plain_message(client):
    html = walk_to(client, "juminhyo", JUMINHYO_DONE[:1], lang="en")
    early = client.post("/pre/code.png", data={"state": state_of(html), "lang": "en"})
    assert early.status_code == 400 and early.headers["content-type"].startswith("text/html")
    assert heading(early.text) == UI.get("pre_state_refused", "en")
    changed = client.post("/pre/code.png", data={"state": state_of(html)[:-4] + "AAAA"})
    assert changed.status_code == 400 and "content-disposition" not in changed.headers
