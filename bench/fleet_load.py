"""A fleet of simulated kiosks against one backend: each heartbeats on its interval, reports
its device states (now and then a printer running low on paper or refilled, or a staff call,
each sent at once as a real kiosk does), and submits sealed applications in batches at a
realistic rate; bounded in time and in requests, loopback only.

One asyncio loop and one small HTTP/1.1 client (bench/loopback_http.py: keep-alive
connections, fewer than the server's concurrency limit) drive every kiosk, so that the load
program costs a fraction of what the server spends: its own CPU time is measured and
reported beside the server's (/proc/PID/stat of the server and its worker processes), and how
late each request left against its plan shows whether the load program kept up.

The rates (FleetPlan defaults), from the kiosk and a busy office:
- a heartbeat every 60 s: the kiosk's heartbeat_interval_s default (kiosk/config.py);
- an application finished every 4 minutes on average per kiosk (exponential gaps): a busy
  市民課 counter's kiosk, ≈ 15 an hour, 120 in an 8-hour day; the kiosk's sync loop sends each
  as soon as it is finalized, so a batch is usually one application, and one batch in ten
  carries a small backlog (2-5, as after a network blip);
- per kiosk, a printer state change every 30 minutes and a staff call every hour on average.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench.loopback_http import HttpFailure, LoopbackClient, require_loopback
from core.wire import BATCH_PATH, HEARTBEAT_PATH

T = TypeVar("T")

PRINTER_STATES = ("ok", "paper_near_end")
REQUEST_TIMEOUT_S = 30.0
ERRORS_KEPT = 10


@dataclass(frozen=True)
class FleetPlan:
    kiosks: int
    seconds: float
    heartbeat_interval_s: float = 60.0
    application_interval_s: float = 240.0  # mean, per kiosk
    backlog_share: float = 0.1  # batches that carry 2-5 applications
    printer_change_interval_s: float = 1800.0  # mean, per kiosk
    staff_call_interval_s: float = 3600.0  # mean, per kiosk
    connections: int = 100  # the load program's keep-alive pool (server: 256 per worker)
    seed: int = 17

    @property
    def max_requests(self) -> int:
        """The count bound: four times what the plan expects, and never unbounded."""
        per_kiosk = self.seconds * (
            1 / self.heartbeat_interval_s
            + 1 / self.application_interval_s
            + 1 / self.printer_change_interval_s
            + 1 / self.staff_call_interval_s
        )
        return math.ceil(4 * self.kiosks * (per_kiosk + 1)) + 100


@dataclass(frozen=True)
class SimulatedKiosk:
    kiosk_id: str
    token: str


@dataclass
class Tally:
    """What the fleet sent and what came back."""

    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"heartbeat": [], "batch": []}
    )
    lateness: list[float] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=lambda: {"heartbeat": 0, "batch": 0})
    applications_sent: int = 0
    applications_created: int = 0
    printer_changes: int = 0
    staff_calls: int = 0
    alerts_sent: int = 0
    states_reported: int = 0  # heartbeats whose devices differ from the kiosk's last
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    load_cpu_s: float = 0.0
    stopped_by_count: bool = False

    def failed(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < ERRORS_KEPT:
            self.error_samples.append(what)

    @property
    def requests(self) -> int:
        return sum(self.sent.values())

    def rate(self, kind: str) -> float:
        return len(self.latencies[kind]) / self.seconds if self.seconds else 0.0

    def p95_ms(self, kind: str) -> float:
        return percentile(self.latencies[kind], 95) * 1000

    def median_ms(self, kind: str) -> float:
        values = self.latencies[kind]
        return statistics.median(values) * 1000 if values else math.nan


def percentile(values: list[float], which: float) -> float:
    """The nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(which / 100 * len(ordered)) - 1)]


def heartbeat_body(kiosk_id: str, printer: str, alerts: list[dict]) -> dict:
    return {
        "kiosk_id": kiosk_id,
        "app_version": "0.17.0",
        "catalog_version": "sample-city-2026",
        "queue_depth": 0,
        "quarantined": 0,
        "devices": {"printer": printer, "scanner": "ok", "card_reader": "ok"},
        "alerts": alerts,
        "sent_at": datetime.now(UTC).isoformat(),
    }


