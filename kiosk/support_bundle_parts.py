"""The entries of the support bundle, one function each (kiosk/support_bundle.py puts them
together and says what is left out and why). Each returns plain data or text; scrubbing is
the caller's last step, applied to all of them alike.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit

from core import __version__
from kiosk.store import KioskStore
from kiosk.support_bundle_scrub import REMOVED, scrub_log, scrub_value, secret_name

if TYPE_CHECKING:
    from kiosk.config import KioskPaths, Settings
    from kiosk.services import Services

# The kiosk may be mid-write: a read waits this long for its lock, then the bundle says so.
STORE_TIMEOUT_S = 5.0
# No query of the bundle may run longer (a damaged or huge file must not hang the button).
STORE_QUERY_DEADLINE_S = 10.0
DOCTOR_DEADLINE_S = 45.0
LOG_FILES = 3
LOG_TAIL_BYTES = 256 * 1024
JOURNAL_ENTRIES = 50
DISTRIBUTIONS = ("PySide6-Essentials", "shiboken6", "pydantic", "requests", "cryptography")
DISTRIBUTIONS += ("pyserial", "pyscard", "tomlkit")


class ReadOnlyStore(KioskStore):
    """The kiosk's database opened read-only: never created, checked, migrated or written
    (a write raises sqlite3.OperationalError); every read of KioskStore works. Each query
    is cut off after STORE_QUERY_DEADLINE_S by SQLite's progress handler."""

    def __init__(self, path: Path) -> None:  # not KioskStore's: that one creates and migrates
        if not path.is_file():
            raise FileNotFoundError(f"no database at {path}")
        self.path, self.retention, self._lock = path, timedelta(0), threading.RLock()
        self.db = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=STORE_TIMEOUT_S,
            check_same_thread=False,
        )
        self.db.set_progress_handler(self._past_deadline, 10_000)
        self._deadline = time.monotonic() + STORE_QUERY_DEADLINE_S

    def _past_deadline(self) -> int:
        return int(time.monotonic() > self._deadline)

    def start_query(self) -> None:
        self._deadline = time.monotonic() + STORE_QUERY_DEADLINE_S

    def damage(self) -> str | None:
        """What PRAGMA quick_check finds wrong; None when the file reads as sound."""
        self.start_query()
        found = [row[0] for row in self.db.execute("PRAGMA quick_check").fetchall()]
        return None if found == ["ok"] else "; ".join(found[:3])


