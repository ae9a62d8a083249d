"""Kiosk devices, their states and alerts in the console's plain Japanese."""

from __future__ import annotations

DEVICES = {
    "printer": "プリンター",
    "scanner": "QRコード読み取り機",
    "card_reader": "カード読み取り機",
}

CONDITIONS = {
    "ok": "正常",
    "ready": "正常",
    "absent": "つながっていません",
    "not_connected": "つながっていません",
    "not_answering": "応答しません",
    "offline": "使えません",
    "cover_open": "ふたが開いています",
    "paper_near_end": "用紙が残りわずかです",
    "paper_out": "用紙がありません",
    "cutter_error": "用紙カッターの異常",
    "unrecoverable_error": "故障しています",
    "error": "異常があります",
    "disabled": "使わない設定です",
}

# Conditions that mean the device needs someone now (the kiosk page marks them).
PROBLEMS = frozenset(CONDITIONS) - {"ok", "ready", "disabled", "paper_near_end"}


def device_label(name: str) -> str:
    return DEVICES.get(name, name)


def state_label(state: str) -> str:
    """A heartbeat's device state: a condition, several joined by commas, or a state."""
    parts = [part for part in str(state).split(",") if part]
    return "・".join(CONDITIONS.get(part, part) for part in parts) or "—"


def state_is_problem(state: str) -> bool:
    return any(part in PROBLEMS for part in str(state).split(","))


def state_is_warning(state: str) -> bool:
    return "paper_near_end" in str(state).split(",")


def alert_label(kind: str, detail: str = "") -> str:
    """What an alert says: 職員の呼び出し, プリンター：用紙がありません …"""
    if kind == "staff_call":
        return "職員の呼び出し"
    device, _, condition = kind.partition("_")
    for name in DEVICES:  # card_reader has an underscore of its own
        if kind.startswith(name + "_"):
            device, condition = name, kind[len(name) + 1 :]
            break
    if condition:
        return f"{device_label(device)}：{CONDITIONS.get(condition, condition)}"
    return f"端末の異常（{kind}）"
