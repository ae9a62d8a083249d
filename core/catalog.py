"""Procedures, categories and the municipality profile: validated data from assets/.

A procedure is data, never code: a municipality adds or edits one without a developer, and the
kiosk only interprets these models. Loading checks each file on its own (models below) and the
files against each other (Catalog), and words every problem for a municipal clerk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.catalog_pages import (  # noqa: F401  (re-exported: the page model lives there)
    APPLICANT_PAGE,
    CARD_FIELD_TYPES,
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    PERSONAL_ANSWERS,
    TEXT_TYPES,
    Applicant,
    CardField,
    Derivation,
    FieldType,
    FiscalYears,
    FormLayout,
    Group,
    Option,
    Page,
    SharedAnswer,
)
from core.conditions import Condition
from core.fees import FeeBreakdown, check_fee_table, fee_breakdown
from core.i18n import LocalizedText
from core.identifier import Identifier
from core.municipality import Counter, Municipality
from core.paper_form import (
    DEFAULT_SECTION_ID,
    DEFAULT_SECTION_TITLE,
    CheckItem,
    CounterFlag,
    Section,
    SectionKind,
)


class Document(BaseModel):
    """Something the resident must bring, possibly only in some cases."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    text: LocalizedText
    show_if: Condition | None = None


class Procedure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    version: int = Field(ge=1)
    category: Identifier
    title: LocalizedText
    summary: LocalizedText
    help: LocalizedText | None = None
    applicants: tuple[Applicant, ...] = (Applicant.SELF,)
    counter: Identifier  # key into the municipality's counters
    fee: Identifier | None = None  # key into the municipality's fees (core.fees)
    # What the fee is multiplied by: the page counting the units (copies), a group (one unit
    # per member: 粗大ごみ's items), or per choice, page → option → the page counting that
    # choice's copies ([fee_units.certificate] tohon = "tohon_copies"); else 1.
    fee_units: Identifier | dict[Identifier, dict[Identifier, Identifier]] | None = None
    form_layout: FormLayout
    legal_basis: str | None = None  # required to ask for a 個人番号 (番号法 別表)
    bring: tuple[Document, ...] = ()
    prefill: dict[CardField, Identifier] = {}
    related: tuple[Identifier, ...] = ()  # follow-on procedures to suggest (転居 → 児童手当 …)
    pages: tuple[Page, ...] = Field(min_length=1)
    # Pages asked once per member (each person who moved, each child, each item): see Group.
    groups: tuple[Group, ...] = ()
    # The paper form's parts (届出人, 新しい住所 …): every page in exactly one. Empty: one
    # default section (see form_sections).
    sections: tuple[Section, ...] = ()
    # The counter's side (backend/console): what to tick before 完了 besides the documents
    # and the fee, and what to flag from the answers.
    checklist: tuple[CheckItem, ...] = ()
    flags: tuple[CounterFlag, ...] = ()

    def group_of(self, page_id: str) -> Group | None:
        """The group a page is asked in per member, or None for a page asked once."""
        return next((group for group in self.groups if page_id in group.pages), None)

    def group(self, group_id: str) -> Group | None:
        return next((group for group in self.groups if group.id == group_id), None)

    @property
    def form_sections(self) -> tuple[Section, ...]:
        """The sections the printed form and the console show, in order."""
        if self.sections:
            return self.sections
        default = Section(
            id=DEFAULT_SECTION_ID,
            kind=SectionKind.REQUEST,
            title=LocalizedText({"ja": DEFAULT_SECTION_TITLE}),
            pages=tuple(page.id for page in self.pages),
        )
        return (default,)

    @model_validator(mode="after")
    def _sections_cover_pages(self) -> Procedure:
        if not self.sections:
            return self
        ids = [section.id for section in self.sections]
        if len(ids) != len(set(ids)):
            raise ValueError("sections: section ids must be unique within a procedure")
        pages = [page.id for page in self.pages]
        placed: dict[str, str] = {}
        for section in self.sections:
            for page_id in section.pages:
                if page_id not in pages:
                    raise ValueError(
                        f"section '{section.id}': '{page_id}' is not a page of this procedure"
                    )
                if page_id in placed:
                    raise ValueError(
                        f"section '{section.id}': page '{page_id}' is already in section"
                        f" '{placed[page_id]}' (a page belongs to exactly one section)"
                    )
                placed[page_id] = section.id
        missing = [page_id for page_id in pages if page_id not in placed]
        if missing:
            raise ValueError(
                "sections: every page must be in a section; not placed: " + ", ".join(missing)
            )
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Procedure:
        ids = [page.id for page in self.pages]
        if len(ids) != len(set(ids)):
            raise ValueError("page ids must be unique within a procedure")
        if APPLICANT_PAGE in ids:
            raise ValueError(f"'{APPLICANT_PAGE}' is reserved: the kiosk asks it itself")
        if len(set(self.applicants)) != len(self.applicants):
            raise ValueError("an applicant kind is listed twice")
        known = {APPLICANT_PAGE}
        dates = {page.id for page in self.pages if page.type is FieldType.DATE}
        self._check_groups()
        for page in self.pages:
            rules = [("show_if", page.show_if)] if page.show_if else []
            rules += [("derive", rule.when) for rule in page.derive]
            group = self.group_of(page.id)
            # A member's page reads its own member's earlier pages and what is asked once.
            readable = known - self._member_pages(besides=group)
            for name, condition in rules:
                for field in condition.fields():
                    if field not in readable:
                        raise ValueError(
                            f"page '{page.id}': {name} reads '{field}', which is not an earlier"
                            " page" + self._read_through_group(field)
                        )
                self._check_member_conditions(f"page '{page.id}': {name}", condition, readable)
                for field in condition.date_fields():
                    if field not in dates:
                        raise ValueError(
                            f"page '{page.id}': {name} counts an age from '{field}', which is"
                            " not a date page"
                        )
            known.add(page.id)
            if group is not None and page.id == group.pages[-1]:
                known.add(group.id)
        known -= self._member_pages(besides=None)
        for document in self.bring:
            for field in document.show_if.fields() if document.show_if else ():
                if field not in known:
                    raise ValueError(
                        f"bring: show_if reads '{field}', which is not a page"
                        + self._read_through_group(field)
                    )
            if document.show_if is not None:
                self._check_member_conditions("bring: show_if", document.show_if, known)
        counter_rules = [("checklist", item.id, item.show_if) for item in self.checklist]
        counter_rules += [("flags", flag.id, flag.when) for flag in self.flags]
        for part, item_id, condition in counter_rules:
            for field in condition.fields() if condition else ():
                if field not in known:
                    raise ValueError(
                        f"{part} '{item_id}' reads '{field}', which is not a page"
                        + self._read_through_group(field)
                    )
            if condition is not None:
                self._check_member_conditions(f"{part} '{item_id}'", condition, known)
            for field in condition.date_fields() if condition else ():
                if field not in dates:
                    raise ValueError(
                        f"{part} '{item_id}' counts days from '{field}', which is not a date page"
                    )
        for part, items in (("checklist", self.checklist), ("flags", self.flags)):
            item_ids = [item.id for item in items]
            if len(item_ids) != len(set(item_ids)):
                raise ValueError(f"{part}: ids must be unique within a procedure")
        pages = {page.id: page for page in self.pages}
        for card_field, page_id in self.prefill.items():
            page = pages.get(page_id)
            if page is None:
                raise ValueError(f"prefill: {card_field} goes to '{page_id}', which is not a page")
            if page.type not in CARD_FIELD_TYPES[card_field]:
                raise ValueError(f"prefill: {card_field} cannot fill a {page.type} page")
        asks_number = any(page.type is FieldType.MY_NUMBER for page in self.pages)
        if asks_number and not (self.legal_basis or "").strip():
            raise ValueError(
                "a 個人番号 may only be asked when legal_basis names the law allowing it"
            )
        if self.id in self.related:
            raise ValueError("a procedure cannot be related to itself")
        self._check_fee_units(pages)
        return self

    def _member_pages(self, besides: Group | None) -> set[str]:
        """The pages asked per member, but those of `besides`."""
        return {pid for group in self.groups if group is not besides for pid in group.pages}

    def _read_through_group(self, field: str) -> str:
        group = self.group_of(field)
        if group is None:
            groups = ", ".join(g.id for g in self.groups)
            return f" nor a group (groups: {groups})" if groups else ""
        return (
            f" here: '{field}' is asked per member of group '{group.id}'; read it with"
            f' any_member = {{ group = "{group.id}", where = … }} or members'
        )

    def _check_member_conditions(self, place: str, condition: Condition, known: set[str]) -> None:
        """What an any_member's `where` reads: that group's pages, or what is asked once."""
        for group_id, where in condition.member_conditions():
            group = self.group(group_id)
            if group is None:
                allowed = ", ".join(g.id for g in self.groups) or "none in this procedure"
                raise ValueError(
                    f"{place}: any_member: '{group_id}' is not a group (allowed: {allowed})"
                )
            readable = (known - self._member_pages(besides=None)) | set(group.pages)
            for field in where.fields():
                if field not in readable:
                    raise ValueError(
                        f"{place}: any_member '{group_id}': where reads '{field}', which is"
                        f" neither a page of the group (allowed: {', '.join(group.pages)}) nor"
                        " an earlier page"
                    )

    def _check_groups(self) -> None:
        """Groups: pages that exist, next to each other, in one group at most, asked per
        member only (never shared by the visit nor filled by the procedure's prefill)."""
        ids = [page.id for page in self.pages]
        pages = {page.id: page for page in self.pages}
        taken: dict[str, str] = {}
        for number, group in enumerate(self.groups, start=1):
            place = f"groups[{number}] '{group.id}'"
            if group.id in ids or group.id == APPLICANT_PAGE:
                raise ValueError(f"{place}: id '{group.id}' is already a page's id")
            for page_id in group.pages:
                if page_id not in pages:
                    raise ValueError(
                        f"{place}: pages: '{page_id}' is not a page of this procedure"
                        f" (allowed: {', '.join(ids)})"
                    )
                if page_id in taken:
                    raise ValueError(
                        f"{place}: pages: '{page_id}' is already in group '{taken[page_id]}'"
                    )
                taken[page_id] = group.id
                if pages[page_id].shared is not None:
                    raise ValueError(
                        f"{place}: page '{page_id}': shared = '{pages[page_id].shared}' cannot"
                        " be asked per member (a shared answer is one per visit)"
                    )
                if page_id in self.prefill.values():
                    raise ValueError(
                        f"{place}: page '{page_id}' is in the procedure's prefill: use the"
                        " group's own prefill (the card fills the first member only)"
                    )
            where = sorted(ids.index(page_id) for page_id in group.pages)
            if where != list(range(where[0], where[0] + len(where))):
                raise ValueError(
                    f"{place}: pages: {', '.join(group.pages)} must follow each other in"
                    " [[pages]] (a member's pages are asked together)"
                )
            if [ids[i] for i in where] != list(group.pages):
                raise ValueError(
                    f"{place}: pages: list them in their [[pages]] order"
                    f" ({', '.join(ids[i] for i in where)})"
                )
            for card_field, page_id in group.prefill.items():
                if page_id not in group.pages:
                    raise ValueError(
                        f"{place}: prefill: {card_field} goes to '{page_id}', which is not a"
                        f" page of the group (allowed: {', '.join(group.pages)})"
                    )
                if pages[page_id].type not in CARD_FIELD_TYPES[card_field]:
                    raise ValueError(
                        f"{place}: prefill: {card_field} cannot fill a {pages[page_id].type} page"
                    )
            self._check_first_from(place, group, ids)
        group_ids = [group.id for group in self.groups]
        if len(group_ids) != len(set(group_ids)):
            raise ValueError("groups: group ids must be unique within a procedure")

    def _check_first_from(self, place: str, group: Group, ids: list[str]) -> None:
        """first_from: a page of the group takes the answer of a page asked once, before the
        group, of the same type."""
        pages = {page.id: page for page in self.pages}
        asked_once = [i for i in ids[: ids.index(group.pages[0])] if self.group_of(i) is None]
        for page_id, source in group.first_from.items():
            if page_id not in group.pages:
                raise ValueError(
                    f"{place}: first_from: '{page_id}' is not a page of the group"
                    f" (allowed: {', '.join(group.pages)})"
                )
            if source not in asked_once:
                raise ValueError(
                    f"{place}: first_from: {page_id} = '{source}' is not a page asked once"
                    f" before the group (allowed: {', '.join(asked_once) or 'none'})"
                )
            if pages[source].type is not pages[page_id].type:
                raise ValueError(
                    f"{place}: first_from: {page_id} is a {pages[page_id].type} page and"
                    f" '{source}' a {pages[source].type} page (allowed: the same type)"
                )

    def _check_fee_units(self, pages: dict[str, Page]) -> None:
        counting = (FieldType.COPIES, FieldType.NUMBER)
        counters = sorted(page.id for page in self.pages if page.type in counting)
        if isinstance(self.fee_units, str):
            counted = pages.get(self.fee_units)
            if self.group(self.fee_units) is None and (
                counted is None or counted.type not in counting
            ):
                counters += [group.id for group in self.groups]
                raise ValueError(
                    f"fee_units: '{self.fee_units}' is not a copies or number page nor a group"
                    f" (allowed: {', '.join(counters) or 'none in this procedure'})"
                )
            return
        choices = sorted(page.id for page in self.pages if page.type in CHOICE_TYPES)
        for page_id, per_option in (self.fee_units or {}).items():
            page = pages.get(page_id)
            if page is None or page.type not in CHOICE_TYPES:
                raise ValueError(
                    f"fee_units.{page_id}: '{page_id}' is not a choice page"
                    f" (allowed: {', '.join(choices) or 'none in this procedure'})"
                )
            values = [option.value for option in page.options]
            for value, counter in per_option.items():
                if value not in values:
                    raise ValueError(
                        f"fee_units.{page_id}.{value}: '{value}' is not an option of"
                        f" '{page_id}' (allowed: {', '.join(values)})"
                    )
                counted = pages.get(counter)
                if counted is None or counted.type not in counting:
                    raise ValueError(
                        f"fee_units.{page_id}.{value}: '{counter}' is not a copies or number"
                        f" page (allowed: {', '.join(counters) or 'none in this procedure'})"
                    )


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    title: LocalizedText


