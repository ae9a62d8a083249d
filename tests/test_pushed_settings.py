"""Settings pushed from the backend (issue 17): the shared model agrees with the kiosk's own
Settings at every bound, fleet-wide and per-kiosk sets merge field by field, and the kiosk reads
them as one layer between kiosk.toml and KIOSK_* variables, telling where each value came from
(secrets never by value)."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from core.pushed_settings import TEXT_SIZES, PushedSettings, merge, sources
from core.wire import HeartbeatReply
from kiosk import setting_sources
from kiosk.config import (
    BACKEND_SOURCE,
    CONFIG_FILE_NAME,
    OVERRIDE_SOURCE,
    ConfigError,
    KioskPaths,
    Settings,
    TextSize,
    load_settings,
)
from kiosk.config_base import BACKEND_SETTING_NAMES
from kiosk.first_screen import read_first_screen
from kiosk.setting_sources import SECRET_SETTINGS, describe


def _accepted(model, name: str, value) -> bool:
    try:
        model.model_validate({name: value}) if model is PushedSettings else Settings(
            **{name: value}
        )
    except ValidationError:
        return False
    return True


BOUNDS = {
    "idle_quiet_s": (9.99, 10, 10.5, 3600, 3600.01, -1, float("inf"), float("nan")),
    "idle_warning_s": (19.9, 20, 300, 300.5, 0),
    "out_of_service_message": ("", "あ" * 200, "あ" * 201, "休止中です。"),
    "text_size": (*TEXT_SIZES, "huge", ""),
    "practice": (True, False),
    "out_of_service": (True, False),
    "procedures": ((), ("juminhyo",), ("juminhyo", "inkan_toroku")),
}


@pytest.mark.parametrize("name", list(BOUNDS))
def test_the_pushed_model_and_the_kiosk_settings_agree_at_every_bound(name):
    for value in BOUNDS[name]:
        pushed = list(value) if isinstance(value, tuple) else value
        assert _accepted(PushedSettings, name, pushed) == _accepted(Settings, name, value), (
            name,
            value,
        )


def test_every_pushable_setting_is_a_kiosk_setting_and_text_sizes_are_the_kiosks():
    assert set(PushedSettings.model_fields) <= set(Settings.model_fields)
    assert set(PushedSettings.model_fields) == BACKEND_SETTING_NAMES
    assert tuple(size.value for size in TextSize) == TEXT_SIZES
    assert setting_sources.BACKEND == BACKEND_SOURCE
    assert setting_sources.CONFIG_FILE == CONFIG_FILE_NAME
    assert setting_sources.COMMAND_LINE == OVERRIDE_SOURCE


def test_a_per_kiosk_setting_wins_over_the_fleet_wide_one_field_by_field():
    fleet = PushedSettings(practice=True, idle_quiet_s=120, text_size="large")
    kiosk = PushedSettings(text_size="largest", procedures=["juminhyo"])
    merged = merge(fleet, kiosk)
    assert merged.values() == {
        "practice": True,
        "idle_quiet_s": 120.0,
        "text_size": "largest",
        "procedures": ["juminhyo"],
    }
    assert sources(fleet, kiosk) == {
        "practice": "fleet",
        "idle_quiet_s": "fleet",
        "text_size": "kiosk",
        "procedures": "kiosk",
    }
    assert merge(None, None).values() == {}
    # An empty list is a value (all procedures), not "not set": it overrides the fleet's.
    assert (
        merge(PushedSettings(procedures=["juminhyo"]), PushedSettings(procedures=[])).procedures
        == []
    )


def test_the_heartbeat_reply_field_is_optional_and_ignores_settings_it_does_not_know():
    old = HeartbeatReply.model_validate({"server_time": "2026-12-05T01:00:00+00:00"})
    assert old.settings is None  # an older backend: the kiosk keeps what it has
    newer = HeartbeatReply.model_validate(
        {
            "server_time": "2026-12-05T01:00:00+00:00",
            "settings": {"practice": True, "a_setting_of_the_future": 3},
        }
    )
    assert newer.settings is not None and newer.settings.values() == {"practice": True}
    with pytest.raises(ValidationError):
        PushedSettings(out_of_service_message="一行目\n二行目")


# -- the kiosk's layers ---------------------------------------------------------------------


def _home(tmp_path) -> KioskPaths:
    root = tmp_path / "home"
    paths = KioskPaths(root / "config", root / "data", root / "logs")
    paths.create()
    return paths


def test_precedence_default_toml_backend_environment_command_line(tmp_path):
    paths = _home(tmp_path)
    environ = {"KIOSK_HOME": str(paths.config_dir.parent)}
    assert load_settings(environ=environ).idle_quiet_s == 90.0  # shipped default
    paths.config_file.write_text(
        "idle_quiet_s = 100\nidle_warning_s = 40\ntext_size = 'large'\npractice = false\n",
        encoding="utf-8",
    )
    settings = load_settings(environ=environ)
    assert (settings.idle_quiet_s, settings.text_size) == (100.0, TextSize.LARGE)
    paths.backend_settings.write_text(
        json.dumps({"idle_quiet_s": 200, "text_size": "largest", "practice": True}),
        encoding="utf-8",
    )
    settings = load_settings(environ=environ)
    assert (settings.idle_quiet_s, settings.text_size, settings.practice) == (
        200.0,
        TextSize.LARGEST,
        True,
    )
    assert settings.idle_warning_s == 40.0  # not pushed: kiosk.toml's
    settings = load_settings(environ=environ | {"KIOSK_IDLE_QUIET_S": "300"})
    assert settings.idle_quiet_s == 300.0 and settings.text_size is TextSize.LARGEST
    settings = load_settings(environ=environ | {"KIOSK_IDLE_QUIET_S": "300"}, idle_quiet_s=400)
    assert settings.idle_quiet_s == 400.0

    where = {s.name: s.source for s in describe(settings)}
    assert where["idle_quiet_s"] == "command line"
    assert where["text_size"] == "backend"
    assert where["practice"] == "backend"
    assert where["idle_warning_s"] == "kiosk.toml"
    assert where["retention_days"] == "default"
    where = {
        s.name: s.source
        for s in describe(load_settings(environ=environ | {"KIOSK_IDLE_QUIET_S": "300"}))
    }
    assert where["idle_quiet_s"] == "KIOSK_IDLE_QUIET_S"


def test_the_data_folder_can_be_named_and_the_first_screen_reads_the_backend_layer(tmp_path):
    paths = _home(tmp_path)
    paths.backend_settings.write_text(
        json.dumps({"text_size": "large", "practice": True}), encoding="utf-8"
    )
    settings = load_settings(environ={}, data_dir=paths.data_dir)
    assert settings.text_size is TextSize.LARGE and settings.practice
    first = read_first_screen(paths, environ={})
    assert first.choice.text_size is TextSize.LARGE and first.choice.practice
    # A command-line flag still wins on the first screen too.
    assert read_first_screen(paths, environ={}, practice=False).choice.practice is False
    # Only what the backend may push counts, on the first screen too.
    paths.backend_settings.write_text(
        json.dumps({"text_size": "large", "profile": "phone", "language": "en"}),
        encoding="utf-8",
    )
    first = read_first_screen(paths, environ={})
    assert first.choice.profile.value == "kiosk" and first.choice.language == "ja"
    assert first.choice.text_size is TextSize.LARGE


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        json.dumps({"idle_quiet_s": 5}),  # below the kiosk's bound
        json.dumps({"text_size": "huge"}),
        b"\xff\xfe".decode("latin-1"),
    ],
)
def test_a_damaged_backend_file_is_logged_and_ignored_never_a_stop(tmp_path, caplog, content):
    paths = _home(tmp_path)
    paths.config_file.write_text("idle_quiet_s = 100\n", encoding="utf-8")
    paths.backend_settings.write_text(content, encoding="latin-1")
    environ = {"KIOSK_HOME": str(paths.config_dir.parent)}
    with caplog.at_level(logging.ERROR):
        settings = load_settings(environ=environ)
        first = read_first_screen(paths, environ=environ)
    assert settings.idle_quiet_s == 100.0 and settings.text_size is TextSize.STANDARD
    assert first.choice.text_size is TextSize.STANDARD
    assert "backend's settings are ignored" in caplog.text
    assert all(s.source != "backend" for s in describe(settings))


def test_a_broken_kiosk_toml_still_stops_the_kiosk(tmp_path):
    paths = _home(tmp_path)
    paths.config_file.write_text("idle_quiet_s = 1\n", encoding="utf-8")
    paths.backend_settings.write_text(json.dumps({"idle_quiet_s": 100}), encoding="utf-8")
    # The backend's value overrides kiosk.toml's; once it is gone, kiosk.toml's bad value
    # stops the kiosk with its reason, as before.
    assert load_settings(environ={"KIOSK_HOME": str(paths.config_dir.parent)}).idle_quiet_s == 100
    paths.backend_settings.unlink()
    with pytest.raises(ConfigError, match="idle_quiet_s"):
        load_settings(environ={"KIOSK_HOME": str(paths.config_dir.parent)})


def test_provenance_never_shows_a_secret(tmp_path):
    paths = _home(tmp_path)
    paths.config_file.write_text(
        'backend_token = "very-secret-token-value"\ntechnician_pin_hash = "scrypt$secret-hash"\n',
        encoding="utf-8",
    )
    settings = load_settings(environ={"KIOSK_HOME": str(paths.config_dir.parent)})
    described = {s.name: s for s in describe(settings)}
    assert set(described) == set(Settings.model_fields)
    for name in SECRET_SETTINGS:
        assert described[name].value == "(set)"
        assert described[name].source == "kiosk.toml"
    text = repr(describe(settings))
    assert "very-secret-token-value" not in text and "secret-hash" not in text
    empty = {s.name: s for s in describe(Settings())}
    assert empty["backend_token"].value == "" and empty["backend_token"].source == "default"
    shown = {s.name: s for s in describe(Settings(procedures=("a", "b"), practice=True))}
    assert shown["procedures"].value == "a, b" and shown["procedures"].source == "command line"
    assert shown["practice"].value == "true"


def test_the_enabled_procedures_act_on_the_menu_and_on_navi_between_residents(
    services, kiosk_paths
):
    from kiosk.events import SettingsArrived
    from kiosk.navigator import Navigator
    from kiosk.settings_apply import refresh_navigator
    from kiosk.views import NaviMode

    def navi_kiosk_procedures(navigator) -> set[str]:
        view = navigator.choose_life_event("moving")
        while view.mode is NaviMode.QUESTION:
            view = navigator.answer_navi(True)
        return {step.procedure.id for step in view.plan if step.procedure is not None}

    navigator = Navigator(services)
    refresh_navigator(navigator, services, services.between_residents())
    everything = navi_kiosk_procedures(navigator)
    assert "tennyu" in everything and len(everything) > 1 and len(services.procedures()) > 2

    kiosk_paths.backend_settings.write_text(
        json.dumps({"procedures": ["juminhyo", "tennyu"]}), encoding="utf-8"
    )
    services.events.publish(SettingsArrived(("procedures",)))
    navigator.end_session()
    refresh_navigator(navigator, services, services.between_residents())
    assert [p.id for p in services.procedures()] == ["juminhyo", "tennyu"]
    menu = navigator.open_menu()
    offered = {p.id for c in menu.categories for p in navigator.open_category(c.id).procedures}
    assert offered == {"juminhyo", "tennyu"}
    # 手続きナビ still lists the other steps, but at the counter, not on this kiosk.
    assert navi_kiosk_procedures(navigator) == everything & {"juminhyo", "tennyu"}
    with pytest.raises(KeyError):
        services.settings_keeper.offered.procedure("koseki")


def test_a_copy_with_changes_keeps_them_when_the_layers_are_read_again(tmp_path):
    from kiosk.config import read_settings

    paths = _home(tmp_path)
    paths.backend_settings.write_text(json.dumps({"idle_quiet_s": 200}), encoding="utf-8")
    settings = load_settings(environ={}, data_dir=paths.data_dir)
    changed = settings.model_copy(update={"technician_pin_hash": "x", "idle_quiet_s": 300})
    again = read_settings(changed.origin)
    assert again.technician_pin_hash == "x" and again.idle_quiet_s == 300.0
    where = {s.name: s.source for s in describe(changed)}
    assert (
        where["idle_quiet_s"] == "command line" and where["technician_pin_hash"] == "command line"
    )
    assert settings.origin.overrides == {}  # the original is unchanged
