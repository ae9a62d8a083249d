"""The browser test infrastructure itself (tests/browser.py): Debian's Chromium driven by
Playwright, pages served by real uvicorn in its own process, axe-core, the loopback-only guard
and the JavaScript error collector. Each check is proven on a page that plants the fault.
Nothing here skips: without chromium or axe-core these tests fail."""

from __future__ import annotations

import subprocess

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response

from core.wire import HEALTH_PATH
from tests.browser import (
    axe_report,
    axe_violations,
    chromium_executable,
    rendered_fonts,
    screenshot,
    served_app,
    served_backend,
    tab_walk,
)

# --- the pages, served by `uvicorn tests.test_browser_infra:app` in a subprocess ------------

app = FastAPI()
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def html(title: str, body: str, head: str = "") -> str:
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,">{head}</head>
<body><main>{body}</main></body></html>"""


PAGES = {
    "japanese": html(
        "窓口",
        '<h1 id="heading">書かない窓口</h1><p id="kanji">住民票の写しの交付申請 𠮷野 髙子</p>',
    ),
    # Everything axe's rules look at, done right; served with a strict CSP like the console's.
    "clean": html(
        "受付一覧",
        """<h1>受付一覧</h1>
<form><label for="number">受付番号</label> <input id="number" name="number">
<button type="submit">開く</button></form>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="市のマーク">""",
    ),
    # Planted: an image without alt, a button without a name.
    "violations": html(
        "違反",
        """<h1>違反</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button id="unnamed"></button>""",
    ),
    # Planted: a script from another host (a CDN) and a style from another host.
    "foreign": html(
        "外部",
        "<h1>外部</h1>",
        head='<script src="https://cdn.example.com/htmx.min.js"></script>'
        '<link rel="stylesheet" href="http://fonts.example.net/noto.css">',
    ),
    # Planted: an uncaught JavaScript error, from a same-origin script (the CSP allows it).
    "broken": html("壊れた", "<h1>壊れた</h1>", head='<script src="/static/broken.js"></script>'),
    "keyboard": html(
        "キーボード",
        """<h1>キーボード</h1>
<label for="qr">受付票のQR</label><input id="qr">
<button id="open">開く</button>
<a id="help" href="#help">使い方</a>
<button id="skipped" tabindex="-1">飛ばされる</button>
<select id="status" aria-label="状態"><option>受付済</option><option>処理中</option></select>""",
    ),
}


@app.get("/pages/{name}", response_class=HTMLResponse)
def serve_page(name: str) -> HTMLResponse:
    # The foreign page has no CSP: the guard under test is the browser's, not the page's.
    headers = {} if name == "foreign" else {"Content-Security-Policy": CSP}
    return HTMLResponse(PAGES[name], headers=headers)


@app.get("/static/broken.js")
def broken_script() -> Response:
    return Response("window.undefinedFunction();", media_type="text/javascript")


@pytest.fixture(scope="module")
def site():
    with served_app("tests.test_browser_infra:app") as url:
        yield url


# --- the tests -----------------------------------------------------------------------------


def test_playwright_drives_debians_chromium(chromium):
    printed = subprocess.run(
        [chromium_executable(), "--version"], capture_output=True, text=True, timeout=30
    ).stdout
    assert chromium.version in printed  # "Chromium 156.0.8078.114 built on Debian …"
    assert "Debian" in printed


def test_a_page_renders_japanese_in_a_japanese_font(page, site, tmp_path):
    page.goto(site + "/pages/japanese")
    assert page.inner_text("#heading") == "書かない窓口"
    fonts = rendered_fonts(page, "#heading")
    assert any("CJK JP" in family for family in fonts), fonts  # not tofu boxes
    assert sum(fonts.values()) == len("書かない窓口")
    # 𠮷 (outside the BMP) and 髙 draw from a real font too.
    assert all("CJK" in family or "IPA" in family for family in rendered_fonts(page, "#kanji"))
    assert page.evaluate("navigator.language") == "ja-JP"
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"
    assert page.evaluate("[innerWidth, innerHeight]") == [1366, 768]
    shot = screenshot(page, tmp_path / "shots" / "japanese.png")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 2000


def test_axe_finds_planted_violations_and_none_on_a_clean_page(page, site):
    page.goto(site + "/pages/violations")
    found = {v["id"]: v for v in axe_violations(page)}
    assert {"image-alt", "button-name"} <= found.keys(), axe_report(list(found.values()))
    assert found["button-name"]["nodes"][0]["target"] == ["#unnamed"]

    # The clean page carries a strict Content-Security-Policy: axe still runs (evaluate, not
    # a script tag), and finds nothing of any impact.
    page.goto(site + "/pages/clean")
    everything = axe_violations(page, impacts=None)
    assert everything == [], axe_report(everything)


def test_a_request_to_another_host_is_blocked_and_fails_the_test(page, site, console_errors):
    page.goto(site + "/pages/foreign")
    _, blocked = console_errors.take()
    assert sorted(blocked) == [
        "http://fonts.example.net/noto.css",
        "https://cdn.example.com/htmx.min.js",
    ]
    assert page.evaluate("typeof window.htmx") == "undefined"
    # Left in the collector, they fail the test (at its end, or here when checked).
    page.goto(site + "/pages/foreign")
    with pytest.raises(pytest.fail.Exception, match=r"cdn\.example\.com"):
        console_errors.check()
    console_errors.take()


def test_a_javascript_error_fails_the_test(page, site, console_errors):
    page.goto(site + "/pages/broken")
    page.wait_for_load_state("load")
    with pytest.raises(pytest.fail.Exception, match="undefinedFunction"):
        console_errors.check()
    errors, blocked = console_errors.take()
    assert blocked == [] and any("undefinedFunction" in e for e in errors), errors


def test_tab_moves_focus_through_the_page_in_order(page, site):
    page.goto(site + "/pages/keyboard")
    walk = tab_walk(page, 4)
    assert walk == ['input#qr ""', 'button#open "開く"', 'a#help "使い方"', 'select#status "状態"']
    assert tab_walk(page, 1, "Shift+Tab") == ['a#help "使い方"']
    page.keyboard.type("A-001")  # typing on a link types nowhere
    page.focus("#qr")
    page.keyboard.type("MADOGUCHI1:A-001:abc")  # as a USB scanner types it
    assert page.input_value("#qr") == "MADOGUCHI1:A-001:abc"


def test_the_reference_backend_serves_a_browser(page, tmp_path):
    with served_backend(tmp_path / "backend") as url:
        response = page.goto(url + HEALTH_PATH)
        assert response is not None and response.status == 200
        assert '"ok"' in page.inner_text("body")