class CatalogError(Exception):
    """A catalog that cannot be used, worded for a municipal clerk; one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Catalog:
    """The procedures one municipality offers, in menu order, with its profile."""

    def __init__(
        self,
        municipality: Municipality,
        procedures: dict[str, Procedure],
        categories: dict[str, Category],
        life_events: dict | None = None,
    ) -> None:
        problems = cross_check(municipality, procedures, categories)
        if problems:
            raise CatalogError(problems)
        self.municipality = municipality
        self.categories = categories
        self.life_events = life_events or {}  # id -> core.life_events.LifeEvent
        self._procedures = procedures

    @property
    def content_version(self) -> str:
        """A hash of everything the kiosk shows and asks; sync compares it with the backend's."""
        content = {
            "municipality": self.municipality.model_dump(mode="json"),
            "categories": {
                k: c.model_dump(mode="json") for k, c in sorted(self.categories.items())
            },
            "procedures": {
                k: p.model_dump(mode="json") for k, p in sorted(self._procedures.items())
            },
            "life_events": {
                k: e.model_dump(mode="json") for k, e in sorted(self.life_events.items())
            },
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def procedures(self) -> list[Procedure]:
        return [self._procedures[pid] for pid in self.municipality.enabled_procedures]

    def all_procedures(self) -> list[Procedure]:
        return [self._procedures[pid] for pid in sorted(self._procedures)]

    def all_procedures_by_id(self) -> dict[str, Procedure]:
        return dict(self._procedures)

    def procedure(self, procedure_id: str) -> Procedure:
        if procedure_id not in self.municipality.enabled_procedures:
            raise KeyError(f"procedure {procedure_id!r} is not offered here")
        return self._procedures[procedure_id]

    def counter_for(self, procedure: Procedure) -> Counter:
        return self.municipality.counters[procedure.counter]

    def fee_for(self, procedure: Procedure) -> int | None:
        """A flat fee per unit; None when there is none or it is priced per choice."""
        fee = self.municipality.fees.get(procedure.fee) if procedure.fee else None
        return fee if isinstance(fee, int) else None

    def fees_for(self, procedure: Procedure, answers: Mapping[str, Any]) -> FeeBreakdown | None:
        """The fee lines and total for these answers (core.fees)."""
        return fee_breakdown(procedure, answers, self.municipality.fees)

    @classmethod
    def load(cls, municipality_id: str) -> Catalog:
        from core.catalog_files import load_catalog  # files and parsing live there

        return load_catalog(municipality_id)


def cross_check(
    municipality: Municipality, procedures: dict[str, Procedure], categories: dict[str, Category]
) -> list[str]:
    """What no single file can know: references between files."""
    where = f"municipality {municipality.id}"
    problems = [
        f"{where}: enabled_procedures: '{pid}' is not a procedure in the catalog"
        for pid in municipality.enabled_procedures
        if pid not in procedures
    ]
    for procedure in procedures.values():
        here = f"procedure {procedure.id}"
        if procedure.category not in categories:
            problems.append(f"{here}: category: '{procedure.category}' is not a known category")
        if procedure.id in municipality.enabled_procedures:
            if procedure.counter not in municipality.counters:
                problems.append(
                    f"{here}: counter: '{procedure.counter}' is not a counter of {where}"
                )
            if procedure.fee and procedure.fee not in municipality.fees:
                problems.append(f"{here}: fee: '{procedure.fee}' has no amount in {where}")
        problems += [
            f"{here}: related: '{other}' is not a procedure in the catalog"
            for other in procedure.related
            if other not in procedures
        ]
        problems += [
            f"{here}: page '{page.id}': outside: '{page.outside}' is not a procedure in the catalog"
            for page in procedure.pages
            if page.outside and page.outside not in procedures
        ]
    return problems + check_fee_table(municipality, procedures)
