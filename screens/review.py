"""Review (確認): every answer with its own change button, then one "submit". A repeated
group's members (each person who moved …) each under their own heading (「2人目の方」) with a
button to take them out, and one to add another while the group has room."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from core.fees import fee_breakdown, fee_texts
from core.fields import display_value
from core.flow import ReviewItem
from core.i18n import UiText
from core.members import Member, gathered
from kiosk.phone_entry import PhoneReviewItem
from kiosk.review_actions import add_action, remove_action
from kiosk.views import ReviewView
from screens.metrics import KIOSK, Metrics
from screens.page_frame import PageFrame
from screens.widgets import ScrollingColumn, big_button, label

CHANGE_BUTTON_PX = KIOSK.review_change_px


class ReviewScreen(PageFrame):
    change_requested = Signal(str)
    card_check_requested = Signal()  # a phone's answers: マイナンバーカードで確認する

    def __init__(self, metrics: Metrics = KIOSK) -> None:
        super().__init__(metrics)
        self.setObjectName("review")
        self.heading = label(role="heading", name="heading")
        self.intro = label(name="intro")
        self.error = label(role="error", name="error")
        self.error.hide()
        self.card_check_button = big_button(name="card_check", metrics=metrics)
        self.card_check_button.clicked.connect(self.card_check_requested)
        self.card_check_button.hide()
        self.column = ScrollingColumn("review_rows", metrics, whole_rows=True)
        # Kept as attributes: tests and the tour reach the scroll controls through the page.
        self.scroll = self.column.scroll
        self.up_button, self.down_button = self.column.up_button, self.column.down_button
        for widget in (self.heading, self.intro, self.card_check_button):
            self.content.addWidget(widget)
        self.content.addWidget(self.column, 1)
        self.content.addWidget(self.error)
        if not metrics.narrow:
            self.primary_button.setMinimumWidth(600)
        # The municipality's fee table (its profile's [fees]), set by the window like the
        # question screen's today: the review shows the fee lines these answers come to.
        self.fees: Mapping[str, Any] = {}

    def show_review(
        self, view: ReviewView, language: str, ui: UiText, t: Callable[..., str]
    ) -> None:
        self.set_footer_texts(t, primary_key="submit")
        procedure = view.procedure
        self.title.setText(procedure.title.text(language))
        # On a phone the progress takes the title's place in the header; the heading below
        # already says 内容の確認, the title says which procedure.
        self.progress.setText("" if self.metrics.narrow else t("review_heading"))
        self.heading.setText(t("review_heading"))
        self.intro.setText(t("review_intro"))
        self.error.hide()
        self.card_check_button.setText(t("review_card_check"))
        self.card_check_button.setVisible(view.card_check)
        self.column.set_texts(t)
        self.clear_rows()
        self._add_row(t("procedure_label"), procedure.title.text(language), None, t)
        counts = member_counts(view.items)
        for index, item in enumerate(view.items):
            member = item.member
            if member is not None and member.page_id == member.group.pages[0]:
                self._add_member_heading(member, counts[member.group.id], language, t)
            self._add_item_row(item, language, ui, t)
            if member is not None and _last_of_group(view.items, index):
                self._add_member_button(member, counts[member.group.id], language, t)
        # What is due for these answers (core.fees): 戸籍謄本 450円 × 2, 除籍謄本 750円 × 1,
        # 合計 1,650円 — the same lines as the completion screen and the receipt.
        flat = {item.page.id: item.value for item in view.items if item.value is not None}
        answers = gathered(flat, procedure, counts)
        breakdown = fee_breakdown(procedure, answers, self.fees)
        for index, text in enumerate(fee_texts(breakdown, language, t)):
            label_text = t("review_fee_label") if index == 0 else ""
            self._add_row(label_text, text, None, t, row_name=f"fee_{index}")
        if view.error is not None:
            self.show_error(t(view.error.key, **dict(view.error.values)))

    def _add_item_row(
        self, item: ReviewItem, language: str, ui: UiText, t: Callable[..., str]
    ) -> None:
        answer = display_value(item.page, item.value, language, ui)
        if item.derived:
            # Not asked: the kiosk says it filled this in, so the resident checks it.
            answer = t("review_derived", answer=answer)
        note = None
        if isinstance(item, PhoneReviewItem) and item.phone_value is not None:
            # The card's value replaced the phone's: the resident sees what changed.
            phone = display_value(item.page, item.phone_value, language, ui)
            note = t("review_phone_value", answer=phone)
        self._add_row(item.page.label.text(language), answer, item.page.id, t, note)

    def _add_member_heading(
        self, member: Member, count: int, language: str, t: Callable[..., str]
    ) -> None:
        """「2人目の方」 over a member's answers, and 取り消す while above the minimum."""
        row = QFrame()
        row.setProperty("role", "row")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        who = member.label.text(language)
        name = f"{member.group.id}_{member.number}"
        layout.addWidget(label(who, name=f"member_{name}"), 1)
        if count > member.group.minimum:
            action = remove_action(member.group.id, member.number)
            text = t("review_member_remove", member=who)
            button = big_button(text, name=f"remove_{name}", metrics=self.metrics)
            button.clicked.connect(lambda _=False, a=action: self.change_requested.emit(a))
            layout.addWidget(button)
        self.column.add_row(row)

    def _add_member_button(
        self, member: Member, count: int, language: str, t: Callable[..., str]
    ) -> None:
        """＋ 3人目の方を追加する, after a group's last member, while it has room."""
        group = member.group
        if count >= group.maximum:
            return
        text = t("review_member_add", member=group.label_for(count + 1).text(language))
        button = big_button(text, name=f"add_{group.id}", metrics=self.metrics)
        action = add_action(group.id)
        button.clicked.connect(lambda _=False, a=action: self.change_requested.emit(a))
        self.column.add_row(button)

    def _add_row(
        self,
        question: str,
        answer: str,
        page_id: str | None,
        t: Callable[..., str],
        note: str | None = None,
        row_name: str = "procedure",
    ) -> None:
        row = QFrame()
        row.setProperty("role", "row")
        change_px = self.metrics.review_change_px
        answer_label: QWidget = label(answer, name=f"answer_{page_id or row_name}")
        if note is not None:  # under the answer, in the answer's column
            answer_label = QWidget()
            stack = QVBoxLayout(answer_label)
            stack.setContentsMargins(0, 0, 0, 0)
            stack.addWidget(label(answer, name=f"answer_{page_id}"))
            stack.addWidget(label(note, role="entry_note", name=f"phone_{page_id}"))
        if self.metrics.narrow:
            # A phone has no room for three columns: the question small above, the answer
            # and its change button below.
            column = QVBoxLayout(row)
            column.setContentsMargins(0, 0, 0, self.metrics.gap_px)
            column.setSpacing(2)
            column.addWidget(label(question, role="small"))
            layout = QHBoxLayout()
            layout.setSpacing(self.metrics.gap_px)
            column.addLayout(layout)
            layout.addWidget(answer_label, 1)
        else:
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            # One line per answer (question, answer, change) keeps long procedures on one
            # screen.
            # Short review labels (フリガナ, 電話番号): the answers get the room.
            layout.addWidget(label(question, role="small"), 1)
            layout.addWidget(answer_label, 2)
        if page_id is not None:
            button = big_button(t("change"), name=f"change_{page_id}", metrics=self.metrics)
            # A secondary action: the 15 mm floor high, so more whole rows fit a page.
            button.setMinimumSize(change_px, self.metrics.min_target_px)
            button.clicked.connect(lambda _=False, p=page_id: self.change_requested.emit(p))
            layout.addWidget(button)
        else:
            layout.addSpacing(change_px)  # keep the answers in one column
        self.column.add_row(row)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def clear_rows(self) -> None:
        self.column.clear()


def member_counts(items: tuple[ReviewItem, ...]) -> dict[str, int]:
    """How many members each group has on this review (every group, so none is missing)."""
    counts: dict[str, int] = {}
    for item in items:
        if item.member is not None:
            group = item.member.group.id
            counts[group] = max(counts.get(group, 0), item.member.number)
    return counts


def _last_of_group(items: tuple[ReviewItem, ...], index: int) -> bool:
    """Whether items[index] is the last row of its group's last member."""
    group = items[index].member.group.id if items[index].member else None
    after = items[index + 1].member if index + 1 < len(items) else None
    return group is not None and (after is None or after.group.id != group)
