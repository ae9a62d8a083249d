"""The resident flow: which page comes next, what was answered, and the way back.

Qt-free on purpose (like Electrum's wizard): screens render `current` and hand back an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.catalog import Page, Procedure
from kiosk.fields import FieldResult, Valid, validate


class Step(StrEnum):
    QUESTION = "question"
    REVIEW = "review"


@dataclass(frozen=True)
class Progress:
    position: int  # 1-based
    total: int


class ResidentSession:
    """One resident's walk through one procedure, held only in memory until finalized."""

    def __init__(self, procedure: Procedure) -> None:
        self.procedure = procedure
        self._answers: dict[str, Any] = {}
        self._index = 0
        self._history: list[int] = []
        self._returning_to_review = False
        self.step = Step.QUESTION

    @property
    def page(self) -> Page:
        if self.step is not Step.QUESTION:
            raise RuntimeError("no question page on the review step")
        return self.procedure.pages[self._index]

    @property
    def progress(self) -> Progress:
        total = len(self.procedure.pages)
        position = self._index + 1 if self.step is Step.QUESTION else total
        return Progress(position, total)

    def answer_for(self, page_id: str) -> Any:
        return self._answers.get(page_id)

    def answers(self) -> dict[str, Any]:
        """The answers in page order, as they will be sealed."""
        return {p.id: self._answers[p.id] for p in self.procedure.pages if p.id in self._answers}

    def submit(self, raw: object) -> FieldResult:
        """Validate the answer to the current page; on success move on (or back to review)."""
        result = validate(self.page, raw)
        if isinstance(result, Valid):
            self._answers[self.page.id] = result.value
            if self._returning_to_review or self._index == len(self.procedure.pages) - 1:
                self._returning_to_review = False
                self._history.append(self._index)
                self.step = Step.REVIEW
            else:
                self._history.append(self._index)
                self._index += 1
        return result

    def can_go_back(self) -> bool:
        return bool(self._history)

    def back(self) -> None:
        """Return to the previous page; the answers given so far are kept."""
        if not self._history:
            return
        self._index = self._history.pop()
        self._returning_to_review = False
        self.step = Step.QUESTION

    def change(self, page_id: str) -> None:
        """From review, revisit one page; submitting it returns straight to review."""
        ids = [page.id for page in self.procedure.pages]
        self._history.append(len(ids) - 1)
        self._index = ids.index(page_id)
        self._returning_to_review = True
        self.step = Step.QUESTION

    def is_complete(self) -> bool:
        return all(page.id in self._answers for page in self.procedure.pages)

    def wipe(self) -> None:
        """Forget every answer (idle timeout, start over, after finalize)."""
        self._answers.clear()
        self._history.clear()
        self._index = 0
        self._returning_to_review = False
        self.step = Step.QUESTION
