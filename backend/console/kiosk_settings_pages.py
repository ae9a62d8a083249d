"""Settings pushed to kiosks, on the console (administrators; backend/kiosk_settings.py stores
them, each kiosk gets its merged set with its next heartbeat reply and applies it between
residents).

/staff/fleet-settings sets what every kiosk gets; /staff/kiosks/{id}/settings what one kiosk
gets instead (field by field), and shows for each setting the value that kiosk ends up with
and where it comes from. Each setting has a checkbox: unticked, it is not set here (the kiosk
follows the fleet-wide value, or its own kiosk.toml). Server-rendered forms, no JavaScript;
every change is audited; a value out of range is refused in plain words and nothing stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import RedirectResponse, Response

from backend import kiosk_health, kiosk_settings
from backend.console.alerts import client_address
from backend.console.auth import require_role
from backend.console.catalog_view import console_catalog
from backend.console.forms import FormFields, form_fields
from backend.console.kiosks import KIOSKS
from backend.console.refusals import ConsoleRefusal
from backend.console.roles import StaffRole
from backend.console.state import console_state
from backend.console.templates import page
from backend.console.users import StaffUser
from backend.names import KIOSK_ID_PATTERN
from core.pushed_settings import (
    IDLE_QUIET_S,
    IDLE_WARNING_S,
    MAX_MESSAGE_CHARS,
    TEXT_SIZES,
    PushedSettings,
)

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

FLEET_SETTINGS = "/staff/fleet-settings"
Admin = Annotated[StaffUser, Depends(require_role(StaffRole.ADMIN))]
Form = Annotated[FormFields, Depends(form_fields)]
KioskId = Annotated[str, Path(pattern=KIOSK_ID_PATTERN)]

TEXT_SIZE_LABELS = {"standard": "標準", "large": "大きい", "largest": "いちばん大きい"}
ON_OFF = {"on": "する", "off": "しない"}


@dataclass(frozen=True)
class Setting:
    """One pushable setting as the form shows it."""

    name: str
    label: str
    hint: str
    kind: str  # "switch", "text", "seconds", "size", "procedures"
    bounds: tuple[float, float] | None = None

    def refusal(self) -> str:
        """What is said when the value given is refused (nothing is stored then)."""
        if self.bounds is not None:
            low, high = (int(bound) for bound in self.bounds)
            return f"「{self.label}」は{low}から{high}までの秒数を、半角数字で入れてください。"
        if self.kind == "text":
            return (
                f"「{self.label}」は{MAX_MESSAGE_CHARS}文字までの1行で入れてください"
                "（改行や制御文字は使えません）。"
            )
        if self.kind == "procedures":
            return f"「{self.label}」には、この自治体の手続きだけを選んでください。"
        return f"「{self.label}」は選択肢から選んでください。"


SETTINGS = (
    Setting(
        "practice",
        "練習モード",
        "スマホ教室などの日に。練習の申請は送信されず、受付票に「練習」と印刷されます。",
        "switch",
    ),
    Setting(
        "out_of_service",
        "休止中にする",
        "住民には「休止中」の画面と、近くの窓口の案内が表示されます。",
        "switch",
    ),
    Setting(
        "out_of_service_message",
        "休止中の画面のお知らせ",
        f"{MAX_MESSAGE_CHARS}文字まで。例：本日は点検のため休止しています。",
        "text",
    ),
    Setting(
        "idle_quiet_s",
        "操作がないとき、確認を出すまでの秒数",
        f"{int(IDLE_QUIET_S[0])}〜{int(IDLE_QUIET_S[1])}秒。",
        "seconds",
        IDLE_QUIET_S,
    ),
    Setting(
        "idle_warning_s",
        "確認を出してから、入力を消すまでの秒数",
        f"{int(IDLE_WARNING_S[0])}〜{int(IDLE_WARNING_S[1])}秒。",
        "seconds",
        IDLE_WARNING_S,
    ),
    Setting(
        "text_size",
        "はじめの文字の大きさ",
        "住民はそれぞれ画面で変えられます。次の人はこの大きさから始まります。",
        "size",
    ),
    Setting(
        "procedures",
        "この端末で受け付ける手続き",
        "何も選ばなければ、自治体のすべての手続きを受け付けます。",
        "procedures",
    ),
)


class Refused(Exception):
    """A form whose values cannot be stored; the message says which and why, plainly."""


def _value(setting: Setting, form: FormFields, offered: dict[str, str]) -> Any:
    raw = form.get(setting.name, "")
    if setting.kind == "switch":
        if raw not in ON_OFF:
            raise Refused(setting.refusal())
        return raw == "on"
    if setting.kind == "seconds":
        try:
            return float(raw.strip())
        except ValueError:
            raise Refused(setting.refusal()) from None
    if setting.kind == "size":
        if raw not in TEXT_SIZES:
            raise Refused(setting.refusal())
        return raw
    if setting.kind == "procedures":
        chosen = form.getlist(setting.name)
        if any(procedure_id not in offered for procedure_id in chosen):
            raise Refused(setting.refusal())
        return [procedure_id for procedure_id in offered if procedure_id in chosen]
    return raw.strip()


def settings_from_form(form: FormFields, offered: dict[str, str]) -> PushedSettings:
    """The settings the form sets (a setting whose box is unticked is not set); Refused with
    a plain message for the first value that cannot be used. offered: id → title of the
    municipality's procedures."""
    values = {
        setting.name: _value(setting, form, offered)
        for setting in SETTINGS
        if form.get(f"set_{setting.name}") == "1"
    }
    try:
        return PushedSettings.model_validate(values)
    except ValidationError as error:
        name = str(error.errors()[0]["loc"][0])
        setting = next(s for s in SETTINGS if s.name == name)
        raise Refused(setting.refusal()) from None


