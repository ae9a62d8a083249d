"""Repeated groups in the flow: a group's pages laid out once per member, and the answers
gathered back into one list of objects per group.

Qt-free, used by core.flow: the session keeps its answers flat under member ids
("mover_name#2", core.catalog_pages.member_page_id) so that going back, changing from review
and the derive rules work for a member's page as for any page; conditions, the review, the
sealed payload and the wire see the group's answer as a list (one dict per member, page id →
answer) under the group's id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.catalog import FieldType, Group, Page, Procedure
from core.catalog_pages import member_page_id, more_page_id
from core.i18n import LocalizedText


@dataclass(frozen=True)
class Member:
    """Where a laid-out page stands: the member of which group, and the catalog's page."""

    group: Group
    number: int  # 1-based
    page_id: str  # the catalog's page id (without the member's number)

    @property
    def label(self) -> LocalizedText:
        return self.group.label_for(self.number)


@dataclass(frozen=True)
class Layout:
    """The pages in asking order for the members there are now."""

    pages: tuple[Page, ...]
    members: dict[str, Member]  # laid-out page id → its member
    more: dict[str, Group]  # "add another?" page id → its group


def more_page(group: Group) -> Page:
    """「ほかにも…いますか」: はい adds a member, いいえ goes on."""
    return Page(id="more", type=FieldType.YES_NO, question=group.add_question).model_copy(
        update={"id": more_page_id(group.id)}
    )


def labelled(label: LocalizedText, question: LocalizedText) -> LocalizedText:
    """「2人目の方：お名前は」: whose answer a member's page asks, on the page itself (the
    screen, the phone's form and the voice read the question; the review has headings)."""
    texts = {}
    for language, text in question.root.items():
        who = label.text(language)
        texts[language] = f"{who}：{text}" if language in WIDE_COLON else f"{who}: {text}"
    return LocalizedText(texts)


WIDE_COLON = frozenset({"ja", "ja-easy", "zh"})


def lay_out(pages: Iterable[Page], procedure: Procedure, counts: Mapping[str, int]) -> Layout:
    """Each group's pages once per member where the group's first page stands, then (while
    fewer than its maximum) the question to add one more."""
    laid: list[Page] = []
    members: dict[str, Member] = {}
    more: dict[str, Group] = {}
    by_id = {page.id: page for page in pages}
    for page in by_id.values():
        group = procedure.group_of(page.id)
        if group is None:
            laid.append(page)
            continue
        if page.id != group.pages[0]:
            continue
        for number in range(1, counts[group.id] + 1):
            for page_id in group.pages:
                member_id = member_page_id(page_id, number)
                asked = by_id[page_id]
                question = labelled(group.label_for(number), asked.question)
                laid.append(asked.model_copy(update={"id": member_id, "question": question}))
                members[member_id] = Member(group, number, page_id)
        if counts[group.id] < group.maximum:
            extra = more_page(group)
            laid.append(extra)
            more[extra.id] = group
    return Layout(tuple(laid), members, more)


def member_answers(answers: Mapping[str, Any], group: Group, number: int) -> dict[str, Any]:
    """One member's answers by the catalog's page ids."""
    found = {}
    for page_id in group.pages:
        member_id = member_page_id(page_id, number)
        if member_id in answers:
            found[page_id] = answers[member_id]
    return found


def gathered(
    answers: Mapping[str, Any], procedure: Procedure, counts: Mapping[str, int]
) -> dict[str, Any]:
    """Flat session answers → the answers as they travel: what is asked once as it is, each
    group as a list of its members' answers, in page order; no member ids, no "add another"."""
    result: dict[str, Any] = {}
    grouped = {page_id: group for group in procedure.groups for page_id in group.pages}
    for page in procedure.pages:
        group = grouped.get(page.id)
        if group is None:
            if page.id in answers:
                result[page.id] = answers[page.id]
        elif page.id == group.pages[0]:
            members = [
                member_answers(answers, group, number)
                for number in range(1, counts.get(group.id, 0) + 1)
            ]
            if any(members):  # nothing answered yet: no answer, as for a page
                result[group.id] = members
    for key, value in answers.items():  # the applicant page the kiosk adds itself
        if key not in result and "#" not in key and key not in grouped:
            result[key] = value
    return result


def spread(
    entered: Mapping[str, Any], procedure: Procedure
) -> tuple[dict[str, Any], dict[str, int]]:
    """Answers as they travel (pre-entry) → flat member ids, and the members each group has
    (within its minimum and maximum; members past the maximum are left out)."""
    flat: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for key, value in entered.items():
        group = procedure.group(key)
        if group is None:
            flat[key] = value
            continue
        listed = [m for m in value if isinstance(m, Mapping)] if isinstance(value, list) else []
        listed = listed[: group.maximum]
        counts[group.id] = max(group.minimum, len(listed))
        for number, member in enumerate(listed, start=1):
            for page_id in group.pages:
                if page_id in member:
                    flat[member_page_id(page_id, number)] = member[page_id]
    return flat, counts


def renumbered(answers: dict[str, Any], group: Group, removed: int, count: int) -> dict[str, Any]:
    """The answers once member `removed` is taken out: the members after it move up."""
    kept = {key: value for key, value in answers.items()}
    for number in range(removed, count + 1):
        for page_id in group.pages:
            kept.pop(member_page_id(page_id, number), None)
            later = answers.get(member_page_id(page_id, number + 1))
            if number < count and later is not None:
                kept[member_page_id(page_id, number)] = later
    return kept
