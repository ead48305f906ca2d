"""Returns and refunds, pure: the window the director sets, the buyer's form read and checked,
what a refund may be, and the Vietnamese words buyers and staff read for each cause and state.

No I/O: aggregator/staff/returns.py loads, calls these, and writes through the state module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aggregator.core.banks import BANKS
from schema.enums import RefundMethod, ReturnCause, ReturnSendMethod
from schema.states import ReturnStatus

DEFAULT_WINDOW_DAYS = 7  # until the director sets one (tenants.settings.return_window_days)
MAX_WINDOW_DAYS = 60
MAX_NOTE = 1000
MAX_PHOTOS = 3
_ACCOUNT_NO = re.compile(r"^[0-9A-Za-z]{4,19}$")

CAUSE_TEXT: dict[ReturnCause, str] = {
    ReturnCause.DAMAGED: "Hàng bị dập, vỡ khi giao",
    ReturnCause.SPOILED: "Hàng bị hỏng, ôi, mốc",
    ReturnCause.WRONG_ITEM: "Giao sai sản phẩm",
    ReturnCause.MISSING_ITEM: "Thiếu hàng",
    ReturnCause.NOT_AS_DESCRIBED: "Không đúng như mô tả",
    ReturnCause.CHANGED_MIND: "Không muốn mua nữa",
    ReturnCause.OTHER: "Lý do khác",
}
RETURN_STATUS_TEXT: dict[ReturnStatus, str] = {
    ReturnStatus.REQUESTED: "Chờ shop xem xét",
    ReturnStatus.REFUSED: "Shop từ chối",
    ReturnStatus.ACCEPTED: "Shop đồng ý, chờ nhận hàng trả",
    ReturnStatus.RECEIVED: "Shop đã nhận hàng trả, chờ hoàn tiền",
    ReturnStatus.REFUNDED: "Đã hoàn tiền",
}
SEND_TEXT: dict[ReturnSendMethod, str] = {
    ReturnSendMethod.COURIER_PICKUP: "Shop đặt đơn vị vận chuyển đến lấy hàng",
    ReturnSendMethod.BUYER_SENDS: "Khách tự gửi hàng về shop",
    ReturnSendMethod.NO_RETURN: "Không cần gửi lại hàng",
}
REFUND_TEXT: dict[RefundMethod, str] = {
    RefundMethod.TRANSFER: "Chuyển khoản cho khách",
    RefundMethod.COD_NOT_COLLECTED: "Không thu tiền COD",
}


def window_days(tenant_settings: Mapping[str, object]) -> int:
    """Days after delivery a buyer may open a return; 0: the cooperative takes none online."""
    raw = tenant_settings.get("return_window_days", DEFAULT_WINDOW_DAYS)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_WINDOW_DAYS:
        return DEFAULT_WINDOW_DAYS
    return raw


def return_deadline(delivered_at: datetime | None, days: int) -> datetime | None:
    """Until when a return may be opened; None when it may not (not delivered, or no window)."""
    if delivered_at is None or days <= 0:
        return None
    return delivered_at + timedelta(days=days)


def may_open(delivered_at: datetime | None, days: int, now: datetime) -> bool:
    deadline = return_deadline(delivered_at, days)
    return deadline is not None and now <= deadline


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    """What the buyer asks: which lines (line id -> qty), why, and where the money goes."""

    quantities: dict[int, int]
    cause: ReturnCause
    note: str
    bank_bin: str
    account_no: str
    account_name: str


@dataclass(frozen=True, slots=True)
class Reading:
    request: ReturnRequest | None
    errors: dict[str, str] = field(default_factory=dict)


def _quantities(
    form: Mapping[str, str], bought: Mapping[int, int], errors: dict[str, str]
) -> dict[int, int]:
    quantities: dict[int, int] = {}
    for line_id, most in bought.items():
        text = form.get(f"back_{line_id}", "0").strip() or "0"
        if not text.isdecimal() or int(text) > most:
            errors[f"back_{line_id}"] = f"Số lượng trả từ 0 đến {most}."
        elif int(text) > 0:
            quantities[line_id] = int(text)
    if not quantities and not errors:
        errors["lines"] = "Hãy chọn ít nhất một sản phẩm muốn trả."
    return quantities


def _account(form: Mapping[str, str], errors: dict[str, str]) -> tuple[str, str, str]:
    bank = form.get("bank", "").strip()
    number = re.sub(r"[\s.\-]", "", form.get("account_no", ""))
    name = " ".join(form.get("account_name", "").split()).upper()
    if bank not in BANKS:
        errors["bank"] = "Hãy chọn ngân hàng nhận tiền hoàn."
    if not _ACCOUNT_NO.match(number):
        errors["account_no"] = "Số tài khoản gồm 4 đến 19 chữ số."
    if not name or len(name) > 70:
        errors["account_name"] = "Hãy ghi tên chủ tài khoản (như trên thẻ)."
    return bank, number, name


def read_return_form(form: Mapping[str, str], bought: Mapping[int, int]) -> Reading:
    """The buyer's return form; `bought` is line id -> quantity delivered. Errors by field, in
    Vietnamese; nothing is kept unless every field is right."""
    errors: dict[str, str] = {}
    quantities = _quantities(form, bought, errors)
    cause_text = form.get("cause", "")
    cause = ReturnCause(cause_text) if cause_text in ReturnCause.__members__.values() else None
    if cause is None:
        errors["cause"] = "Hãy chọn lý do trả hàng."
    note = form.get("note", "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Mô tả dài quá {MAX_NOTE} ký tự."
    bank, number, name = _account(form, errors)
    if errors or cause is None:
        return Reading(None, errors)
    return Reading(ReturnRequest(quantities, cause, note, bank, number, name))


def refund_limit(order_total_vnd: int, refunded_vnd: int) -> int:
    """The most that may still be refunded on an order: its total less what went back already."""
    return max(0, order_total_vnd - refunded_vnd)


def default_refund(lines: Mapping[int, tuple[int, int]]) -> int:
    """What the returned lines cost the buyer: line id -> (qty returned, unit price)."""
    return sum(qty * price for qty, price in lines.values())


def refund_methods(payment_method: str, cod_collected: bool) -> tuple[RefundMethod, ...]:
    """A transfer always (first: the usual way); 'COD not collected' only for a COD order, when
    the cash for what comes back was never collected (the buyer handed part back at the door)."""
    if payment_method == "cod" and not cod_collected:
        return (RefundMethod.TRANSFER, RefundMethod.COD_NOT_COLLECTED)
    return (RefundMethod.TRANSFER,)


def transfer_reference(order_no: str) -> str:
    """The transfer content staff send with the refund (VietQR allows 25 letters or digits)."""
    return re.sub(r"[^0-9A-Za-z ]", "", f"HOAN TIEN {order_no}")[:25]


# What the buyer is told on their platform when their return moves (delivery-news path).
NEWS_SEND: dict[ReturnSendMethod, str] = {
    ReturnSendMethod.COURIER_PICKUP: "Shop sẽ đặt đơn vị vận chuyển đến lấy hàng tại địa chỉ nhận "
    "hàng, anh/chị vui lòng đóng gói sẵn.",
    ReturnSendMethod.BUYER_SENDS: "Anh/chị vui lòng gửi hàng về {ship_to}, ghi mã đơn {order_no} "
    "trên gói hàng.",
    ReturnSendMethod.NO_RETURN: "Anh/chị không cần gửi lại hàng.",
}


def news_text(status: ReturnStatus, order_no: str, **facts: str) -> str | None:
    """The buyer's message for a move of their return; None: nothing to say (received)."""
    if status is ReturnStatus.ACCEPTED:
        how = NEWS_SEND[ReturnSendMethod(facts["send"])].format(order_no=order_no, **facts)
        return f"Shop đã đồng ý cho trả hàng đơn {order_no}. {how}"
    if status is ReturnStatus.REFUSED:
        return f"Shop chưa nhận trả hàng đơn {order_no}. Lý do: {facts.get('reason', '')}"
    if status is ReturnStatus.REFUNDED:
        return f"Shop đã hoàn {facts['amount']} cho đơn {order_no}. Cảm ơn anh/chị!"
    return None