def shown(setting: Setting, value: Any, offered: dict[str, str]) -> str:
    """A value in the console's words."""
    if setting.kind == "switch":
        return ON_OFF["on" if value else "off"]
    if setting.kind == "size":
        return TEXT_SIZE_LABELS.get(value, str(value))
    if setting.kind == "seconds":
        return f"{value:g}秒"
    if setting.kind == "procedures":
        return "、".join(offered.get(pid, pid) for pid in value) if value else "すべて"
    return value or "（なし）"


@dataclass(frozen=True)
class Row:
    """One setting on a page: the form's state, and (a kiosk's page) what the kiosk uses."""

    setting: Setting
    checked: bool
    value: Any  # what the input shows: text, "on"/"off", a size, a list of procedure ids
    effective: str = ""
    source: str = ""


def _rows(
    stored: PushedSettings,
    offered: dict[str, str],
    form: FormFields | None = None,
    fleet: PushedSettings | None = None,
) -> list[Row]:
    """The rows of a page: from what is stored, or (a refused form shown again) from what was
    typed; with fleet (a kiosk's page), the effective value and its source too."""
    rows = []
    for setting in SETTINGS:
        mine = getattr(stored, setting.name)
        if form is not None:
            checked = form.get(f"set_{setting.name}") == "1"
            value = (
                form.getlist(setting.name)
                if setting.kind == "procedures"
                else form.get(setting.name, "")
            )
        else:
            checked = mine is not None
            value = _input_value(setting, mine)
        effective = source = ""
        if fleet is not None:
            common = getattr(fleet, setting.name)
            if mine is not None:
                effective, source = shown(setting, mine, offered), "この端末の設定"
            elif common is not None:
                effective, source = shown(setting, common, offered), "全端末共通の設定"
            else:
                effective, source = "端末の設定ファイルのまま", "—"
        rows.append(Row(setting, checked, value, effective, source))
    return rows


