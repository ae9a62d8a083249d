"""The support bundle when things are wrong (a damaged or missing database, a kiosk.toml the
kiosk refuses, a stick that is read-only or full), from the running kiosk (write_bundle), the
USB sticks it offers (bundle_folders), and the scrub rules on their own.

Mount detection is tested for real: the folders are mounted (tmpfs, a read-only tmpfs) in a
private mount namespace (unshare, as tests/pcsc_stack.py does for pcscd), and bundle_folders
runs inside it; outside, the same folders unmounted are not offered. (os.path.ismount sees a
file system of its own, as a USB stick is; a bind mount within one file system it does not.)
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from kiosk.support_bundle import bundle_folders, write_bundle
from kiosk.support_bundle_scrub import scrub_log, scrub_text, secret_name

TIMEOUT_S = 120
NAME = re.compile(r"^madoguchi-support-kiosk-01-\d{8}-\d{6}\.zip$")


def _environ(home: Path) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("KIOSK_")}
    environ.pop("DISPLAY", None)
    return environ | {"KIOSK_HOME": str(home)}


def _bundle(home: Path, target: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "support", "bundle", "-o", str(target)],
        env=_environ(home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def _entries(target: Path) -> dict[str, str]:
    with zipfile.ZipFile(target) as bundle:
        return {name: bundle.read(name).decode("utf-8") for name in bundle.namelist()}


def _in_mount_namespace(script: str, home: Path | None = None) -> subprocess.CompletedProcess:
    """script (sh) in a private mount namespace: what it mounts is gone when it ends."""
    unshare = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        unshare[1:1] = ["--user", "--map-root-user"]
    return subprocess.run(
        [*unshare, "sh", "-c", script],
        env=_environ(home) if home else None,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_a_damaged_database_still_gives_a_bundle_that_says_so(tmp_path):
    home = tmp_path / "home"
    database = home / "data" / "kiosk.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"this is not a database" * 400)
    target = tmp_path / "bundle.zip"
    done = _bundle(home, target)
    assert done.returncode == 0, done.stderr
    entries = _entries(target)
    sync = json.loads(entries["sync.json"])
    assert sync["store"]["state"].startswith("damaged: ")
    assert "could not be read" in sync["status"]["error"]  # reported, not a failed bundle
    assert "database: damaged" in entries["README.txt"]
    assert database.read_bytes() == b"this is not a database" * 400  # untouched


def test_no_database_and_a_refused_kiosk_toml_still_give_a_bundle(tmp_path):
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    token = secrets.token_urlsafe(32)
    (home / "config" / "kiosk.toml").write_text(
        f'profile = "tablet"\nbackend_token = "{token}"\n', encoding="utf-8"
    )
    target = tmp_path / "bundle.zip"
    done = _bundle(home, target)
    assert done.returncode == 0, done.stderr
    entries = _entries(target)
    assert json.loads(entries["sync.json"])["store"]["state"].startswith("missing")
    assert "profile" in json.loads(entries["settings.json"])["problem"]
    assert json.loads(entries["doctor.json"])["error"].startswith("not run: invalid setting")
    config = tomllib.loads(entries["config.toml"])
    assert config == {"profile": "tablet", "backend_token": "(removed)"}
    assert "settings: invalid setting: profile" in entries["README.txt"]
    assert not [name for name, text in entries.items() if token in text]


def test_a_kiosk_toml_that_is_not_toml_is_named_never_copied(tmp_path):
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    token = secrets.token_urlsafe(32)
    (home / "config" / "kiosk.toml").write_text(f'backend_token = "{token}\n', "utf-8")
    target = tmp_path / "bundle.zip"
    assert _bundle(home, target).returncode == 0
    entries = _entries(target)
    assert "could not be read: TOMLDecodeError" in entries["config.toml"]
    assert not [name for name, text in entries.items() if token in text]


def test_the_running_kiosk_writes_its_bundle_into_a_folder(services, tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    written = write_bundle(stick, services)
    assert written.parent == stick and NAME.match(written.name)
    assert os.listdir(stick) == [written.name]  # no temporary file left beside it
    entries = _entries(written)
    devices = json.loads(entries["devices.json"])
    assert devices["states"]["printer"]["state"] == "ready"
    # The doctor ran as a child process on this kiosk's folders, not the platform's.
    doctor = {check["name"]: check for check in json.loads(entries["doctor.json"])}
    assert str(services.paths.data_dir) in doctor["data folder"]["detail"]
    sync = json.loads(entries["sync.json"])
    assert sync["store"]["state"].startswith("ok") and sync["status"]["pending"] == 0
    assert json.loads(entries["versions.json"])["catalog"]["version"]


def test_only_mounted_writable_folders_are_offered_for_the_bundle(tmp_path):
    root = tmp_path / "media"
    for folder in ("kiosk/STICK", "STICK2", "RO", "plain", "kiosk/plain2"):
        (root / folder).mkdir(parents=True)
    # Unmounted, nothing is a stick; a root that does not exist is no error.
    assert bundle_folders((root, tmp_path / "absent")) == []

    r = shlex.quote(str(root))
    probe = (
        "import json, sys; from pathlib import Path; "
        "from kiosk.support_bundle import bundle_folders; "
        "print(json.dumps([str(p) for p in bundle_folders((Path(sys.argv[1]),))]))"
    )
    done = _in_mount_namespace(
        f"set -e; mount -t tmpfs -o size=1m tmpfs {r}/kiosk/STICK; "
        f"mount -t tmpfs -o size=1m tmpfs {r}/STICK2; mkdir {r}/STICK2/backup; "
        f"mount -t tmpfs -o size=1m,ro tmpfs {r}/RO; "
        f"{shlex.quote(sys.executable)} -c {shlex.quote(probe)} {r}"
    )
    assert done.returncode == 0, done.stderr
    offered = json.loads(done.stdout)
    # /media/LABEL, a folder on it, /media/USER/LABEL; never read-only, never unmounted.
    assert offered == [str(root / "STICK2"), str(root / "STICK2/backup"), str(root / "kiosk/STICK")]


def test_a_read_only_stick_is_a_plain_error_and_leaves_nothing(tmp_path):
    home, stick = tmp_path / "home", tmp_path / "stick"
    (home / "config").mkdir(parents=True)
    (home / "config" / "kiosk.toml").write_text('printer = "sim"\n', "utf-8")
    stick.mkdir()
    s = shlex.quote(str(stick))
    python = shlex.quote(sys.executable)
    # write_bundle, as technician mode's button calls it with the running kiosk's services.
    button = (
        "import os, sys; from pathlib import Path; "
        "from kiosk.cli.local_backend import build_services; "
        "from kiosk.config import load_settings; from kiosk.config_base import resolve_paths; "
        "from kiosk.support_bundle import SupportBundleError, write_bundle; "
        "paths = resolve_paths(); services = build_services(load_settings(), paths)\n"
        "try: write_bundle(Path(sys.argv[1]), services)\n"
        "except SupportBundleError as error: print('refused:', error)\n"
        "finally: services.close()\n"
        "print('left:', os.listdir(sys.argv[1]))"
    )
    done = _in_mount_namespace(
        f"set -e; mount -t tmpfs -o size=1m,ro tmpfs {s}; "
        f"{python} -m kiosk support bundle -o {s}/bundle.zip || echo exit=$?; ls -A {s}; "
        f"{python} -c {shlex.quote(button)} {s}",
        home,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        f"kiosk support: the support bundle could not be written to {stick}: the disk is read-only"
    )
    assert done.stdout.splitlines() == [
        "exit=1",
        f"refused: the support bundle could not be written to {stick}: the disk is read-only",
        "left: []",
    ]


def test_a_full_stick_is_a_plain_error_and_leaves_no_partial_file(tmp_path):
    home, stick = tmp_path / "home", tmp_path / "stick"
    home.mkdir()
    stick.mkdir()
    s = shlex.quote(str(stick))
    done = _in_mount_namespace(
        f"set -e; mount -t tmpfs -o size=64k tmpfs {s}; "
        f"dd if=/dev/zero of={s}/filler bs=4k count=64 2>/dev/null || true; "
        f"{shlex.quote(sys.executable)} -m kiosk support bundle -o {s}/bundle.zip "
        f"|| echo exit=$?; ls -A {s}",
        home,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["exit=1", "filler"]
    assert done.stderr.strip() == (
        f"kiosk support: the support bundle could not be written to {stick}: "
        "the disk is full (free space on it)"
    )


def test_scrub_masks_key_material_and_personal_shapes_and_keeps_the_rest():
    token = "Vb3kQ9_xT1mZr8LwP0aYc7Nd2EfGh5JiKoUq4Rs6Wt"  # as secrets.token_urlsafe(32)
    line = f"sync failed for 6f1c0a5e-9b1d-4c4e-8f3a-2d7b5e9c0a41 with {token} at /tmp/kiosk-home"
    assert scrub_text(line) == (
        "sync failed for 6f1c0a5e-9b1d-4c4e-8f3a-2d7b5e9c0a41 with (removed) at /tmp/kiosk-home"
    )
    # A random token lacks digits now and then; a long CamelCase name is no token.
    assert scrub_text("rNDmxxRpmsxW_rrSZMavtxkdoyDalZNViGwvnemuRUo") == "(removed)"
    assert scrub_text("SSLCertVerificationError") == "SSLCertVerificationError"
    assert scrub_text("個人番号 621498320257 tel 090-1234-5678") == (
        "個人番号 ************ tel (phone number removed)"
    )
    assert scrub_text("https://kiosk:hunter2@backend.example/api") == (
        "https://(removed)@backend.example/api"
    )
    assert scrub_text("version e992fa33dd20be61, 13 procedures") == (
        "version e992fa33dd20be61, 13 procedures"
    )
    text, dropped = scrub_log("a\n-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIL\nb\n")
    assert (text, dropped) == ("a\n(removed)\nb\n", 1)
    assert secret_name("backend_token") and secret_name("technician_pin_hash")
    assert secret_name("api_key") and secret_name("smtp_password")
    assert not secret_name("seal_public_key") and not secret_name("seal_key_fingerprint")
    assert not secret_name("printer") and not secret_name("heartbeat_interval_s")
