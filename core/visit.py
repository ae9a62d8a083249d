"""One resident doing several procedures in one visit: shared answers asked once.

Split from core.flow (which re-exports Visit); each procedure is still its own
core.flow.ResidentSession and its own application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from core.area import NO_AREA, MunicipalArea
from core.catalog import CardField, Procedure
from core.i18n import UiText

if TYPE_CHECKING:
    from core.flow import ResidentSession
    from core.life_events import FollowOn


class Visit:
    """One resident at the kiosk doing several procedures: shared answers are asked once,
    and each procedure still becomes its own application."""

    def __init__(
        self,
        procedures: list[Procedure],
        ui: UiText,
        card: Mapping[CardField, Any] | None = None,
        prefill: Mapping[str, Any] | None = None,
        today: date | None = None,
        area: MunicipalArea = NO_AREA,
        follow_ons: Sequence[FollowOn] = (),
    ) -> None:
        """follow_ons: procedures the day's list gains from a finished one's answers."""
        if not procedures:
            raise ValueError("a visit needs at least one procedure")
        self.procedures = procedures
        self.ui = ui
        self.card = dict(card or {})
        self.today = today
        self.area = area
        self.shared: dict[str, Any] = {}
        self.index = 0
        self.follow_ons = tuple(follow_ons)
        self.added: set[str] = set()  # joined the list from answers (FollowOn)

    def session(self) -> ResidentSession:
        """The session for the current procedure, knowing everything shared so far."""
        from core.flow import ResidentSession  # core.flow re-exports this module's Visit

        return ResidentSession(
            self.procedures[self.index],
            self.ui,
            shared=self.shared,
            card=self.card,
            today=self.today,
            area=self.area,
        )

    def replace_current(self, procedure: Procedure) -> None:
        """The procedure being done does not fit after all (転居 with an address outside the
        city): the one that fits takes its place in the day's list, once, and what was
        shared so far stays."""
        rest = [p for p in self.procedures[self.index + 1 :] if p.id != procedure.id]
        self.procedures = [*self.procedures[: self.index], procedure, *rest]

    def finished(self, procedure_id: str, answers: Mapping[str, Any]) -> None:
        """The procedure was finalized with these answers: what they add joins the list's
        end (児童手当 after a 転入 that lists a child), once."""
        for follow_on in self.follow_ons:
            listed = {procedure.id for procedure in self.procedures}
            if follow_on.after != procedure_id or follow_on.procedure.id in listed:
                continue
            if follow_on.when.holds(answers, self.today or date.today()):
                self.procedures.append(follow_on.procedure)
                self.added.add(follow_on.procedure.id)

    def coming(self) -> tuple[Procedure | None, bool]:
        """The procedure after the current one, if any, and whether answers added it."""
        following = self.procedures[self.index + 1 : self.index + 2]
        if not following:
            return None, False
        return following[0], following[0].id in self.added

    def advance(self) -> bool:
        """Move to the next procedure; False when the visit is done."""
        self.index += 1
        return self.index < len(self.procedures)

    def wipe(self) -> None:
        self.shared.clear()
        self.card.clear()
