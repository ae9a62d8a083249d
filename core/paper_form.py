"""What a procedure's catalog entry says about paper and the counter, beside its questions:
the parts of the printed 申請書 (sections: 届出人, 異動した方 …), and what the counter checks
(the checklist ticked before 完了) and notices (flags raised by the answers). The resident's
pages are in core/catalog.py; the printed form in core/application_form.py; the console's use
of the checklist and flags in backend/console/checklist.py."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from core.conditions import Condition
from core.i18n import LocalizedText
from core.identifier import Identifier


class SectionKind(StrEnum):
    """What a part of the paper form is about; the printed form and the console group by it."""

    APPLICANT = "applicant"  # who fills in and signs: 届出人, 申請者, 請求者
    PERSONS = "persons"  # the people it concerns: 異動した方, 登録する方, 児童
    REQUEST = "request"  # what is asked for: 新しい住所, 請求の内容
    DECLARATIONS = "declarations"  # what the resident states or agrees to: 申告事項, 同意


# A procedure file without sections (a municipality's own, older one) is read as this one
# section holding every page in order, so nothing written before sections existed breaks.
DEFAULT_SECTION_ID = "request"
DEFAULT_SECTION_TITLE = "申請の内容"


class Section(BaseModel):
    """One part of the paper form: its heading as the form words it, and its pages in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    kind: SectionKind
    title: LocalizedText
    pages: tuple[Identifier, ...] = Field(min_length=1)


class CheckItem(BaseModel):
    """One line of the counter's checklist for a procedure (what a veteran clerk checks:
    本人確認, the 届出期間 …), ticked before 完了; only when show_if holds, if given."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    text: LocalizedText
    show_if: Condition | None = None


class CounterFlag(BaseModel):
    """What the counter must notice in an application's answers (a 転居 reported after its 14
    days, a proxy's 委任状): shown on the staff view when `when` holds, counted from the day
    the application was made."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Identifier
    text: LocalizedText
    when: Condition
