"""Backend load with several kiosks at once: batches of 100 over real HTTP to `kiosk backend
serve` in its own process, on SQLite and on a durable PostgreSQL (fsync on), one kiosk and K
kiosks draining together, against one request per application. The figures in
docs/BACKEND.md come from this program (`kiosk bench` measures the single-kiosk drain):

    .venv/bin/python -m bench.backend_load [--applications 3000] [--kiosks 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from backend.local_postgres import free_port
from backend.paths import BackendPaths
from backend.provisioning import issue_token
from core.sealing import generate_key_pair, load_public_key, seal
from core.wire import APPLICATIONS_PATH, BATCH_PATH, HEALTH_PATH

BATCH = 100
START_DEADLINE_S = 60


@dataclass
class ServedBackend:
    url: str
    process: subprocess.Popen
    paths: BackendPaths

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def serve(root: Path, database: str, workers: int = 1) -> ServedBackend:
    paths = BackendPaths(root)
    generate_key_pair(paths.keys)
    port = free_port()
    place = ["--data", str(root), "--database", database, "--workers", str(workers)]
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "backend", "serve", "--port", str(port), *place],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    backend = ServedBackend(f"http://127.0.0.1:{port}", process, paths)
    end = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < end and process.poll() is None:
        try:
            if requests.get(backend.url + HEALTH_PATH, timeout=1).ok:
                return backend
        except requests.RequestException:
            time.sleep(0.1)  # polling interval while the server starts
    backend.stop()
    raise RuntimeError("the backend did not start")


def sealed_applications(paths: BackendPaths, kiosk_id: str, count: int) -> list[dict]:
    public_key = load_public_key(paths.keys / "public.pem")
    made = []
    for number in range(count):
        application_id = str(uuid.uuid4())
        answers = {"copies": 2, "purpose": "procedure", "name": "山田 太郎", "n": number}
        made.append(
            {
                "id": application_id,
                "kiosk_id": kiosk_id,
                "reception_number": f"A-{number:04d}",
                "procedure_id": "juminhyo",
                "procedure_version": 1,
                "created_at": datetime.now(UTC).isoformat(),
                "sealed": seal(
                    {"procedure": "juminhyo", "answers": answers}, public_key, application_id
                ).decode(),
            }
        )
    return made


def drain(url: str, token: str, queue: list[dict], batch: int = BATCH) -> float:
    """Send the queue in batches like a kiosk's sync loop; seconds taken."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    for start in range(0, len(queue), batch):
        response = session.post(
            url + BATCH_PATH, json={"applications": queue[start : start + batch]}, timeout=60
        )
        response.raise_for_status()
        if {r["status"] for r in response.json()["results"]} != {"created"}:
            raise RuntimeError("the backend did not create every application")
    return time.perf_counter() - started


def drain_one_by_one(url: str, token: str, queue: list[dict]) -> float:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    for application in queue:
        response = session.post(
            url + APPLICATIONS_PATH,
            json=application,
            headers={"Idempotency-Key": application["id"]},
            timeout=60,
        )
        if response.status_code != 201:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    return time.perf_counter() - started


def measure(database: str, root: Path, count: int, kiosks: int) -> dict[str, float]:
    backend = serve(root, database)
    try:
        tokens = [issue_token(database, "kiosk", f"kiosk-{k:02d}") for k in range(kiosks)]
        queues = [sealed_applications(backend.paths, f"kiosk-{k:02d}", count) for k in range(3)]
        single = drain_one_by_one(backend.url, tokens[0], queues[0][: count // 5])
        batched = drain(backend.url, tokens[1], queues[1])
        parallel = [
            sealed_applications(backend.paths, f"kiosk-{k:02d}", count // kiosks)
            for k in range(kiosks)
        ]
        started = time.perf_counter()
        with ThreadPoolExecutor(kiosks) as pool:
            list(pool.map(lambda k: drain(backend.url, tokens[k], parallel[k]), range(kiosks)))
        together = time.perf_counter() - started
    finally:
        backend.stop()
    return {
        "one by one (POST applications)": (count // 5) / single,
        "batches of 100, one kiosk": count / batched,
        f"batches of 100, {kiosks} kiosks at once": (count // kiosks) * kiosks / together,
    }


def main() -> int:
    from backend.local_postgres import running_postgres

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=3000)
    parser.add_argument("--kiosks", type=int, default=4)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; {args.applications} applications per run")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        results = {
            "SQLite": measure(
                f"sqlite:///{root / 'bench.sqlite3'}", root / "s", args.applications, args.kiosks
            )
        }
        with running_postgres(durable=True) as server:
            results["PostgreSQL"] = measure(
                server.create_database("bench"), root / "p", args.applications, args.kiosks
            )
    for database, rates in results.items():
        for name, rate in rates.items():
            print(f"{database:<11} {name:<38} {rate:7.0f} applications/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
