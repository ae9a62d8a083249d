"""Every shipped procedure, completed by touch alone on the kiosk screen: the card (where the
procedure takes card items) with the demo card, then each page with its touch widget."""

from __future__ import annotations

import pytest

from core.catalog import Catalog
from kiosk.cli.local_backend import build_services
from screens.theme import Look
from screens.tour import answer_by_touch
from tests.gui import show_window, tap, use_demo_card

WAIT_MS = 10_000
OFFERED = [procedure.id for procedure in Catalog.load("sample-city").procedures()]


@pytest.fixture(params=["standard", "largest"])
def kiosk(request, settings, kiosk_paths, japanese_qapp, qtbot):
    services = build_services(settings.model_copy(update={"card_reader": "sim"}), kiosk_paths)
    look = Look(settings.theme, request.param)  # every page must fit at every text size
    window = show_window(services, qtbot, look)
    yield window, services
    window.close()
    services.close()


@pytest.mark.parametrize("procedure_id", OFFERED)
def test_every_procedure_can_be_completed_by_touch(kiosk, qtbot, procedure_id):
    window, services = kiosk
    procedure = services.catalog.procedure(procedure_id)
    tap(qtbot, window.home.primary_button)
    tap(qtbot, window.menu.category_buttons[procedure.category])
    tap(qtbot, window.menu.procedure_buttons[procedure_id])
    if procedure.prefill:
        assert window.stack.currentWidget() is window.card
        use_demo_card(qtbot, window)
        for page_id in procedure.prefill.values():
            assert window.session.answer_for(page_id) is not None, page_id
    for _ in range(60):
        if window.stack.currentWidget() is not window.question:
            break
        page = window.session.page
        assert window.size().height() == 1080, f"{procedure_id}.{page.id} does not fit 1080 px"
        if page.id.endswith("#more"):  # 「ほかにも…いますか」 of a repeated group: いいえ
            tap(qtbot, window.question.input.button(False))
        else:
            answer_by_touch(page, window.question.input, lambda button: tap(qtbot, button))
        tap(qtbot, window.question.primary_button)
        if window.question.isVisible() and window.question.error.isVisible():
            raise AssertionError(f"{procedure_id}.{page.id}: {window.question.error.text()}")
    assert window.stack.currentWidget() is window.review, procedure_id
    review = window.review
    if review.down_button.isVisible():  # a long review scrolls inside the screen
        tap(qtbot, review.down_button)
        assert review.scroll.verticalScrollBar().value() > 0
        assert review.up_button.isEnabled()
    assert window.size().height() == 1080  # never taller than the screen
    tap(qtbot, window.review.primary_button)
    assert window.stack.currentWidget() is window.completion, procedure_id
    assert window.completion.number.text().startswith("A-")
    assert window.size().height() == 1080, f"{procedure_id}: completion does not fit 1080 px"
