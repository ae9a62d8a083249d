"""A resident's phone fills in 転居届 and 住民票 at /pre/ (real Chromium at 390×844 and
360×640, in Japanese and English); the QR on the last page, read by zbarimg as a scanner reads
it, brings every answer to the kiosk's review, and the application finalizes. Nothing the
resident typed is in the backend's database, files or output afterwards."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import expect

from backend.preentry.qr_png import practice_band, qr_png
from core.wareki import wareki_parts
from devices.scanner import SimulatedScanner
from kiosk.headless import start_xvfb
from kiosk.navigator import Navigator
from kiosk.views import CompletionView, ReviewView, Screen
from tests.browser import new_context, screenshot, screenshot_folder
from tests.emulators import EmulatorProcess
from tests.preentry_support import PhoneWalk, logged_backend, read_qr, save_image, zbar_scan
from tests.test_navigator import Inbox
from tests.test_x11_e2e import kiosk_config, kiosk_environment

KIOSK_START_S = 120  # a kiosk process's start on Xvfb, on a busy two-CPU machine
VIEWPORTS = {"390x844": {"width": 390, "height": 844}, "360x640": {"width": 360, "height": 640}}
# The test resident: every string here must be nowhere on the server after the walks.
NAME = "𠮷田 太郎"
KANA = "ヨシダ タロウ"
HEAD = "髙橋 花子"
HEAD_KANA = "タカハシ ハナコ"
OLD_ADDRESS = "札幌市中央区北一条西2丁目1番地"
NEW_ADDRESS = "3-4-5 ミナミハイツ101"
PHONE = "09012345678"
POSTAL = "0600001"
TOWN = "北海道札幌市中央区北一条西"
# Names keep their kanji exactly; the rule joins their parts with an ideographic space.
STORED_NAME, STORED_KANA, STORED_HEAD = "𠮷田\u3000太郎", "ヨシダ\u3000タロウ", "髙橋\u3000花子"
SECRETS = (
    "𠮷田",
    "太郎",
    "ヨシダ",
    "髙橋",
    "花子",
    OLD_ADDRESS,
    "ミナミハイツ",
    PHONE,
    "1234-5678",
)


def moved_on() -> date:
    return date.today() - timedelta(days=3)


def walk_tenkyo(walk: PhoneWalk, url: str, language: str, pictures: Path | None = None) -> None:
    walk.page.goto(f"{url}/pre/category/moving?lang={language}")
    walk.check()
    walk.page.click("a[href^='/pre/start/tenkyo']")
    walk.check()
    expect(walk.page.locator(".progress")).to_contain_text("1")
    walk.choose("self")
    walk.text(NAME)
    walk.text(KANA)
    walk.date("昭和", 55, 5, 5)  # 1980: 和暦, as an older resident types it
    walk.text(OLD_ADDRESS)
    era, year, month, day = wareki_parts(moved_on())
    walk.date(era, year, month, day)
    walk.page.fill("#code", POSTAL)
    walk.page.click("button[value=lookup]")
    walk.check()
    if pictures is not None:  # the postal code's towns, from the offline data
        screenshot(walk.page, pictures / "preentry-question.png")
    walk.page.get_by_label(TOWN, exact=True).check()
    walk.next()
    expect(walk.page.locator(".known-place")).to_contain_text("北一条西")
    walk.text(NEW_ADDRESS)
    walk.choose("some")
    walk.text(HEAD)
    # Every person who moved, as the paper form lists them: the resident (whose name, reading
    # and birth date are known already: only sex and 続柄 are asked), then one more.
    walk.choose("male")
    walk.choose("spouse")
    walk.choose("yes")  # ほかにも一緒に引っ越した方は
    walk.text(HEAD)
    walk.text(HEAD_KANA)
    walk.date("昭和", 57, 3, 3)
    walk.choose("female")
    walk.choose("head")
    walk.choose("no")  # no one else
    walk.choose("no")  # 国民健康保険 (65歳以上 follows from the birth dates: not asked)
    walk.page.fill("#answer", PHONE)
    walk.next()


def walk_juminhyo(walk: PhoneWalk, url: str, language: str, pictures: Path | None = None) -> None:
    walk.page.goto(f"{url}/pre/?lang={language}")
    walk.check()
    walk.page.click("a[href^='/pre/category/certificates']")
    walk.check()
    walk.page.click("a[href^='/pre/start/juminhyo']")
    walk.check()
    walk.choose("household")
    walk.text("2")
    walk.choose("procedure")


TENKYO_ANSWERS = {
    "applicant": "self",
    "name": STORED_NAME,
    "kana": STORED_KANA,
    "birth_date": "1980-05-05",
    "old_address": OLD_ADDRESS,
    "new_address": NEW_ADDRESS,
    "household_kind": "some",
    "head_name": STORED_HEAD,
    "movers": [
        {
            "mover_name": STORED_NAME,
            "mover_kana": STORED_KANA,
            "mover_birth_date": "1980-05-05",
            "mover_sex": "male",
            "mover_relation": "spouse",
        },
        {
            "mover_name": STORED_HEAD,
            "mover_kana": "タカハシ\u3000ハナコ",
            "mover_birth_date": "1982-03-03",
            "mover_sex": "female",
            "mover_relation": "head",
        },
    ],
    "kokuho": False,
    "elderly": False,
    "phone": PHONE,
}
JUMINHYO_ANSWERS = {"applicant": "household", "copies": 2, "purpose": "procedure"}


def at_the_kiosk(services, scan) -> Navigator:
    """The kiosk's scan page reads the code (the simulated scanner, as a serial one hands a
    frame on), then shows its review."""
    inbox = Inbox(services)
    services.scanner = SimulatedScanner(services.on_scan, services.on_scan_problem)
    navigator = Navigator(services)
    navigator.open_scan()
    services.scanner.inject(scan.text)
    inbox.deliver_until(navigator, lambda: navigator.view.screen is not Screen.SCAN)
    return navigator


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_phone_fills_in_and_the_kiosk_reviews_and_finalizes(
    viewport, chromium, console_errors, services, tmp_path
):
    pictures = screenshot_folder(tmp_path)
    data, log = tmp_path / "backend", tmp_path / "backend.log"
    with logged_backend(data, log) as backend:
        context = new_context(chromium, console_errors, viewport=VIEWPORTS[viewport])
        try:
            walks = [
                ("tenkyo", "ja", walk_tenkyo, TENKYO_ANSWERS),
                ("tenkyo", "en", walk_tenkyo, TENKYO_ANSWERS),
                ("juminhyo", "ja", walk_juminhyo, JUMINHYO_ANSWERS),
                ("juminhyo", "en", walk_juminhyo, JUMINHYO_ANSWERS),
            ]
            for procedure, language, walk_it, expected in walks:
                walk = PhoneWalk(context.new_page())
                # The README's pictures: 転居届 in Japanese on the larger phone.
                shown = viewport == "390x844" and language == "ja" and procedure == "tenkyo"
                walk_it(walk, backend.url, language, pictures if shown else None)
                assert walk.page.locator("h1").inner_text() in (
                    "内容の確認",
                    "Check your answers",
                )
                if procedure == "tenkyo":
                    review = walk.page.locator(".answers").inner_text()
                    assert STORED_NAME in review and "090-1234-5678" in review
                if shown:
                    screenshot(walk.page, pictures / "preentry-review.png")
                walk.page.click("button[value=finish]")
                walk.check()
                qr = read_qr(walk.page, tmp_path, f"{procedure}-{language}")
                if shown:
                    screenshot(walk.page, pictures / "preentry-code.png")
                assert qr.text.startswith("MADOGUCHI-PRE/2 ")
                # 画像を保存, pressed in the browser: the downloaded picture reads the same.
                saved = save_image(walk.page, tmp_path, f"{procedure}-{language}")
                assert zbar_scan(saved) == qr
                navigator = at_the_kiosk(services, qr)
                assert isinstance(navigator.view, ReviewView), navigator.view
                answers = navigator.session.answers()
                for page_id, value in expected.items():
                    assert answers[page_id] == value, page_id
                assert answers["moving_date" if procedure == "tenkyo" else "copies"]
                if procedure == "tenkyo":
                    assert answers["postal_code"]["chosen"]["town"] == "北一条西"
                    assert answers["moving_date"] == moved_on().isoformat()
                done = navigator.submit_application()
                assert isinstance(done, CompletionView)
                walk.page.close()
        finally:
            context.close()
        assert "POST /pre/step" in log.read_text(encoding="utf-8")  # the log is really kept
        kept = backend.stored_bytes()
    for secret in SECRETS:
        assert secret.encode("utf-8") not in kept, secret


def test_a_phones_code_through_the_scanner_emulator_to_a_kiosk_process(
    chromium, console_errors, tmp_path
):
    """The issue's whole way, every part real: Chromium at 390×844 fills in 転居届 (a kanji name
    outside JIS X 0208) at /pre/ on a uvicorn backend; zbarimg reads the QR from a screenshot
    and from the picture 画像を保存 downloads; the code goes through the scanner emulator (a
    socat pty) to a kiosk process of its own on Xvfb, pressed through by real X11 clicks, which
    shows the review with every answer and finalizes the application."""
    with logged_backend(tmp_path / "backend", tmp_path / "backend.log") as backend:
        context = new_context(chromium, console_errors, viewport=VIEWPORTS["390x844"])
        try:
            walk = PhoneWalk(context.new_page())
            walk_tenkyo(walk, backend.url, "ja")
            walk.page.click("button[value=finish]")
            walk.check()
            shown = read_qr(walk.page, tmp_path, "tenkyo-to-kiosk")
            assert zbar_scan(save_image(walk.page, tmp_path, "tenkyo-to-kiosk")) == shown
        finally:
            context.close()
    link = tmp_path / "scanner"
    config = kiosk_config(tmp_path, f'scanner = "{link}"\n')
    screen = start_xvfb(1920, 1080)
    try:
        with EmulatorProcess("devices.emulators.scanner_emulator", "--link", str(link)) as scanner:
            kiosk = EmulatorProcess(
                "tests.x11_driver",
                str(config),
                "preentry",
                env=kiosk_environment(tmp_path, screen.display),
                ready_s=KIOSK_START_S,
            )
            with kiosk:  # "ready": on the scan page, its serial scanner connected
                scanner.send(f"scan {shown.text}")
                result = json.loads(kiosk.wait_for("{", KIOSK_START_S))
                assert kiosk.process.wait(timeout=KIOSK_START_S) == 0
    finally:
        screen.stop()
    answers = result["answers"]
    for page_id, value in TENKYO_ANSWERS.items():
        assert answers[page_id] == value, page_id
    assert answers["postal_code"]["chosen"]["town"] == "北一条西"
    assert answers["moving_date"] == moved_on().isoformat()
    # Every answer on the review the kiosk showed, the kanji name exactly as typed.
    # Each person who moved on rows of their own ("mover_name#2": the second person's name).
    movers = {f"{page}#{n}" for n, mover in enumerate(answers["movers"], 1) for page in mover}
    assert set(result["shown"]) == {"procedure", *answers.keys() - {"movers"}, *movers}
    assert result["shown"]["mover_name#2"] == STORED_HEAD
    assert result["shown"]["name"] == STORED_NAME and result["shown"]["head_name"] == STORED_HEAD
    assert result["shown"]["old_address"] == OLD_ADDRESS
    assert result["shown"]["phone"] == "090-1234-5678"
    assert result["number"] == "A-001" and len(result["outbox"]) == 1


def assert_practice_marked(saved: Path, code: str) -> None:
    """The saved practice picture is the plain code's with a band above and below it, and
    each band is the mark 練習 drawn alone (not blank, not another word)."""
    with Image.open(saved) as opened:
        marked = opened.convert("L")
    with Image.open(io.BytesIO(qr_png(code))) as opened:
        plain = opened.convert("L")
    band = practice_band(plain.width).convert("L")  # compared as grey: 0 and 255
    assert marked.size == (plain.width, plain.height + 2 * band.height)
    top = marked.crop((0, 0, plain.width, band.height))
    middle = marked.crop((0, band.height, plain.width, band.height + plain.height))
    bottom = marked.crop((0, band.height + plain.height, plain.width, marked.height))
    assert ImageChops.difference(middle, plain).getbbox() is None  # the code untouched
    for drawn in (top, bottom):
        assert ImageChops.difference(drawn, band).getbbox() is None
        assert drawn.histogram()[0] > band.width  # black ink, not an empty band
        other = practice_band(plain.width, "本番").convert("L")
        assert ImageChops.difference(drawn, other).getbbox() is not None


def test_a_practice_code_and_the_plain_messages_in_the_browser(
    chromium, console_errors, services, tmp_path
):
    """スマホ教室 at 360×640: every page says 練習, the code carries the flag and a real kiosk
    refuses it in plain words; a changed form state and a procedure not offered here are plain
    pages too (axe on each)."""
    with logged_backend(tmp_path / "backend", tmp_path / "backend.log") as backend:
        context = new_context(chromium, console_errors, viewport=VIEWPORTS["360x640"])
        try:
            walk = PhoneWalk(context.new_page())
            walk.page.goto(f"{backend.url}/pre/start/juminhyo?practice=1")
            walk.check()
            for step in (lambda: walk.choose("self"), lambda: walk.text("1")):
                expect(walk.page.locator(".practice-mark")).to_have_text("練習")
                step()
            walk.choose("work")
            walk.page.click("button[value=finish]")
            walk.check()
            expect(walk.page.locator(".qr-practice-mark")).to_have_count(2)
            scan = read_qr(walk.page, tmp_path, "practice")
            assert '"t":true' in scan.text
            # The saved picture says 練習 too, above and below the code, and still reads.
            saved = save_image(walk.page, tmp_path, "practice")
            assert zbar_scan(saved) == scan
            assert_practice_marked(saved, scan.text)
            kiosk = Navigator(services)
            kiosk.open_scan()
            inbox = Inbox(services)
            services.on_scan(scan)
            inbox.deliver_until(kiosk, lambda: kiosk.view.problem is not None)
            assert kiosk.view.problem == "scan_practice_code"

            walk.page.goto(f"{backend.url}/pre/start/juminhyo?lang=en")
            walk.check()
            walk.page.locator("input[name=state]").first.evaluate(
                "(field) => { field.value = field.value.slice(0, -4) + 'AAAA'; }"
            )
            walk.page.check("#answer-0")
            walk.next()
            expect(walk.page.locator("h1")).to_have_text(
                "We could not check the answers entered so far. Please start again."
            )
            walk.page.goto(f"{backend.url}/pre/start/no_such_procedure?lang=ja-easy")
            walk.check()
            expect(walk.page.locator("h1")).to_contain_text("この てつづきは")
            errors, blocked = console_errors.take()  # Chromium reports the 400 and 404 pages
            assert blocked == [] and len(errors) == 2
            assert "400" in errors[0] and "404" in errors[1]
        finally:
            context.close()