def _distribution(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _os_release() -> str:
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def versions(catalog: dict[str, Any]) -> dict[str, Any]:
    """Versions from package metadata: Qt is never imported (PySide6 ships its own Qt of the
    same version), so this runs where Qt cannot start."""
    pyside = _distribution("PySide6-Essentials") or _distribution("PySide6")
    return {
        "madoguchi": __version__,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "pyside6": pyside,
        "qt": f"{pyside} (bundled with PySide6)" if pyside else None,
        "os": _os_release(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "catalog": catalog,
        "packages": {name: _distribution(name) for name in DISTRIBUTIONS},
    }


def catalog_info(
    settings: Settings | None, paths: KioskPaths, services: Services | None
) -> dict[str, Any]:
    """The catalog in use (from services) or the one the files on disk would give."""
    if services is not None:
        return {
            "version": services.catalog.content_version,
            "municipality": services.catalog.municipality.id,
            "problems": list(services.catalog_problems),
        }
    if settings is None:
        return {"version": None, "problems": ["the settings are invalid (see config.toml)"]}
    from core.catalog import CatalogError
    from core.catalog_files import load_catalog
    from kiosk.sync.catalog_pull import pulled_catalog_dir

    folder = settings.catalog_dir or pulled_catalog_dir(paths)
    try:
        catalog = load_catalog(settings.municipality, folder)
    except CatalogError as error:
        return {"version": None, "municipality": settings.municipality, "problems": error.problems}
    return {"version": catalog.content_version, "municipality": settings.municipality}


def run_doctor(
    doctor: Callable[[], list[dict]] | None, paths: KioskPaths, config_file: Path | None
) -> list[dict] | dict:
    """What `kiosk doctor --json` prints: from `doctor` in this process when the caller has
    it (the CLI), else from `kiosk doctor --json` as a child process on the same folders (the
    kiosk itself: only the CLI may import the CLI's modules; the child reads kiosk.toml and
    KIOSK_* as any start does). Either way within DOCTOR_DEADLINE_S."""
    if doctor is None:
        command = [sys.executable, "-m", "kiosk", "doctor", "--json"]
        if config_file is not None and config_file.is_file():
            command += ["--config", str(config_file)]
        environ = dict(os.environ)
        home = paths.data_dir.parent
        if paths == type(paths)(home / "config", home / "data", home / "logs"):
            environ["KIOSK_HOME"] = str(home)  # the kiosk's folders, not the platform's
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=DOCTOR_DEADLINE_S,
                check=False,
                env=environ,
            )
            return json.loads(done.stdout)
        except subprocess.TimeoutExpired:
            return {"error": f"kiosk doctor did not finish within {DOCTOR_DEADLINE_S:.0f} s"}
        except (OSError, ValueError) as error:
            return {"error": f"kiosk doctor could not run ({type(error).__name__})"}
    result: list = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            result.extend(doctor())
        except Exception as error:  # a failing check is a finding, not a failed bundle
            failure.append(error)

    # A daemon thread: a check that hangs past the deadline must not keep the command alive.
    thread = threading.Thread(target=work, name="support-doctor", daemon=True)
    thread.start()
    thread.join(DOCTOR_DEADLINE_S)
    if thread.is_alive():
        return {"error": f"kiosk doctor did not finish within {DOCTOR_DEADLINE_S:.0f} s"}
    if failure:
        return {"error": f"kiosk doctor failed: {type(failure[0]).__name__}: {failure[0]}"}
    return result


def config_toml(config_file: Path) -> str:
    """kiosk.toml's settings, secret-named ones replaced by "(removed)"; rebuilt from the
    values, so a comment (a token commented out by hand) never comes along."""
    if not config_file.is_file():
        return f"# no {config_file.name} at {config_file}: every setting is a default or KIOSK_*\n"
    try:
        values = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        # The reason only (line and column): the text may hold a secret.
        return f"# {config_file} could not be read: {type(error).__name__}: {error}\n"
    header = f'# {config_file}, secrets replaced by "{REMOVED}", comments left out\n'
    return header + tomlkit.dumps(scrub_value(values))


def effective_settings(settings: Settings | None, services: Services | None) -> list[dict]:
    """Each setting's effective value and the source that gave it (kiosk.setting_sources:
    the running kiosk's own account, else the one of the settings just loaded); a secret
    shows only whether it is set."""
    from kiosk.setting_sources import describe

    listed = services.setting_sources() if services is not None else []
    if not listed and settings is not None:
        listed = describe(settings)
    rows = [{"name": s.name, "value": s.value, "source": s.source} for s in listed]
    for row in rows:
        if secret_name(row["name"]) and row["value"] not in ("", "(set)", None):
            row["value"] = "(set)"
    return rows


def devices(
    settings: Settings | None, services: Services | None, store: KioskStore | None
) -> dict[str, Any]:
    """Device settings and states, pending device alerts and the print journal: outcomes,
    times and errors, never a receipt's content nor which application it was for."""
    report: dict[str, Any] = {}
    if settings is not None:
        report["configured"] = {
            "printer": settings.printer,
            "printer_model": settings.printer_model,
            "scanner": settings.scanner,
            "card_reader": settings.card_reader,
        }
    if services is not None:
        report["states"] = {
            role: {
                "state": status.state.value,
                "conditions": sorted(status.conditions),
                "detail": status.detail,
                "age_s": round(status.age_s(), 1),
            }
            for role, status in services.device_statuses().items()
        }
    else:
        report["states"] = (
            "known only to the running kiosk (technician mode's support bundle button); "
            "the command line does not open devices the kiosk may hold"
        )
    if store is None:
        return report
    report["print_outcomes"] = _read(store, store.receipt_outcome_counts)
    report["print_journal"] = _read(
        store,
        lambda: [
            {
                "at": row["at"],
                "outcome": row["outcome"],
                "reprint": (row["detail"] or "").startswith("reprint:"),
                "detail": row["detail"],
            }
            for row in store.receipt_journal(JOURNAL_ENTRIES)
        ],
    )
    report["pending_staff_alerts"] = _read(
        store,
        lambda: [
            {"kind": a["kind"], "at": a["at"], "detail": a["detail"]}
            for a in store.pending_alerts()
        ],
    )
    return report


def sync(store: KioskStore) -> dict[str, Any]:
    """Queue depth, quarantine (procedure, time, attempts, reason: no number, no id), the
    last successes and errors: what `kiosk sync status` shows."""
    from kiosk.sync.status import sync_status

    report: dict[str, Any] = {"status": _read(store, lambda: sync_status(store))}
    items = _read(store, store.quarantined)
    if isinstance(items, list):
        kept = ("procedure_id", "queued_at", "attempts", "reason")
        rows = [{key: asdict(item)[key] for key in kept} for item in items]
        reasons: dict[str, int] = {}
        for row in rows:
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
        report["quarantined"] = {"count": len(rows), "reasons": reasons, "items": rows}
    else:
        report["quarantined"] = items
    report["usage_events_waiting"] = _read(store, store.usage_count)
    return report


def _read(store: KioskStore, query: Callable[[], Any]) -> Any:
    """One read; an error is part of the report (the bundle is wanted most when things fail)."""
    if isinstance(store, ReadOnlyStore):
        store.start_query()
    try:
        return query()
    except sqlite3.Error as error:
        return {"error": f"the database could not be read: {error}"}


def logs(log_dir: Path) -> tuple[dict[str, bytes], list[str]]:
    """The end of the LOG_FILES newest log files, at most LOG_TAIL_BYTES each, starting at a
    whole line; lines with key material dropped, the rest scrubbed. Also notes for README."""
    try:
        files = [p for p in log_dir.iterdir() if p.is_file() and ".log" in p.name]
        # Newest first; a file rotated away meanwhile is simply not among them.
        files.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    except OSError as error:
        return {}, [f"logs: {log_dir} could not be listed ({error.strerror})"]
    entries, notes = {}, []
    for path in files[:LOG_FILES]:
        try:
            with path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - LOG_TAIL_BYTES))
                data = handle.read(LOG_TAIL_BYTES)
        except OSError as error:
            notes.append(f"logs/{path.name}: could not be read ({error.strerror})")
            continue
        if size > LOG_TAIL_BYTES:
            data = data.split(b"\n", 1)[-1]  # from the first whole line
        text, dropped = scrub_log(data.decode("utf-8", errors="replace"))
        entries[f"logs/{path.name}"] = text.encode("utf-8")
        cut = f"last {len(data)} of {size} bytes" if size > LOG_TAIL_BYTES else "whole"
        notes.append(f"logs/{path.name}: {cut}; {dropped} line(s) with key material dropped")
    return entries, notes
