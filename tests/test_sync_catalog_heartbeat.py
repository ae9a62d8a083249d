"""Catalog pull (200, 304, a bad catalog refused) and the heartbeat with staff alerts, against
the real backend under uvicorn."""

import shutil
import time
from importlib import resources
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from core.sealing import fingerprint, generate_key_pair, unseal
from core.wire import STAFF_PREFIX
from kiosk.cli.local_backend import build_services
from kiosk.sync.status import sync_status
from tests.helpers import finalize_juminhyo
from tests.netutil import free_port
from tests.sync_support import Backend, kiosk_settings

FOLDERS = ("categories", "life_events", "municipalities", "procedures")
DEADLINE_S = 30


def copy_catalog(target: Path) -> Path:
    shipped = Path(str(resources.files("assets")))
    for folder in FOLDERS:
        shutil.copytree(shipped / folder, target / folder)
    return target


def retitle_juminhyo(catalog: Path, title: str) -> None:
    procedure = catalog / "procedures" / "juminhyo.toml"
    text = procedure.read_text(encoding="utf-8")
    procedure.write_text(
        text.replace('ja = "住民票の写しの交付請求"', f'ja = "{title}"', 1), encoding="utf-8"
    )


@pytest.fixture
def served_catalog(tmp_path):
    return copy_catalog(tmp_path / "served-catalog")


@pytest.fixture
def backend(tmp_path, served_catalog):
    server = Backend(tmp_path / "backend", free_port(), catalog=served_catalog)
    generate_key_pair(server.paths.keys)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def kiosk(backend, kiosk_paths):
    services = build_services(kiosk_settings(backend), kiosk_paths)
    yield services
    services.close()


def test_catalog_pull_200_then_304_and_used_at_the_next_start(
    backend, kiosk, kiosk_paths, served_catalog
):
    retitle_juminhyo(served_catalog, "住民票の写し（新しい版）")
    pulled = kiosk.sync.pull_catalog()
    assert pulled.changed and pulled.error is None and len(pulled.version) == 64
    assert kiosk.sync.pull_catalog() == type(pulled)(False, pulled.version)  # 304
    assert kiosk.store.sync_state()["catalog_version"] == pulled.version
    # The running kiosk keeps its catalog; the pulled one is used from the next start.
    assert kiosk.catalog.procedure("juminhyo").title.root["ja"] == "住民票の写しの交付請求"
    again = build_services(kiosk_settings(backend), kiosk_paths)
    try:
        assert again.catalog.procedure("juminhyo").title.root["ja"] == "住民票の写し（新しい版）"
        assert again.sync.catalog_version == pulled.version
    finally:
        again.close()
    # A technician's own catalog_dir wins over the pulled one.
    mine = build_services(kiosk_settings(backend, catalog_dir=served_catalog.parent), kiosk_paths)
    try:
        assert mine.catalog.procedure("juminhyo").title.root["ja"] == "住民票の写しの交付請求"
    finally:
        mine.close()


def test_a_bad_catalog_is_refused_and_the_last_good_one_stays(
    backend, kiosk, kiosk_paths, served_catalog
):
    good = kiosk.sync.pull_catalog()
    in_place = kiosk_paths.pulled_catalog.resolve()
    (served_catalog / "procedures" / "juminhyo.toml").write_text(
        'id = "juminhyo"\nversion = "one"\n', encoding="utf-8"
    )
    refused = kiosk.sync.pull_catalog()
    assert not refused.changed and refused.version == good.version
    assert "refused" in refused.error and "juminhyo" in refused.error
    assert kiosk_paths.pulled_catalog.resolve() == in_place  # the last good one, untouched
    status = sync_status(kiosk.store)
    assert status["catalog_version"] == good.version
    assert "juminhyo" in status["catalog_error"]
    staged = [p for p in (kiosk_paths.data_dir / "catalog-versions").iterdir()]
    assert staged == [in_place]  # no staging folder left behind

    copy_back = copy_catalog(served_catalog.parent / "fixed")
    shutil.copy(copy_back / "procedures" / "juminhyo.toml", served_catalog / "procedures")
    fixed = kiosk.sync.pull_catalog()
    assert fixed.error is None and sync_status(kiosk.store)["catalog_error"] is None


