"""What technician mode's pages say: sync, catalog, log, devices and settings, as plain text.

Qt-free and built from the services' own answers, so each page's words are tested without a
window. Staff-facing: headings are bilingual (日本語 / English); values are the kiosk's own
(ids, states, counts, reasons), never a resident's answers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.logs import LOG_FILE_NAME
from kiosk.sync.catalog_pull import pulled_catalog_dir
from kiosk.technician_faults import DeviceFault

if TYPE_CHECKING:
    from devices.device_state import DeviceStatus
    from kiosk.services import Services

NEVER = "まだありません / never"
NONE = "なし / none"
EMPTY_VALUE = '""'  # an empty setting, as TOML would write it
LOG_LINES = 40
LOG_TAIL_BYTES = 16 * 1024  # 40 lines of a few hundred characters; never the whole file
QUARANTINE_SHOWN = 5


def when(value: str | float | None, now: float | None = None) -> str:
    """A stored time (ISO text or epoch seconds) as local time and how long ago."""
    if value is None or value == "":
        return NEVER
    try:
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(float(value)).astimezone()
        else:
            moment = datetime.fromisoformat(str(value)).astimezone()
    except (ValueError, OSError, OverflowError):
        return str(value)[:40]  # unreadable: shown as stored, never dropped
    seconds = (time.time() if now is None else now) - moment.timestamp()
    return f"{moment:%Y-%m-%d %H:%M:%S} ({_ago(seconds)})"


def _ago(seconds: float) -> str:
    if seconds < 0:  # a time ahead: the next attempt, the next pull
        return _ahead(-seconds)
    if seconds < 60:
        return f"{int(seconds)}秒前 / {int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}分前 / {int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}時間前 / {int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)}日前 / {int(seconds // 86400)} days ago"


def _ahead(seconds: float) -> str:
    if seconds < 60:
        return f"あと{int(seconds)}秒 / in {int(seconds)} s"
    if seconds < 3600:
        return f"あと{int(seconds // 60)}分 / in {int(seconds // 60)} min"
    return f"あと{int(seconds // 3600)}時間 / in {int(seconds // 3600)} h"


# -- 送信 / Sync ----------------------------------------------------------------------------


def sync_lines(status: Mapping[str, object]) -> list[str]:
    """services.sync_status() for a technician: the queue, the last success and heartbeat,
    and the last error in the words the sync wrote it in."""
    error = status.get("last_error") or status.get("heartbeat_error")
    lines = [
        f"送信待ち / Waiting to send: {status.get('pending', 0)}",
        f"最後の送信成功 / Last successful sync: {when(status.get('last_success'))}",
        f"最後のハートビート / Last heartbeat: {when(status.get('last_heartbeat'))}",
        f"最後のエラー / Last error: {error or NONE}",
    ]
    if status.get("next_attempt"):
        lines.append(f"次の再試行 / Next attempt: {when(status.get('next_attempt'))}")
    if status.get("clock_skew_s") is not None and abs(float(status["clock_skew_s"])) >= 60:
        skew = float(status["clock_skew_s"])
        lines.append(f"時計のずれ / Clock off by: {skew:+.0f} s")
    return lines


def quarantine_lines(reasons: list[str]) -> list[str]:
    """How many applications the backend refused, and why (the first few)."""
    lines = [f"送信保留 / Quarantined: {len(reasons)}", *reasons[:QUARANTINE_SHOWN]]
    if len(reasons) > QUARANTINE_SHOWN:
        lines.append(f"… +{len(reasons) - QUARANTINE_SHOWN}")
    return lines


# -- カタログ / Catalog -----------------------------------------------------------------------


def catalog_lines(services: Services) -> list[str]:
    """Which catalog is in use, where it came from, and what is wrong with the one on disk."""
    settings, status = services.settings, services.sync_status()
    version = services.catalog.content_version
    if settings.catalog_dir is not None:
        source = f"技術者の catalog_dir / the technician's catalog_dir: {settings.catalog_dir}"
    elif pulled_catalog_dir(services.paths) is not None:
        pulled = status.get("catalog_version") or "?"
        source = f"バックエンドから取得 / pulled from the backend (version {pulled})"
    else:
        source = "キオスクに同梱 / shipped with the kiosk"
    lines = [
        f"使用中のバージョン / Version in use: {version}",
        f"自治体 / Municipality: {services.catalog.municipality.id}",
        f"出どころ / Source: {source}",
    ]
    problems = services.catalog_problems
    if problems:
        lines.append(
            f"問題 {len(problems)} 件: 前回の正常なカタログを使用中"
            f" / {len(problems)} problem(s): the last good catalog is in use"
        )
        lines += [f"・{problem}" for problem in problems]
    else:
        lines.append(f"問題 / Problems: {NONE}")
    if status.get("catalog_error"):
        lines.append(f"取得の問題 / Last pull refused: {status['catalog_error']}")
    if status.get("catalog_next_pull"):
        lines.append(f"次の取得 / Next pull: {when(status['catalog_next_pull'])}")
    return lines


# -- ログ / Log ---------------------------------------------------------------------------------


def log_file(services: Services) -> Path:
    return services.paths.log_dir / LOG_FILE_NAME


def log_tail(path: Path, lines: int = LOG_LINES, max_bytes: int = LOG_TAIL_BYTES) -> list[str]:
    """The last lines of a log file, reading at most max_bytes from its end (a log that grew
    to its rotation size is not read whole on the GUI thread)."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            start = max(0, size - max_bytes)
            handle.seek(start)
            data = handle.read(max_bytes)
    except FileNotFoundError:
        return [f"ログファイルがありません / No log file yet: {path}"]
    except OSError as error:
        return [f"ログを読めません / The log cannot be read: {error.strerror or error}"]
    text = data.decode("utf-8", errors="replace").splitlines()
    if start > 0 and text:
        text = text[1:]  # the first line was cut by the byte bound
    return text[-lines:] if text else ["(空 / empty)"]


