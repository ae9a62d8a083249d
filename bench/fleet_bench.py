"""Fleet scale: N simulated kiosks (bench/fleet_load.py) against `kiosk backend serve` in its
own process on a durable PostgreSQL (fsync on), with one or several uvicorn workers; against
one kiosk's heartbeats alone measured on the same server just before.

`kiosk bench --only fleet` runs 500 kiosks for 60 s on one worker (target: heartbeat p95
≤ 200 ms and no error); MADOGUCHI_FLEET_KIOSKS, MADOGUCHI_FLEET_SECONDS and
MADOGUCHI_FLEET_WORKERS make it smaller or larger. The figures in docs/BACKEND.md come from

    .venv/bin/python -m bench.fleet_bench [--kiosks 500] [--seconds 60] [--workers 1 2] [--speed 1]

(--speed 10: every kiosk ten times as busy, the load of a fleet ten times as large: the
capacity runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from bench.fleet_load import (
    FleetPlan,
    SimulatedKiosk,
    Tally,
    application_sealer,
    machine,
    percentile,
    process_tree_cpu_s,
    run_fleet,
    single_kiosk_heartbeats,
)

KIOSKS_ENV = "MADOGUCHI_FLEET_KIOSKS"
SECONDS_ENV = "MADOGUCHI_FLEET_SECONDS"
WORKERS_ENV = "MADOGUCHI_FLEET_WORKERS"
TARGET_P95_MS = 200.0
BASELINE_BEATS = 100
OPEN_HOURS = 8  # a kiosk-day: the office's opening hours at the plan's rate
APPLICATIONS_PER_DAY = OPEN_HOURS * 3600 / FleetPlan(1, 1).application_interval_s
COUNTED = ("kiosk_status", "kiosk_state_history", "kiosk_alerts", "applications")


@dataclass(frozen=True)
class FleetRun:
    workers: int
    plan: FleetPlan
    tally: Tally
    single: list[float]
    server_cpu_s: float
    database_cpu_s: float | None
    bytes_before: dict[str, int]
    bytes_after: dict[str, int]
    rows: dict[str, int]
    machine: str

    @property
    def ratio(self) -> float:
        return self.tally.p95_ms("heartbeat") / self.single_p95_ms

    @property
    def single_p95_ms(self) -> float:
        return percentile(self.single, 95) * 1000

    def growth(self) -> dict[str, int]:
        return {
            table: self.bytes_after.get(table, 0) - self.bytes_before.get(table, 0)
            for table in self.bytes_after
            if self.bytes_after.get(table, 0) != self.bytes_before.get(table, 0)
        }

    def bytes_per_application(self) -> float:
        """What the tables that grow with every application grew by, per application stored
        (the heartbeat tables are capped per kiosk: they do not grow with time)."""
        grown = sum(size for table, size in self.growth().items() if table not in COUNTED[:3])
        return grown / max(1, self.tally.applications_created)

    def growth_per_kiosk_day(self) -> float:
        """Bytes a kiosk adds in an OPEN_HOURS day at the realistic rate (FleetPlan's default,
        whatever --speed this run had)."""
        return self.bytes_per_application() * APPLICATIONS_PER_DAY

    def passed(self) -> bool:
        return self.tally.errors == 0 and self.tally.p95_ms("heartbeat") <= TARGET_P95_MS

    def summary(self) -> str:
        t, cpu = self.tally, self.tally.seconds
        database = (
            f"PostgreSQL {self.database_cpu_s:.1f} s ({self.database_cpu_s / cpu:.0%})"
            if self.database_cpu_s is not None
            else "database in the server process"
        )
        sizes = ", ".join(f"{name} +{size / 1024:.0f} KiB" for name, size in self.growth().items())
        return (
            f"{self.plan.kiosks} kiosks, {self.workers} worker(s), {t.seconds:.0f} s: "
            f"{t.rate('heartbeat'):.1f} heartbeats/s (p95 {t.p95_ms('heartbeat'):.1f} ms, "
            f"median {t.median_ms('heartbeat'):.1f} ms), {t.rate('batch'):.2f} batches/s "
            f"= {t.applications_created / t.seconds:.2f} applications/s (batch p95 "
            f"{t.p95_ms('batch'):.1f} ms); {t.printer_changes} printer changes, "
            f"{t.staff_calls} staff calls; errors {t.errors}; one kiosk alone: heartbeat p95 "
            f"{self.single_p95_ms:.1f} ms (ratio {self.ratio:.2f}); CPU over the run: server "
            f"{self.server_cpu_s:.1f} s ({self.server_cpu_s / cpu:.0%} of one core), {database}, "
            f"load program {t.load_cpu_s:.1f} s ({t.load_cpu_s / cpu:.0%}); start lateness p95 "
            f"{percentile(t.lateness, 95) * 1000:.0f} ms; database growth {sizes or 'none'} "
            f"= {self.bytes_per_application():.0f} B per application ≈ "
            f"{self.growth_per_kiosk_day() / 1024:.0f} KiB per kiosk-day ({OPEN_HOURS} h, "
            f"{APPLICATIONS_PER_DAY:.0f} applications); "
            f"rows {self.rows}; machine: {self.machine}"
        )


def table_bytes(engine: Engine) -> dict[str, int]:
    """Each table's size with its indexes and TOAST (PostgreSQL), or the file's (SQLite)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            found = connection.execute(
                text(
                    "SELECT relname, pg_total_relation_size(relid)"
                    " FROM pg_catalog.pg_statio_user_tables"
                )
            )
            return {name: int(size) for name, size in found}
    return {"(SQLite file)": Path(engine.url.database or "").stat().st_size}