def wait_for(condition, what: str):
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.1)  # polling for a condition, with a deadline
    raise AssertionError(f"timed out waiting for {what}")


def test_a_staff_call_goes_out_with_the_next_heartbeat_at_once(backend, kiosk):
    kiosk.start_sync()  # the first heartbeat goes at start; then only every 60 s
    wait_for(lambda: kiosk.store.sync_state().get("last_heartbeat"), "the first heartbeat")
    kiosk.call_staff("review")

    def staff_sees_it():
        reply = backend.staff_get(STAFF_PREFIX + "/kiosks")
        assert reply.status_code == 200, reply.text
        return [
            (k, a)
            for k in reply.json()
            for a in k["alerts"]
            if k["kiosk_id"] == "kiosk-01" and a["kind"] == "staff_call"
        ]

    [(health, alert)] = wait_for(staff_sees_it, "the staff call at the backend")
    assert alert["detail"] == "review"
    assert health["devices"]["printer"] and health["queue_depth"] == 0
    assert health["app_version"] and health["catalog_version"] == kiosk.catalog.content_version
    wait_for(lambda: kiosk.store.pending_alerts() == [], "the alert to be forgotten")
    assert abs(sync_status(kiosk.store)["clock_skew_s"]) < 60


def test_alerts_wait_while_the_backend_is_down(backend, kiosk):
    backend.stop()
    kiosk.call_staff("home")
    assert "unreachable" in kiosk.sync.heartbeat()
    assert [a["kind"] for a in kiosk.store.pending_alerts()] == ["staff_call"]
    assert sync_status(kiosk.store)["heartbeat_error"]


def test_device_problems_become_alerts_and_a_large_clock_skew_is_warned_once(
    kiosk, backend, caplog
):
    from kiosk.events import StaffAlertRaised

    kiosk.events.publish(StaffAlertRaised("printer", ("paper_near_end", "paper_out")))
    kinds = [a["kind"] for a in kiosk.store.pending_alerts()]
    assert kinds == ["printer_paper_near_end", "printer_paper_out"]
    from datetime import datetime, timedelta

    kiosk.sync.clock = lambda: datetime.now().astimezone() - timedelta(minutes=10)
    with caplog.at_level("WARNING", logger="kiosk.sync.heartbeat"):
        assert kiosk.sync.heartbeat() is None
        assert kiosk.sync.heartbeat() is None
    assert 590 < sync_status(kiosk.store)["clock_skew_s"] < 610  # server − local
    warnings = [r for r in caplog.records if "clock" in r.getMessage()]
    assert len(warnings) == 1 and "behind" in warnings[0].getMessage()


def _private_key(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def test_the_sealing_key_comes_with_the_pulled_municipality_profile_and_is_pinned(
    backend, kiosk_paths, tmp_path
):

    # A kiosk told only where the backend is: no key of its own configured.
    settings = kiosk_settings(backend, seal_public_key=None)
    first = build_services(settings, kiosk_paths)
    try:
        assert not first.accepting_applications()  # no key yet: nothing real is taken
        assert first.sync.pull_catalog().changed
    finally:
        first.close()

    again = build_services(settings, kiosk_paths)
    try:
        assert again.accepting_applications()
        application = finalize_juminhyo(again)
        sealed = again.store.application(application.id)["sealed"]
    finally:
        again.close()
    private = _private_key(backend.paths.keys / "private.pem")
    assert unseal(sealed, private, application.id)["procedure"] == "juminhyo"
    pinned = kiosk_paths.pinned_seal_key.read_text().strip()
    assert pinned == fingerprint(private.public_key())

    # A configured fingerprint of another key refuses the profile's key.
    other = generate_key_pair(tmp_path / "other")[0]
    other_print = fingerprint(_private_key(other).public_key())
    refusing = build_services(
        settings.model_copy(update={"seal_key_fingerprint": other_print}), kiosk_paths
    )
    try:
        assert not refusing.accepting_applications()
        assert "not the expected one" in refusing.seal_key_problem
        assert "municipality profile" in refusing.seal_key_problem
    finally:
        refusing.close()
