"""The support bundle: one zip with what support needs to diagnose a kiosk, and nothing secret
or personal (`kiosk support bundle -o FILE.zip`, and technician mode's button that writes it to
a USB stick the operating system has mounted).

Entries: README.txt, versions.json, doctor.json, config.toml, settings.json, devices.json,
sync.json and logs/ (kiosk/support_bundle_parts.py makes each).

What never goes in, and how that is made sure (kiosk/support_bundle_scrub.py):
- No file is copied whole except the ends of the log files. Never the database, a sealed
  payload, a receipt's layout, the token file, the receipt-signing key, the backend's keys
  folder, nor kiosk.toml as written (its comments may hold an old token): the bundle is built
  from values, and reads the database only through the store's read methods, read-only.
- Applications appear as counts, procedure ids, times, attempts and reasons: never an
  application id, a reception number, an answer, a receipt.
- Settings and TOML keys whose names say secret (token, pin, hash, key, secret, password …;
  not "public" keys and fingerprints) are "(removed)" ("(set)" in settings.json), or stay
  empty when they are empty.
- Every string, and every log line, is scrubbed: a line mentioning a PEM block or
  "PRIVATE KEY" is dropped (a value is removed whole); a base64-like run of 20+ characters
  mixing upper case, lower case and digits (tokens, key bodies, salts) becomes "(removed)";
  a 12-digit number (個人番号-shaped) becomes twelve asterisks; a phone number and the
  credentials in a URL are removed.
- Last, the finished entries are searched byte for byte for every secret this kiosk holds
  (the token setting and file, the PIN hash, its salt and digest, each key file and each
  line of it); any occurrence is replaced before anything is written.

Collecting takes a while (the doctor checks the backend with its timeout): call it off the
GUI thread. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import tempfile
import tomllib
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import plain
from kiosk import support_bundle_parts as parts
from kiosk.store import KioskStore
from kiosk.support_bundle_scrub import REMOVED, known_secrets, leaked, scrub_text, scrub_value

if TYPE_CHECKING:
    from kiosk.config import KioskPaths, Settings
    from kiosk.services import Services

USB_ROOTS = (Path("/media"), Path("/run/media"))

LEFT_OUT = """\
Left out on purpose: the database and every sealed payload, receipts and their reception
numbers, application ids, anything a resident entered, the backend token (setting and file),
the technician PIN's hash, every private key (the receipt-signing key, the keys folder), and
kiosk.toml's comments. Log lines mentioning key material are dropped; token-shaped strings,
12-digit numbers and phone numbers are masked.
"""


class SupportBundleError(Exception):
    """The bundle could not be written; worded for the technician at the kiosk."""


def collect(
    paths: KioskPaths,
    settings: Settings | None,
    services: Services | None = None,
    *,
    doctor: Callable[[], list[dict]] | None = None,
    config_file: Path | None = None,
    settings_problem: str | None = None,
) -> dict[str, bytes]:
    """The bundle's entries by name, scrubbed. settings None: the configuration is invalid
    (settings_problem says why); the rest is collected all the same. doctor: the checks of
    `kiosk doctor` in this process; without it `kiosk doctor --json` runs as a child process."""
    config_file = config_file or paths.config_file
    notes: list[str] = [] if settings_problem is None else [f"settings: {settings_problem}"]
    store, store_state = _store(paths, services)
    try:
        data: dict[str, Any] = {
            "versions.json": parts.versions(parts.catalog_info(settings, paths, services)),
            "doctor.json": (
                parts.run_doctor(doctor, paths, config_file)
                if settings is not None
                else {"error": f"not run: {settings_problem}"}
            ),
            "settings.json": {
                "problem": settings_problem,
                "settings": parts.effective_settings(settings, services),
            },
            "devices.json": parts.devices(settings, services, store),
            "sync.json": {"store": store_state} | (parts.sync(store) if store is not None else {}),
        }
    finally:
        if store is not None and (services is None or store is not services.store):
            store.close()
    entries = {
        name: json.dumps(scrub_value(value), ensure_ascii=False, indent=2).encode("utf-8")
        for name, value in data.items()
    }
    entries["config.toml"] = parts.config_toml(config_file).encode("utf-8")
    log_entries, log_notes = parts.logs(paths.log_dir)
    entries.update(log_entries)
    notes += [f"database: {store_state['state']}", *log_notes]
    held = _held_secrets(paths, settings, config_file)
    notes += _remove(held, entries)
    readme = _readme(paths, settings, [scrub_text(note) for note in notes], sorted(entries))
    entries["README.txt"] = readme.encode("utf-8")
    _remove(held, entries)
    return entries


def _store(paths: KioskPaths, services: Services | None) -> tuple[KioskStore | None, dict]:
    """The running kiosk's store, or the database opened read-only; None when it cannot be
    read at all. The state says which, and what is wrong with it."""
    if services is not None:
        return services.store, {"state": "ok (read by the running kiosk)"}
    state: dict[str, Any] = {"path": str(paths.database)}
    try:
        store = parts.ReadOnlyStore(paths.database)
    except FileNotFoundError:
        return None, state | {
            "state": "missing: nothing was ever saved here, or KIOSK_HOME differs"
        }
    except sqlite3.Error as error:
        return None, state | {"state": f"unreadable: {error}"}
    try:
        problem = store.damage()
        state |= {
            "schema_version": store.schema_version,
            "size_bytes": paths.database.stat().st_size,
        }
    except (sqlite3.Error, OSError) as error:
        problem = str(error)
    state["state"] = "ok" if problem is None else f"damaged: {problem}"
    return store, state


def _held_secrets(paths: KioskPaths, settings: Settings | None, config_file: Path) -> list[bytes]:
    """Every secret this kiosk holds: secret-named settings (as loaded, and as kiosk.toml
    has them when the settings are invalid), the token file and every key file."""
    values = settings.model_dump(mode="json") if settings is not None else {}
    with contextlib.suppress(OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        written = tomllib.loads(config_file.read_text(encoding="utf-8"))
        values |= {f"kiosk.toml {k}": v for k, v in written.items() if isinstance(v, str)}
    files = [paths.backend_token_file, paths.receipt_signing_key, *paths.data_dir.glob("*.pem")]
    with contextlib.suppress(OSError):
        files += sorted((paths.data_dir / "backend" / "keys").iterdir())
    pin_hash = values.get("technician_pin_hash") or values.get("kiosk.toml technician_pin_hash")
    return known_secrets(values, files, str(pin_hash or ""))


def _remove(held: list[bytes], entries: dict[str, bytes]) -> list[str]:
    """Replace, in every entry, each secret this kiosk holds (the scrub should have caught
    them all; this is the net under it). Notes name the entries, never the secret."""
    found = leaked(entries, held)
    for name in found:
        for secret in held:
            entries[name] = entries[name].replace(secret, REMOVED.encode())
    return [f"{name}: held one of this kiosk's secrets; removed" for name in found]


def _readme(
    paths: KioskPaths, settings: Settings | None, notes: list[str], names: list[str]
) -> str:
    kiosk_id = settings.kiosk_id if settings is not None else "(settings invalid)"
    made = datetime.now().astimezone().isoformat(timespec="seconds")
    lines = [
        f"Madoguchi support bundle of kiosk {kiosk_id}, made {made}.",
        "",
        "versions.json   software, Python, PySide6/Qt, OS and catalog versions",
        "doctor.json     what `kiosk doctor --json` reports",
        "config.toml     kiosk.toml's settings, secrets removed",
        "settings.json   each effective setting (and its source, where known)",
        "devices.json    device settings and states, print outcomes, pending device alerts",
        "sync.json       the database's state, queue, quarantine reasons, last sync and errors",
        "logs/           the end of the newest log files",
        "",
        LEFT_OUT,
        "Notes:",
        *(f"- {note}" for note in notes),
        "",
        "Entries: " + ", ".join([*names, "README.txt"]),
        f"Kiosk folders: data {paths.data_dir}, logs {paths.log_dir}",
    ]
    return "\n".join(lines) + "\n"


def bundle_name(kiosk_id: str, now: datetime | None = None) -> str:
    now = now or datetime.now().astimezone()
    return f"madoguchi-support-{kiosk_id}-{now:%Y%m%d-%H%M%S}.zip"


def write_zip(target: Path, entries: dict[str, bytes]) -> Path:
    """entries as a zip at target, atomically: a temporary file in the same folder, fsynced,
    then renamed; on failure nothing is left behind and SupportBundleError says why."""
    folder = target.parent
    partial: Path | None = None
    try:
        descriptor, name = tempfile.mkstemp(
            prefix=".madoguchi-support-", suffix=".partial", dir=folder
        )
        partial = Path(name)
        with os.fdopen(descriptor, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as bundle:
                for entry, data in sorted(entries.items()):
                    bundle.writestr(entry, data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
        partial = None
        _sync_folder(folder)
    except OSError as error:
        words = plain(OSError(error.errno, error.strerror)) if error.errno else plain(error)
        raise SupportBundleError(
            f"the support bundle could not be written to {folder}: {words}"
        ) from error
    finally:
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.unlink()
    return target


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; some file systems (vfat on a stick) cannot sync a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EBADF, errno.EACCES):
            raise
    finally:
        os.close(descriptor)


def write_bundle(folder: Path, services: Services) -> Path:
    """The running kiosk's bundle, as madoguchi-support-<kiosk_id>-<YYYYmmdd-HHMMSS>.zip in
    folder (a USB stick from bundle_folders); returns its path. Raises SupportBundleError."""
    if not folder.is_dir():
        raise SupportBundleError(
            f"the support bundle could not be written to {folder}: no such folder"
        )
    entries = collect(services.paths, services.settings, services)
    return write_zip(folder / bundle_name(services.settings.kiosk_id), entries)


def bundle_folders(roots: tuple[Path, ...] = USB_ROOTS) -> list[Path]:
    """Writable folders 1 or 2 levels under roots that are mount points or inside one: a
    USB stick the operating system mounted (/media/LABEL, /media/USER/LABEL,
    /run/media/USER/LABEL). The kiosk mounts nothing itself. Sorted, so the list is stable."""
    found: set[Path] = set()
    for root in roots:
        for child in _folders(root):
            if _usable(child):
                found.add(child)
            for grandchild in _folders(child):
                if (os.path.ismount(child) or os.path.ismount(grandchild)) and _usable(
                    grandchild, True
                ):
                    found.add(grandchild)
    return sorted(found)


def _folders(folder: Path) -> list[Path]:
    try:
        return [path for path in folder.iterdir() if path.is_dir()]
    except OSError:  # absent, unreadable, or a stick pulled out while listing
        return []


def _usable(folder: Path, mounted: bool = False) -> bool:
    return (mounted or os.path.ismount(folder)) and os.access(folder, os.W_OK | os.X_OK)
