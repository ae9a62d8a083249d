from pathlib import Path

import pytest

from kiosk.config import ConfigError, Profile, load_settings, resolve_paths


def test_defaults_need_no_file_and_no_environment():
    settings = load_settings(environ={})
    assert settings.printer == "sim"
    assert settings.profile is Profile.KIOSK
    assert settings.seal_public_key is None


def test_config_file_values_are_used(tmp_path: Path):
    config = tmp_path / "kiosk.toml"
    config.write_text('kiosk_id = "city-hall-2"\nprofile = "phone"\n', encoding="utf-8")
    settings = load_settings(config, environ={})
    assert settings.kiosk_id == "city-hall-2"
    assert settings.profile is Profile.PHONE


def test_environment_wins_over_the_file(tmp_path: Path):
    config = tmp_path / "kiosk.toml"
    config.write_text('backend_url = "http://file.example"\n', encoding="utf-8")
    settings = load_settings(config, environ={"KIOSK_BACKEND_URL": "http://env.example"})
    assert settings.backend_url == "http://env.example"


def test_default_config_file_is_read_from_kiosk_home(tmp_path: Path):
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "kiosk.toml").write_text('kiosk_letter = "B"\n', encoding="utf-8")
    assert load_settings(environ={"KIOSK_HOME": str(home)}).kiosk_letter == "B"


def test_kiosk_home_puts_every_folder_under_it(tmp_path: Path):
    paths = resolve_paths({"KIOSK_HOME": str(tmp_path)})
    for folder in (paths.config_dir, paths.data_dir, paths.log_dir):
        assert folder.is_relative_to(tmp_path)
    assert paths.database.parent == paths.data_dir


def test_bad_value_is_named_in_plain_words():
    with pytest.raises(ConfigError, match="kiosk_letter"):
        load_settings(environ={"KIOSK_KIOSK_LETTER": "O"})  # O looks like 0: not allowed


def test_unknown_setting_in_file_is_refused(tmp_path: Path):
    config = tmp_path / "kiosk.toml"
    config.write_text("printr = 'sim'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="printr"):
        load_settings(config, environ={})


def test_missing_explicit_config_file_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_broken_toml_names_the_file(tmp_path: Path):
    config = tmp_path / "kiosk.toml"
    config.write_text("profile = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config, environ={})


def test_sync_settings_have_safe_defaults_and_bounds():
    from core.wire import MAX_BATCH

    settings = load_settings(environ={})
    assert (settings.sync_batch, settings.retention_days) == (100, 30)
    assert settings.heartbeat_interval_s == 60 and settings.ca_bundle is None
    assert settings.seal_key_fingerprint == "" and settings.recover_damaged_store is False
    assert load_settings(environ={"KIOSK_RETENTION_DAYS": "0"}).retention_days == 0
    assert load_settings(environ={"KIOSK_SYNC_BATCH": str(MAX_BATCH)}).sync_batch == MAX_BATCH
    with pytest.raises(ConfigError, match="sync_batch"):
        load_settings(environ={"KIOSK_SYNC_BATCH": str(MAX_BATCH + 1)})
    with pytest.raises(ConfigError, match="seal_key_fingerprint"):
        load_settings(environ={"KIOSK_SEAL_KEY_FINGERPRINT": "not-hex"})
    assert load_settings(environ={"KIOSK_CA_BUNDLE": "/etc/ssl/city.pem"}).ca_bundle == Path(
        "/etc/ssl/city.pem"
    )
