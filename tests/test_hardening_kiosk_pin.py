"""The technician PIN cannot be guessed (issue 13, finding 8): five free tries, then a lock that
doubles from 30 s up to 15 minutes, kept across restarts, logged without the digits typed, and
said in plain words. Time is an injected clock."""

from __future__ import annotations

import json
import logging

import pytest

from kiosk.pin_lockout import (
    FILE_NAME,
    FIRST_LOCK_S,
    FREE_TRIES,
    MAX_LOCK_S,
    PinLockout,
    lock_after,
)
from kiosk.technician import WRONG_PIN, TechnicianDesk, hash_pin

PIN = "2468013"
WRONG = "97531864"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_lock_grows_from_30_seconds_and_stops_at_15_minutes():
    assert [lock_after(n) for n in range(1, FREE_TRIES)] == [0.0] * (FREE_TRIES - 1)
    assert [lock_after(n) for n in range(FREE_TRIES, FREE_TRIES + 7)] == [
        30.0,
        60.0,
        120.0,
        240.0,
        480.0,
        900.0,
        900.0,
    ]
    assert lock_after(10**6) == MAX_LOCK_S  # no overflow however long someone tries


def test_five_free_tries_then_a_wait_during_which_nothing_is_checked(tmp_path):
    clock = Clock()
    lockout = PinLockout(tmp_path / FILE_NAME, clock)
    for left in range(FREE_TRIES - 1, 0, -1):
        assert lockout.check().allowed
        assert lockout.failed().tries_left == left
    locked = lockout.failed()
    assert locked.wait_s == FIRST_LOCK_S
    clock.now += FIRST_LOCK_S - 1
    refused = lockout.check()
    assert not refused.allowed and refused.wait_s == pytest.approx(1)
    assert lockout.failures == FREE_TRIES  # a try while locked is not checked, not counted
    clock.now += 1
    assert lockout.check().allowed
    assert lockout.failed().wait_s == 2 * FIRST_LOCK_S  # the next wrong one waits longer
    clock.now += 2 * FIRST_LOCK_S
    lockout.succeeded()
    assert lockout.failures == 0 and lockout.check().tries_left == FREE_TRIES


def test_the_count_and_the_lock_survive_a_restart(tmp_path):
    clock = Clock()
    path = tmp_path / "data" / FILE_NAME
    first = PinLockout(path, clock)
    for _ in range(FREE_TRIES):
        first.failed()
    again = PinLockout(path, clock)  # the kiosk switched off and on
    assert not again.check().allowed and again.wait_s() == FIRST_LOCK_S
    clock.now += FIRST_LOCK_S
    assert again.failed().wait_s == 2 * FIRST_LOCK_S
    assert json.loads(path.read_text()) == {
        "failures": FREE_TRIES + 1,
        "locked_until": clock.now + 60,
    }
    assert [p.name for p in path.parent.iterdir()] == [FILE_NAME]  # no temporary file left


def test_a_damaged_state_file_leaves_no_free_tries_and_a_clock_set_back_no_endless_lock(tmp_path):
    clock = Clock()
    path = tmp_path / FILE_NAME
    path.write_text("{ damaged")
    lockout = PinLockout(path, clock)
    assert lockout.check().allowed  # not locked for it …
    assert lockout.failed().wait_s == FIRST_LOCK_S  # … but the next wrong PIN locks
    path.write_text(json.dumps({"failures": 9, "locked_until": clock.now + 10**9}))
    assert PinLockout(path, clock).wait_s() == MAX_LOCK_S


@pytest.fixture
def desk_and_clock(settings, kiosk_paths):
    from kiosk.cli.local_backend import build_services

    services = build_services(
        settings.model_copy(update={"technician_pin_hash": hash_pin(PIN)}), kiosk_paths
    )
    clock = Clock()

    def desk() -> TechnicianDesk:
        return TechnicianDesk(services, PinLockout(kiosk_paths.data_dir / FILE_NAME, clock))

    yield desk, clock
    services.close()


def test_the_desk_says_how_long_to_wait_and_refuses_even_the_right_pin_meanwhile(
    desk_and_clock, caplog
):
    make_desk, clock = desk_and_clock
    desk = make_desk()
    with caplog.at_level(logging.INFO, logger="kiosk"):
        assert desk.enter(WRONG) is None and desk.refusal == WRONG_PIN
        for _ in range(FREE_TRIES - 2):
            assert desk.enter(WRONG) is None
        assert "あと1回" in desk.refusal and "1 more wrong" in desk.refusal
        assert desk.enter(WRONG) is None
        assert "30秒" in desk.refusal and "wait 30 seconds" in desk.refusal
        assert desk.locked_words() == desk.refusal
        clock.now += 10
        assert desk.enter(PIN) is None  # locked: not even the right PIN
        assert "20秒" in desk.refusal and "20 seconds" in desk.refusal

        restarted = make_desk()  # a restart keeps the lock
        assert restarted.enter(PIN) is None and "20 seconds" in restarted.refusal
        clock.now += 20
        assert restarted.locked_words() is None
        assert restarted.enter(WRONG) is None
        assert "1分" in restarted.refusal and "1 minute" in restarted.refusal
        clock.now += 60
        assert restarted.enter(PIN) is not None  # in; and the count starts again
        assert restarted.lockout.failures == 0

    messages = [record.getMessage() for record in caplog.records]
    assert sum("technician PIN wrong" in m for m in messages) == FREE_TRIES + 1
    assert any("PIN entry locked for 30 s" in m for m in messages)
    assert any("tried while locked" in m for m in messages)
    assert any("technician mode entered" in m for m in messages)
    assert not [m for m in messages if PIN in m or WRONG in m]  # never the digits typed


def test_long_waits_are_said_in_minutes(desk_and_clock):
    make_desk, clock = desk_and_clock
    desk = make_desk()
    for _ in range(FREE_TRIES + 3):  # 30, 60, 120, then 240 s
        desk.enter(WRONG)
        clock.now += desk.lockout.wait_s()
    desk.enter(WRONG)
    assert "8分" in desk.refusal and "8 minutes" in desk.refusal


def test_without_a_configured_pin_nothing_is_counted(settings, kiosk_paths):
    from kiosk.cli.local_backend import build_services

    services = build_services(settings, kiosk_paths)  # no technician_pin_hash
    try:
        desk = TechnicianDesk(services)
        for _ in range(FREE_TRIES * 2):
            assert desk.enter(PIN) is None and desk.refusal == WRONG_PIN
        assert desk.lockout.failures == 0
    finally:
        services.close()
