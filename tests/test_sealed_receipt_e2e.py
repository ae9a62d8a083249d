"""Issue 14 end to end, with real parts: a kiosk (its services, headless) registers its receipt
key while online, loses the network, a resident finalizes, the receipt prints on the printer
emulator over a socat pty, zbarimg reads the printed PNG, a clerk logged in to the real console
(uvicorn, SQLite and PostgreSQL) scans it and the application opens marked 未同期; the kiosk
comes back, syncs, and the backend holds one application, not two, and 未同期 is gone."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from backend import db
from backend.provisioning import issue_token
from core.catalog import Catalog
from kiosk.cli.local_backend import build_services
from kiosk.config import KioskPaths, load_settings
from kiosk.simulate import BUILT_IN_RESIDENTS, answer_every_page
from tests.console_support import TIMEOUT, console  # noqa: F401
from tests.emulators import printer_emulator
from tests.netutil import free_port
from tests.postgres import postgres_server  # noqa: F401

PROCEDURE = "tenkyo"  # among the largest shipped procedures (bench/receipt_qr_bench.py)
UNSYNCED = "未同期"


def sealed_catalog(folder: Path) -> Path:
    """The sample city's profile with the sealed receipt QR turned on (the test profile)."""
    shipped = Path(__file__).resolve().parents[1] / "assets" / "municipalities"
    text = (shipped / "sample-city.toml").read_text(encoding="utf-8")
    turned_on, count = re.subn(
        r"^sealed_receipt_qr = false$", "sealed_receipt_qr = true", text, flags=re.MULTILINE
    )
    if count == 0:  # a profile that does not name the option: it is off by default
        turned_on, count = re.subn(
            r'^id = "sample-city"$',
            'id = "sample-city"\nsealed_receipt_qr = true',
            text,
            flags=re.MULTILINE,
        )
    assert count == 1
    (folder / "municipalities").mkdir(parents=True)
    (folder / "municipalities" / "sample-city.toml").write_text(turned_on, encoding="utf-8")
    return folder


def rows_of(console, application_id: str) -> list:  # noqa: F811
    engine = console.engine()
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(db.applications.c.kiosk_id, db.applications.c.unsynced).where(
                    db.applications.c.id == application_id
                )
            ).all()
    finally:
        engine.dispose()


def zbar(png: Path) -> str:
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return decoded.stdout.strip()


@pytest.fixture
def kiosk(console, tmp_path):  # noqa: F811
    """A kiosk of its own against the console's backend, printing to the emulator."""
    kiosk_id = f"kiosk-e2e-{free_port()}"
    link, paper = tmp_path / "printer", tmp_path / "paper"
    root = tmp_path / "kiosk-home"
    paths = KioskPaths(root / "config", root / "data", root / "logs")
    paths.create()
    settings = load_settings(
        environ={},
        kiosk_id=kiosk_id,
        backend_url=console.url,
        backend_token=issue_token(console.database, "kiosk", kiosk_id),
        seal_public_key=console.paths.keys / "public.pem",
        catalog_dir=sealed_catalog(tmp_path / "catalog"),
        printer=f"serial://{link}?baud=115200",
    )
    with printer_emulator(link, paper) as emulator:
        services = build_services(settings, paths)
        try:
            yield services, emulator, paper
        finally:
            services.close()


def clerk_for(console, name: str) -> requests.Session:  # noqa: F811
    division = (
        Catalog.load("sample-city")
        .counter_for(Catalog.load("sample-city").procedure(PROCEDURE))
        .division
    )
    console.add_user(name, "clerk", [division or "市民課"])
    return console.login(name)


def scan(console, browser: requests.Session, code: str) -> requests.Response:  # noqa: F811
    return browser.post(
        console.url + "/staff/find",
        data={"csrf_token": console.csrf(browser), "code": code},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def test_an_offline_receipt_opens_at_the_counter_and_later_syncs_as_the_same(console, kiosk):  # noqa: F811
    services, emulator, paper = kiosk
    online = services.sync.settings
    assert services.sync.heartbeat() is None  # online: the receipt key goes with it
    offline = online.model_copy(update={"backend_url": f"http://127.0.0.1:{free_port()}"})
    services.sync.settings = offline  # the network goes down

    session = services.start_session(PROCEDURE)
    answer_every_page(session, BUILT_IN_RESIDENTS[0], random.Random(14))
    application = services.finalize(session, "ja-easy")
    services.wait_for_devices()
    emulator.wait_for("printed receipt-0001")
    assert application.receipt_code.startswith("MADOGUCHI3:")
    assert services.sync.drain_once().error  # offline: the kiosk keeps it
    printed = (paper / "receipt-0001.txt").read_text(encoding="utf-8")
    assert "まどぐちで この かみを みせて ください" in printed  # the resident's language line
    code = zbar(paper / "receipt-0001.png")
    assert code == application.receipt_code
    assert rows_of(console, application.id) == []  # nothing reached the backend

    browser = clerk_for(console, f"clerk-{application.id[:8]}")
    opened = scan(console, browser, code)
    assert opened.status_code == 303, opened.text
    page = browser.get(console.url + opened.headers["location"], timeout=TIMEOUT)
    assert page.status_code == 200 and UNSYNCED in page.text
    assert str(application.reception_number) in page.text
    queue = browser.get(console.url + "/staff/", timeout=TIMEOUT)
    assert UNSYNCED in queue.text
    assert rows_of(console, application.id) == [(services.settings.kiosk_id, 1)]

    again = scan(console, browser, code)  # scanned twice: the same application
    assert again.headers["location"] == opened.headers["location"]
    assert len(rows_of(console, application.id)) == 1

    services.sync.settings = online  # the network is back
    report = services.sync.drain_once()
    assert report.error is None, report
    assert rows_of(console, application.id) == [(services.settings.kiosk_id, 0)]
    page = browser.get(console.url + opened.headers["location"], timeout=TIMEOUT)
    assert page.status_code == 200 and UNSYNCED not in page.text


def test_the_scan_field_refuses_plainly_and_a_get_stores_nothing(console, kiosk):  # noqa: F811
    services, _, _ = kiosk
    session = services.start_session("juminhyo")
    answer_every_page(session, BUILT_IN_RESIDENTS[0], random.Random(1))
    # The key never reached the backend: the heartbeat was not sent.
    application = services.finalize(session)
    services.wait_for_devices()
    code = application.receipt_code
    assert code.startswith("MADOGUCHI3:")
    browser = clerk_for(console, f"clerk-{application.id[:8]}")

    unknown = scan(console, browser, code)
    assert unknown.status_code == 404 and "保存はしていません" in unknown.text
    assert "端末がネットワークにつながって同期するまでお待ちください" in unknown.text

    assert services.sync.heartbeat() is None  # now the backend knows the key
    looked = browser.get(console.url + "/staff/find", params={"code": code}, timeout=TIMEOUT)
    assert looked.status_code == 200 and "受付票から開く" in looked.text
    assert rows_of(console, application.id) == []  # a GET never stores

    truncated = scan(console, browser, code[:-20])
    assert truncated.status_code == 404 and "保存はしていません" in truncated.text
    assert rows_of(console, application.id) == []
    assert scan(console, browser, code).status_code == 303
    assert len(rows_of(console, application.id)) == 1