def _input_value(setting: Setting, value: Any) -> Any:
    if setting.kind == "switch":
        return "on" if value else "off"
    if setting.kind == "procedures":
        return list(value or [])
    if setting.kind == "seconds":
        return "" if value is None else f"{value:g}"
    if setting.kind == "size":
        return value or "standard"
    return value or ""


def _offered(request: Request) -> dict[str, str]:
    """The municipality's procedures (id → Japanese title), in its menu order."""
    catalog = console_catalog(request.app.state.catalog)
    order = (
        list(catalog.municipality.enabled_procedures)
        if catalog.municipality is not None
        else sorted(catalog.procedures)
    )
    return {procedure_id: catalog.title(procedure_id) for procedure_id in order}


def _known_kiosk(request: Request, kiosk_id: str) -> None:
    now = console_state(request.app).settings.clock()
    try:
        known = {row.kiosk_id for row in kiosk_health.overview(request.app.state.engine, now)}
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    if kiosk_id not in known:
        raise ConsoleRefusal(404, "その端末は登録されていません。")


def _settings_page(
    request: Request,
    kiosk_id: str | None,
    *,
    status: int = 200,
    error: str | None = None,
    form: FormFields | None = None,
) -> Response:
    engine = request.app.state.engine
    offered = _offered(request)
    try:
        if kiosk_id is None:
            stored = kiosk_settings.read(engine, kiosk_settings.FLEET)
            fleet = None
        else:
            fleet_stored, stored = (
                kiosk_settings.read(engine, kiosk_settings.FLEET),
                kiosk_settings.read(engine, kiosk_id),
            )
            fleet = fleet_stored.settings
    except SQLAlchemyError as error_:
        raise ConsoleRefusal(503) from error_
    return page(
        request,
        "kiosk_settings.html",
        status=status,
        kiosk_id=kiosk_id,
        action=FLEET_SETTINGS if kiosk_id is None else f"{KIOSKS}/{kiosk_id}/settings",
        rows=_rows(stored.settings, offered, form, fleet),
        stored=stored,
        offered=offered,
        sizes=TEXT_SIZE_LABELS,
        switch=ON_OFF,
        error=error,
        saved=request.query_params.get("saved") == "1",
        fleet_url=FLEET_SETTINGS,
    )


def _save(request: Request, user: StaffUser, kiosk_id: str | None, form: FormFields) -> Response:
    try:
        settings = settings_from_form(form, _offered(request))
    except Refused as refusal:
        return _settings_page(request, kiosk_id, status=422, error=str(refusal), form=form)
    scope = kiosk_settings.FLEET if kiosk_id is None else kiosk_id
    try:
        kiosk_settings.write(
            request.app.state.engine,
            scope,
            settings,
            who=user.audit_who,
            address=client_address(request),
        )
    except SQLAlchemyError as error:
        raise ConsoleRefusal(503) from error
    log.info("console: %s saved the settings of %s", user.name, kiosk_id or "every kiosk")
    where = FLEET_SETTINGS if kiosk_id is None else f"{KIOSKS}/{kiosk_id}/settings"
    return RedirectResponse(f"{where}?saved=1", status_code=303)


@router.get(FLEET_SETTINGS)
def fleet_settings(request: Request, user: Admin) -> Response:
    return _settings_page(request, None)


@router.post(FLEET_SETTINGS)
def save_fleet_settings(request: Request, user: Admin, form: Form) -> Response:
    return _save(request, user, None, form)


@router.get(KIOSKS + "/{kiosk_id}/settings")
def kiosk_settings_page(request: Request, user: Admin, kiosk_id: KioskId) -> Response:
    _known_kiosk(request, kiosk_id)
    return _settings_page(request, kiosk_id)


@router.post(KIOSKS + "/{kiosk_id}/settings")
def save_kiosk_settings(request: Request, user: Admin, form: Form, kiosk_id: KioskId) -> Response:
    _known_kiosk(request, kiosk_id)
    return _save(request, user, kiosk_id, form)
