"""The kiosk's side of the bounded wire models (issue 13, finding 6): an application stored
outside them is set aside with the field named instead of failing every sync round; what the
backend refuses for its content is quarantined with the backend's reason (finding 3)."""

from __future__ import annotations

from core.sealing import seal
from tests.helpers import finalize_juminhyo as finalize
from tests.test_sync_backend import backend, kiosk  # noqa: F401


def test_an_application_outside_the_wire_bounds_is_set_aside_not_retried_forever(
    backend,  # noqa: F811
    kiosk,  # noqa: F811
):
    backend.start()
    broken = finalize(kiosk)
    fine = [finalize(kiosk) for _ in range(3)]
    # A clock that said year 1 when it was finalized (converting it to UTC overflows).
    kiosk.store.db.execute(
        "UPDATE applications SET created_at = '0001-01-01T00:00:00+09:00' WHERE id = ?",
        [broken.id],
    )
    report = kiosk.sync.drain_once()
    assert (report.sent, report.quarantined, report.error) == (3, 1, None)
    assert sorted(backend.received_ids()) == sorted(a.id for a in fine)
    [item] = kiosk.quarantined()
    assert item.application_id == broken.id and "created_at" in item.reason
    assert kiosk.sync.drain_once().error is None  # nothing left to fail on


def test_sealed_content_that_is_no_application_is_quarantined_with_the_reason(
    backend,  # noqa: F811
    kiosk,  # noqa: F811
):
    backend.start()
    odd = finalize(kiosk)
    # What a faulty kiosk build could seal: valid to the key, but not an application.
    kiosk.store.db.execute(
        "UPDATE applications SET sealed = ? WHERE id = ?",
        [seal({"answers": "x"}, kiosk._seal_key, odd.id), odd.id],
    )
    normal = finalize(kiosk)
    report = kiosk.sync.drain_once()
    assert (report.sent, report.quarantined) == (1, 1)
    assert backend.received_ids() == [normal.id]
    [item] = kiosk.quarantined()
    assert item.application_id == odd.id and "not an application" in item.reason
