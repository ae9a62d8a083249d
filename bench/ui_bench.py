"""Resident-UI benchmarks (each side in its own process; see bench/ui_probe.py)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

TRANSITIONS = 500
IDLE_S = 60.0
SESSIONS = 300
PROBE_TIMEOUT_S = 900


def _start(mode: str, amount: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.ui_probe", mode, str(amount)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=PROBE_TIMEOUT_S)
    if process.returncode != 0:
        raise RuntimeError(f"ui probe failed: {err.strip()[-400:]}")
    return json.loads(out.strip().splitlines()[-1])


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def bench_transition(repeat: int):
    from bench.runner import Result

    kiosk = _result(_start("transitions", TRANSITIONS))["seconds"]
    bare = _result(_start("transitions-bare", TRANSITIONS))["seconds"]
    project, baseline = _p95(kiosk) * 1000, _p95(bare) * 1000
    return Result(
        "ui: tap → next page painted (p95)",
        "ms",
        project,
        baseline,
        "a bare QStackedWidget switching two pages of a heading and four buttons",
        "≤ 16 ms",
        project <= 16.0,
        f"{TRANSITIONS} transitions つぎへ/もどる on 住民票's questions, 1920×1080 offscreen, "
        f"painted (grab) included; median {statistics.median(kiosk) * 1000:.1f} ms",
    )


def bench_idle_cpu(repeat: int):
    from bench.runner import Result

    # Both sides at once: a minute each, and the two cores are otherwise idle.
    kiosk_process, bare_process = _start("idle", IDLE_S), _start("idle-bare", IDLE_S)
    kiosk, bare = _result(kiosk_process), _result(bare_process)
    project = 100 * kiosk["cpu_s"] / kiosk["wall_s"]
    baseline = 100 * bare["cpu_s"] / bare["wall_s"]
    return Result(
        "ui: CPU while idle on the home screen",
        "% of a core",
        project,
        baseline,
        "a bare PySide6 window",
        "≤ 1 %",
        project <= 1.0,
        f"{IDLE_S:.0f} s each; the kiosk keeps a 500 ms idle check and the device supervisor",
    )


def bench_session_memory(repeat: int):
    from bench.runner import Result

    kiosk = _result(_start("sessions", SESSIONS))
    flow = _result(_start("sessions-flow", SESSIONS))
    growth = (kiosk["after_kib"] - kiosk["before_kib"]) / 1024
    total = kiosk["after_kib"] / 1024
    baseline = (flow["after_kib"] - flow["before_kib"]) / 1024
    return Result(
        "ui: RSS growth over 300 sessions",
        "MB",
        growth,
        max(baseline, 0.001),
        "the same sessions through services only (no screens)",
        "≤ 5 MB, and RSS ≤ 150 MB at the end",
        growth <= 5.0 and total <= 150.0,
        f"住民票 home → submit → finish on screen, after {30} warm-up sessions; "
        f"RSS {total:.0f} MB at the end",
    )


def bench_usage_overhead(repeat: int, transitions: int = TRANSITIONS):
    """Tap → next page painted with the usage recorder on (as shipped) vs off, in turns."""
    from bench.runner import Result

    on, off = [], []
    for _ in range(2):  # two runs a side, alternated: a loaded moment falls on both
        on += _result(_start("transitions", transitions))["seconds"]
        off += _result(_start("transitions-quiet", transitions))["seconds"]
    project, baseline = _p95(on) * 1000, _p95(off) * 1000
    return Result(
        "ui: tap → next page painted with the usage recorder (p95)",
        "ms",
        project,
        baseline,
        "the same kiosk with the usage recorder off",
        "≤ 16 ms",
        project <= 16.0,
        f"{2 * transitions} transitions a side つぎへ/もどる on 住民票's questions, two runs a "
        f"side alternated, 1920×1080 offscreen, painted (grab) included; medians "
        f"{statistics.median(on) * 1000:.2f} vs {statistics.median(off) * 1000:.2f} ms",
    )