# -- 機器 / Devices -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceReport:
    device: str
    state: str  # "ready", "error (paper_out)"
    detail: str
    faults: tuple[str, ...]  # newest first: "2026-12-05 09:12:03 (…) error: paper_out"


def device_reports(
    statuses: Mapping[str, DeviceStatus], faults_of, now: float | None = None
) -> list[DeviceReport]:
    """Each device's state and conditions, and its last faults with their times. faults_of:
    device → its DeviceFault list, newest first (DeviceFaults.recent)."""
    reports = []
    for device, status in statuses.items():
        conditions = ", ".join(sorted(status.conditions))
        state = status.state.value + (f" ({conditions})" if conditions else "")
        reports.append(
            DeviceReport(
                device,
                state,
                status.detail,
                tuple(fault_line(fault, now) for fault in faults_of(device)),
            )
        )
    return reports


def fault_line(fault: DeviceFault, now: float | None = None) -> str:
    conditions = ", ".join(fault.conditions)
    return f"{when(fault.at, now)}  {fault.state}" + (f": {conditions}" if conditions else "")


def device_lines(reports: Iterable[DeviceReport]) -> list[str]:
    lines = []
    for report in reports:
        lines.append(f"■ {report.device}: {report.state}")
        if report.detail:
            lines.append(f"   {report.detail}")
        if report.faults:
            lines.append("   最近の異常 / Recent faults:")
            lines += [f"   ・{fault}" for fault in report.faults]
        else:
            lines.append(f"   最近の異常 / Recent faults: {NONE}")
    return lines or [f"機器 / Devices: {NONE}"]


# -- 設定 / Settings ----------------------------------------------------------------------------


def setting_lines(sources: Iterable) -> list[str]:
    """services.setting_sources() (SettingSource: name, value, source), one line each."""
    lines = [f"{row.name} = {row.value or EMPTY_VALUE}   [{row.source}]" for row in sources]
    return lines or ["設定の出どころはまだ表示できません / Setting sources are not available yet"]