SealApplication = Callable[[str, int], dict]  # (kiosk_id, number) → SubmittedApplication JSON


def application_sealer(public_key) -> SealApplication:
    """Real sealed applications (core/sealing.py), as a kiosk's finalize makes them."""
    from core.sealing import seal

    def sealed(kiosk_id: str, number: int) -> dict:
        application_id = str(uuid.uuid4())
        answers = {"copies": 2, "purpose": "procedure", "name": "山田 太郎"}
        envelope = {"procedure": "juminhyo", "procedure_version": 1, "answers": answers}
        return {
            "id": application_id,
            "kiosk_id": kiosk_id,
            "reception_number": f"A-{number % 1000:03d}",
            "procedure_id": "juminhyo",
            "procedure_version": 1,
            "created_at": datetime.now(UTC).isoformat(),
            "sealed": seal(envelope, public_key, application_id).decode(),
        }

    return sealed


class Fleet:
    """The kiosks of one run, sharing one client, one tally and the bounds."""

    def __init__(
        self,
        url: str,
        kiosks: list[SimulatedKiosk],
        plan: FleetPlan,
        pool: dict[str, list[dict]],
        sealed: SealApplication,
    ) -> None:
        require_loopback(url)
        self.url = url
        self.kiosks = kiosks
        self.plan = plan
        self.pool = pool
        self.sealed = sealed
        self.tally = Tally()
        self.random = random.Random(plan.seed)
        self.client: LoopbackClient | None = None
        self.deadline = 0.0

    def _over(self) -> bool:
        if self.tally.requests >= self.plan.max_requests:
            self.tally.stopped_by_count = True
            return True
        return time.monotonic() >= self.deadline

    async def _send(self, kind: str, path: str, kiosk: SimulatedKiosk, body: dict) -> dict | None:
        assert self.client is not None
        self.tally.sent[kind] += 1
        started = time.perf_counter()
        try:
            response = await self.client.post_json(path, body, kiosk.token)
        except HttpFailure as error:
            self.tally.failed(f"{kind} {kiosk.kiosk_id}: {error}")
            return None
        elapsed = time.perf_counter() - started
        if response.status != 200:
            self.tally.failed(
                f"{kind} {kiosk.kiosk_id}: HTTP {response.status} {response.body[:120]!r}"
            )
            return None
        self.tally.latencies[kind].append(elapsed)
        return response.json()

    async def _wait_until(self, moment: float) -> bool:
        """Sleep until moment (pacing); False when the run is over first."""
        delay = moment - time.monotonic()
        if moment >= self.deadline:
            await asyncio.sleep(max(0.0, self.deadline - time.monotonic()))
            return False
        if delay > 0:
            await asyncio.sleep(delay)
        self.tally.lateness.append(max(0.0, time.monotonic() - moment))
        return not self._over()

    def _next(self, now: float, mean_s: float) -> float:
        return now + self.random.expovariate(1 / mean_s)

    async def _kiosk(self, kiosk: SimulatedKiosk) -> None:
        plan, now = self.plan, time.monotonic()
        printer, reported = "ok", None
        numbers = iter(range(1, 1_000_000))
        # Kiosks started at different moments: each beats at its own phase of the interval.
        beat_at = now + self.random.uniform(0, plan.heartbeat_interval_s)
        submit_at = self._next(now, plan.application_interval_s)
        change_at = self._next(now, plan.printer_change_interval_s)
        call_at = self._next(now, plan.staff_call_interval_s)
        while True:
            moment = min(beat_at, submit_at, change_at, call_at)
            if not await self._wait_until(moment):
                return
            if moment == submit_at:
                size = self.random.randint(2, 5) if self.random.random() < plan.backlog_share else 1
                queue = self.pool[kiosk.kiosk_id]
                batch = [
                    queue.pop() if queue else self.sealed(kiosk.kiosk_id, next(numbers))
                    for _ in range(size)
                ]
                self.tally.applications_sent += size
                reply = await self._send("batch", BATCH_PATH, kiosk, {"applications": batch})
                if reply is not None:
                    created = [r for r in reply["results"] if r["status"] == "created"]
                    self.tally.applications_created += len(created)
                    if len(created) != size:
                        self.tally.failed(f"batch {kiosk.kiosk_id}: {reply['results']!r:.200}")
                submit_at = self._next(submit_at, plan.application_interval_s)
                continue
            alerts = []
            if moment == change_at:  # sent at once, as the kiosk does on a device problem
                printer = PRINTER_STATES[PRINTER_STATES.index(printer) ^ 1]
                self.tally.printer_changes += 1
                if printer != "ok":
                    alerts.append({"kind": f"printer_{printer}", "at": _now(), "detail": "printer"})
                change_at = self._next(change_at, plan.printer_change_interval_s)
            elif moment == call_at:  # a resident pressed 職員を呼ぶ
                self.tally.staff_calls += 1
                alerts.append({"kind": "staff_call", "at": _now(), "detail": "question"})
                call_at = self._next(call_at, plan.staff_call_interval_s)
            else:
                beat_at += plan.heartbeat_interval_s
            self.tally.alerts_sent += len(alerts)
            body = heartbeat_body(kiosk.kiosk_id, printer, alerts)
            reply = await self._send("heartbeat", HEARTBEAT_PATH, kiosk, body)
            if reply is not None and printer != reported:
                self.tally.states_reported += 1
                reported = printer

    async def run(self) -> Tally:
        self.client = LoopbackClient(self.url, self.plan.connections, timeout_s=REQUEST_TIMEOUT_S)
        cpu, started = time.process_time(), time.monotonic()
        self.deadline = started + self.plan.seconds
        try:
            await asyncio.gather(*(self._kiosk(kiosk) for kiosk in self.kiosks))
        finally:
            self.tally.seconds = time.monotonic() - started
            self.tally.load_cpu_s = time.process_time() - cpu
            await self.client.aclose()
        return self.tally