def row_counts(engine: Engine) -> dict[str, int]:
    from backend import db

    with engine.connect() as connection:
        return {
            name: connection.execute(
                select(func.count()).select_from(db.metadata.tables[name])
            ).scalar_one()
            for name in COUNTED
        }


def enroll(engine: Engine, count: int) -> list[SimulatedKiosk]:
    """count kiosks with real tokens (backend/tokens.py, as `kiosk backend token` issues)."""
    from backend.provisioning import issue_token

    names = [f"fleet-{number:04d}" for number in range(count)]
    return [SimulatedKiosk(name, issue_token(engine, "kiosk", name)) for name in names]


def measure(
    database: str, scratch: Path, plan: FleetPlan, workers: int, database_pid: int | None
) -> FleetRun:
    from backend import db
    from bench.backend_load import serve
    from core.sealing import load_public_key

    backend = serve(scratch, database, workers)
    engine = None
    try:
        engine = db.connect(database, migrate=False)  # the server brought it up to date
        kiosks = enroll(engine, plan.kiosks)
        sealed = application_sealer(load_public_key(backend.paths.keys / "public.pem"))
        single_kiosk_heartbeats(backend.url, kiosks[0], 10)  # warm up: connections, caches
        single = single_kiosk_heartbeats(backend.url, kiosks[0], BASELINE_BEATS)
        before = table_bytes(engine)
        now = machine()
        server_cpu = process_tree_cpu_s(backend.process.pid)
        database_cpu = process_tree_cpu_s(database_pid) if database_pid else None
        tally = run_fleet(backend.url, kiosks, plan, sealed)
        server_cpu = process_tree_cpu_s(backend.process.pid) - server_cpu
        if database_pid:
            database_cpu = process_tree_cpu_s(database_pid) - (database_cpu or 0.0)
        return FleetRun(
            workers,
            plan,
            tally,
            single,
            server_cpu,
            database_cpu,
            before,
            table_bytes(engine),
            row_counts(engine),
            now,
        )
    finally:
        if engine is not None:
            engine.dispose()
        backend.stop()


def fleet_runs(plan: FleetPlan, workers: list[int]) -> Iterator[FleetRun]:
    """One run per worker count, each on a fresh database of one durable PostgreSQL, each
    handed out as soon as it is measured."""
    from backend.local_postgres import PostgresUnavailable, running_postgres

    try:
        with (
            tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder,
            running_postgres(durable=True) as server,
        ):
            database_pid = server.process.pid if server.process else None
            for count in workers:
                url = server.create_database(f"fleet{count}")
                yield measure(url, Path(folder) / f"w{count}", plan, count, database_pid)
    except PostgresUnavailable as error:
        raise RuntimeError(f"PostgreSQL could not be started: {error}") from error


def plan_from_environment(environ: os._Environ | dict[str, str] = os.environ) -> FleetPlan:
    return FleetPlan(
        kiosks=int(environ.get(KIOSKS_ENV, "500")),
        seconds=float(environ.get(SECONDS_ENV, "60")),
    )


def bench_fleet(repeat: int):
    """The `kiosk bench` entry: one run (a minute of a fleet is its own repetition)."""
    from bench.runner import Result

    plan = plan_from_environment()
    workers = int(os.environ.get(WORKERS_ENV, "1"))
    [run] = fleet_runs(plan, [workers])
    return Result(
        f"fleet: {plan.kiosks} kiosks for {plan.seconds:.0f} s (PostgreSQL, {workers} worker)",
        "ms",
        run.tally.p95_ms("heartbeat"),
        run.single_p95_ms,
        "one kiosk's heartbeat p95, alone on the same server",
        f"p95 ≤ {TARGET_P95_MS:.0f} ms, no error",
        run.passed(),
        run.summary(),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="every kiosk's rates times this: 500 kiosks at --speed 10 offer 5,000 kiosks' load",
    )
    args = parser.parse_args()
    plan = FleetPlan(args.kiosks, args.seconds)
    plan = replace(
        plan,
        heartbeat_interval_s=plan.heartbeat_interval_s / args.speed,
        application_interval_s=plan.application_interval_s / args.speed,
        printer_change_interval_s=plan.printer_change_interval_s / args.speed,
        staff_call_interval_s=plan.staff_call_interval_s / args.speed,
    )
    print(f"machine: {machine()}", flush=True)
    failed = False
    for run in fleet_runs(plan, args.workers):
        print(run.summary(), flush=True)
        for sample in run.tally.error_samples:
            print(f"  error: {sample}")
        failed = failed or not run.passed()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
