"""The usage page in real Chromium: accessible (axe-core: no serious or critical violation),
no console error, and its SVG charts drawn with the numbers beside the bars."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backend import usage_store
from tests.browser import axe_report, axe_violations, screenshot, screenshot_folder
from tests.console_support import PASSWORD, RunningConsole
from tests.test_usage_console import _session


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    root = tmp_path_factory.mktemp("usage-console")
    running = RunningConsole(root / "backend", f"sqlite:///{root / 'backend.sqlite3'}")
    running.start()
    yield running
    running.stop()


def test_the_usage_page_is_accessible_and_draws_its_charts(console, page, console_errors, tmp_path):
    # console_errors fails the test at its end on any script error or request elsewhere.
    events = []
    for index in range(8):
        events += _session("juminhyo", "ja", "copies" if index < 3 else None)
    engine = console.engine()
    try:
        usage_store.store(engine, "kiosk-01", events)
    finally:
        engine.dispose()
    console.add_user("usage-br", "supervisor")
    page.goto(console.url + "/staff/login")
    page.fill("#login-name", "usage-br")
    page.fill("#login-password", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".who-name")).to_have_text("usage-br")
    page.click("text=利用の状況")

    expect(page.locator("h1")).to_have_text("利用の状況")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)  # the procedures, and 住民票's pages
    expect(charts.first).to_contain_text("完了 5 / 中断 3")
    assert charts.first.bounding_box()["width"] > 300
    found = axe_violations(page)
    assert found == [], axe_report(found)
    screenshot(page, screenshot_folder(tmp_path) / "console-insights.png", full_page=True)