def _now() -> str:
    return datetime.now(UTC).isoformat()


def sealed_pool(
    kiosks: list[SimulatedKiosk], plan: FleetPlan, sealed: SealApplication
) -> dict[str, list[dict]]:
    """Applications sealed before the clock starts (a kiosk seals at finalize, not at sync):
    enough for twice the expected count of each kiosk; more are sealed on demand."""
    expected = plan.seconds / plan.application_interval_s * (1 + 2.5 * plan.backlog_share)
    each = math.ceil(2 * expected) + 2
    return {k.kiosk_id: [sealed(k.kiosk_id, n) for n in range(each)] for k in kiosks}


def _run(work: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, on a thread of its own when this one already runs a loop (a caller
    inside Playwright's sync API, as the browser tests are, does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(asyncio.run, work).result()


def run_fleet(
    url: str, kiosks: list[SimulatedKiosk], plan: FleetPlan, sealed: SealApplication
) -> Tally:
    pool = sealed_pool(kiosks, plan, sealed)
    return _run(Fleet(url, kiosks, plan, pool, sealed).run())


def single_kiosk_heartbeats(url: str, kiosk: SimulatedKiosk, count: int) -> list[float]:
    """One kiosk alone: count heartbeats one after another over one keep-alive connection,
    with the same client as the fleet; the seconds each took."""
    require_loopback(url)

    async def beats() -> list[float]:
        taken = []
        client = LoopbackClient(url, 1, timeout_s=REQUEST_TIMEOUT_S)
        try:
            for _ in range(count):
                body = heartbeat_body(kiosk.kiosk_id, "ok", [])
                started = time.perf_counter()
                response = await client.post_json(HEARTBEAT_PATH, body, kiosk.token)
                taken.append(time.perf_counter() - started)
                if response.status != 200:
                    raise HttpFailure(f"heartbeat alone: HTTP {response.status}")
        finally:
            await client.aclose()
        return taken

    return _run(beats())


def process_tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of pid and every process under it (uvicorn's workers,
    PostgreSQL's backends), from /proc: the children that exited and were waited for count
    in their parent's cutime/cstime."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # it exited meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(value) for value in fields[11:15]) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(member, 0.0) for member in tree)


def machine() -> str:
    """This machine, for every figure: CPU count and model, load average now."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{os.cpu_count()} × {model}, load average {load}"
