"""Chaos: a thousand applications through a network that drops, resets, fails, stalls, loses
replies after the server committed and cuts bodies short. Every one arrives exactly once.

The backend is the real one (`kiosk backend serve` under uvicorn, its own process); between it
and the kiosk's sync client sits tests/chaos_proxy.py.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from kiosk.cli.local_backend import build_services
from kiosk.simulate import simulate_residents
from tests.chaos_proxy import ChaosProxy, Fault
from tests.sync_support import kiosk_settings

APPLICATIONS = 1000
DRAIN_DEADLINE_S = 300
PRINT_BACKLOG_S = 300  # a thousand simulated receipts queue up behind the residents
# Half of all requests meet trouble; every kind of trouble is common enough to happen often.
WEIGHTS = {
    Fault.NONE: 5,
    Fault.DROP: 1,
    Fault.RESET: 1,
    Fault.ERROR_500: 1,
    Fault.UNAVAILABLE_503: 1,
    Fault.SLOW: 1,
    Fault.LOST_REPLY: 2,
    Fault.TRUNCATED: 1,
}


class _Discard:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


@pytest.mark.slow
def test_a_thousand_applications_through_a_faulty_network_arrive_exactly_once(
    live_backend, kiosk_paths
):
    with ChaosProxy(live_backend.port, WEIGHTS, seed=20261127) as proxy:
        # Small batches: many requests, so every fault happens many times.
        settings = kiosk_settings(live_backend, backend_url=proxy.url, sync_batch=20)
        services = build_services(settings, kiosk_paths)
        try:
            made = simulate_residents(
                APPLICATIONS,
                services.procedures(),
                services.start_session,
                services.finalize,
                _Discard(),
                seed=1,
            )
            services.wait_for_devices(timeout_s=PRINT_BACKLOG_S)
            duplicates = 0
            end = time.monotonic() + DRAIN_DEADLINE_S
            while services.store.sync_counts()["queued"] and time.monotonic() < end:
                duplicates += services.sync.drain_once().duplicates
            counts = services.store.sync_counts()
        finally:
            services.close()

    assert counts == {"queued": 0, "quarantined": 0}, counts
    shown = {application.application_id for application in made}
    assert len(shown) == APPLICATIONS
    with sqlite3.connect(live_backend.paths.database) as connection:
        rows = connection.execute("SELECT id, reception_number FROM applications").fetchall()
    received = [row[0] for row in rows]
    assert len(received) == len(set(received)) == APPLICATIONS  # none twice
    assert set(received) == shown  # none lost, none invented
    assert len({row[1] for row in rows}) == APPLICATIONS  # reception numbers stay unique
    # The faults really happened, each of them, and lost replies were resent as duplicates.
    assert all(proxy.counts[fault] > 0 for fault in Fault), proxy.counts
    assert duplicates > 0
