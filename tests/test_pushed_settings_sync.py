"""The kiosk receiving pushed settings from the real backend (`kiosk backend serve`, its own
process): the heartbeat keeps them in data/backend-settings.json only when they differ and
announces them; they apply between residents; a kiosk that cannot reach the backend keeps its
last ones, across a restart too; a reply without them changes nothing."""

from __future__ import annotations

import json
import logging
import stat
from datetime import UTC, datetime

from backend import db, kiosk_settings
from core.pushed_settings import PushedSettings
from core.wire import HeartbeatReply
from kiosk.cli.local_backend import build_services
from kiosk.config import TextSize
from kiosk.events import SettingsArrived
from tests.sync_support import Backend
from tests.sync_support import kiosk_settings as kiosk_settings_for


def push(backend: Backend, scope: str, settings: PushedSettings) -> None:
    engine = db.connect(f"sqlite:///{backend.paths.database}")
    try:
        kiosk_settings.write(engine, scope, settings, who="console:test-admin")
    finally:
        engine.dispose()


def test_settings_arrive_with_a_heartbeat_and_apply_between_residents(live_backend, kiosk_paths):
    services = build_services(
        kiosk_settings_for(live_backend, data_dir=kiosk_paths.data_dir), kiosk_paths
    )
    arrived: list[SettingsArrived] = []
    services.events.subscribe(
        lambda event: arrived.append(event) if isinstance(event, SettingsArrived) else None
    )
    try:
        assert services.sync.heartbeat() is None
        assert not kiosk_paths.backend_settings.exists() and arrived == []  # nothing pushed

        push(live_backend, kiosk_settings.FLEET, PushedSettings(practice=True, idle_quiet_s=150))
        push(
            live_backend,
            "kiosk-01",
            PushedSettings(text_size="large", procedures=["juminhyo", "koseki"]),
        )
        push(live_backend, "kiosk-02", PushedSettings(text_size="largest"))  # not this one's
        assert services.sync.heartbeat() is None
        kept = json.loads(kiosk_paths.backend_settings.read_text(encoding="utf-8"))
        assert kept == {
            "practice": True,
            "idle_quiet_s": 150.0,
            "text_size": "large",
            "procedures": ["juminhyo", "koseki"],
        }
        assert stat.S_IMODE(kiosk_paths.backend_settings.stat().st_mode) == 0o600
        assert not list(kiosk_paths.data_dir.glob("*.tmp"))
        assert arrived == [SettingsArrived(("idle_quiet_s", "practice", "procedures", "text_size"))]
        # Not applied yet: a resident may be in the middle of something.
        assert not services.practice and services.settings.text_size is TextSize.STANDARD
        assert len(services.procedures()) > 2

        # The same settings again: the file is not rewritten, nothing is announced.
        written = kiosk_paths.backend_settings.stat().st_mtime_ns
        assert services.sync.heartbeat() is None
        assert kiosk_paths.backend_settings.stat().st_mtime_ns == written and len(arrived) == 1

        changed = services.between_residents()
        assert changed >= {"practice", "idle_quiet_s", "text_size", "procedures"}
        assert services.practice and services.settings.idle_quiet_s == 150.0
        assert services.settings.text_size is TextSize.LARGE
        assert [p.id for p in services.procedures()] == ["juminhyo", "koseki"]
        where = {s.name: s.source for s in services.setting_sources()}
        assert where["text_size"] == where["practice"] == "backend"
        assert services.between_residents() == frozenset()  # nothing new: nothing to do

        # The backend gone: the kiosk keeps its settings, and after a restart too.
        live_backend.stop()
        assert services.sync.heartbeat() is not None
        assert json.loads(kiosk_paths.backend_settings.read_text(encoding="utf-8")) == kept
    finally:
        services.close()
    restarted = build_services(
        kiosk_settings_for(live_backend, data_dir=kiosk_paths.data_dir), kiosk_paths
    )
    try:
        assert restarted.settings.text_size is TextSize.LARGE and restarted.practice
        assert [p.id for p in restarted.procedures()] == ["juminhyo", "koseki"]
    finally:
        restarted.close()


def test_a_reply_without_settings_keeps_the_file_and_an_empty_set_clears_it(
    live_backend, kiosk_paths, caplog
):
    services = build_services(
        kiosk_settings_for(live_backend, data_dir=kiosk_paths.data_dir), kiosk_paths
    )
    try:
        push(live_backend, "kiosk-01", PushedSettings(out_of_service=True))
        assert services.sync.heartbeat() is None
        before = kiosk_paths.backend_settings.read_bytes()
        # What an older backend answers: no settings field. The kept ones stay.
        sender = services.sync._heartbeat
        sender._keep_settings(HeartbeatReply(server_time=datetime.now(UTC)))
        assert kiosk_paths.backend_settings.read_bytes() == before
        # A newer backend widening a bound: the reply still counts, the settings are dropped
        # and the kept ones stay, with a line in the log.
        wider = HeartbeatReply.model_validate(
            {"server_time": datetime.now(UTC).isoformat(), "settings": {"idle_quiet_s": 7200.5e3}}
        )
        assert wider.settings is None and wider.settings_refused
        with caplog.at_level(logging.WARNING, logger="kiosk.sync.heartbeat"):
            sender._keep_settings(wider)
        assert kiosk_paths.backend_settings.read_bytes() == before
        assert "cannot take" in caplog.text
        services.between_residents()
        assert services.settings.out_of_service

        # The administrator unsets everything: the kiosk's own settings again.
        push(live_backend, "kiosk-01", PushedSettings())
        assert services.sync.heartbeat() is None
        assert json.loads(kiosk_paths.backend_settings.read_text(encoding="utf-8")) == {}
        assert "out_of_service" in services.between_residents()
        assert not services.settings.out_of_service
    finally:
        services.close()
