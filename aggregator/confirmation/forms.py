"""The order page's form, read and checked on the server, with messages in Vietnamese.

Nothing the browser sends is trusted: quantities are whole numbers within bounds and only for
this order's lines, the phone must be a Vietnamese mobile (normalised to 10 digits), the ward
must belong to the province, text fields are length-limited and stripped of control characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aggregator.confirmation.addresses import Divisions
from aggregator.core.parser.phone import normalize_phone
from schema.enums import PaymentMethod

MAX_QTY = 99
MAX_NAME = 100
MAX_ADDRESS = 200
MAX_NOTE = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
QTY_FIELD = "qty_"
MESSAGES = {
    "name": "Vui lòng nhập họ tên người nhận (2–100 ký tự).",
    "phone": "Số điện thoại phải là số di động Việt Nam: 10 số, bắt đầu bằng 03, 05, 07, 08 "
    "hoặc 09.",
    "province": "Vui lòng chọn tỉnh/thành phố.",
    "ward": "Vui lòng chọn phường/xã thuộc tỉnh/thành phố đã chọn.",
    "address": "Vui lòng nhập số nhà, tên đường/thôn/xóm (3–200 ký tự).",
    "note": "Ghi chú tối đa 500 ký tự.",
    "payment": "Vui lòng chọn cách thanh toán.",
    "vietqr": "Hợp tác xã chưa nhận chuyển khoản: vui lòng chọn thanh toán khi nhận hàng (COD).",
    "prepay": "Đơn này cần chuyển khoản trước (VietQR); hợp tác xã không nhận COD cho đơn này.",
    "qty": f"Số lượng phải là số nguyên từ 0 đến {MAX_QTY}.",
}


@dataclass(frozen=True, slots=True)
class Delivery:
    name: str
    phone: str
    province_code: str
    ward_code: str
    address_line: str
    note: str
    payment: PaymentMethod


@dataclass
class FormReading:
    quantities: dict[int, int] = field(default_factory=dict)
    delivery: Delivery | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # as typed, to show the form again


def clean_text(value: str | None, limit: int) -> str:
    text = _CONTROL.sub("", (value or "").replace("\r\n", "\n")).strip()
    return text[: limit + 1]  # one over the limit, so the length check still fails


def read_quantities(
    form: Mapping[str, str], line_ids: Iterable[int], errors: dict[str, str]
) -> dict[int, int]:
    """New quantity of each of this order's lines that the form names; other names are ignored."""
    quantities: dict[int, int] = {}
    for line_id in line_ids:
        raw = form.get(f"{QTY_FIELD}{line_id}")
        if raw is None:
            continue
        raw = raw.strip()
        if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_QTY:
            errors[f"{QTY_FIELD}{line_id}"] = MESSAGES["qty"]
            continue
        quantities[line_id] = int(raw)
    return quantities


def _payment(
    raw: str, accepts_transfer: bool, cod_allowed: bool, errors: dict[str, str]
) -> PaymentMethod:
    if raw not in (PaymentMethod.COD, PaymentMethod.VIETQR):
        errors["payment"] = MESSAGES["payment"]
    elif raw == PaymentMethod.VIETQR and not accepts_transfer:
        errors["payment"] = MESSAGES["vietqr"]
    elif raw == PaymentMethod.COD and not cod_allowed:
        errors["payment"] = MESSAGES["prepay"]
    return PaymentMethod.VIETQR if raw == PaymentMethod.VIETQR else PaymentMethod.COD


def read_delivery(
    form: Mapping[str, str],
    divisions: Divisions,
    accepts_transfer: bool,
    errors: dict[str, str],
    *,
    cod_allowed: bool = True,
) -> Delivery:
    """The recipient, address and payment; a message per wrong field goes into `errors`."""
    name = clean_text(form.get("name"), MAX_NAME).replace("\n", " ")
    if not 2 <= len(name) <= MAX_NAME:
        errors["name"] = MESSAGES["name"]
    phone = normalize_phone(clean_text(form.get("phone"), 40))
    if phone is None:
        errors["phone"] = MESSAGES["phone"]
    province = clean_text(form.get("province"), 10)
    ward = clean_text(form.get("ward"), 10)
    if province not in divisions.wards:
        errors["province"] = MESSAGES["province"]
    elif not divisions.ward_in(province, ward):
        errors["ward"] = MESSAGES["ward"]
    address = clean_text(form.get("address"), MAX_ADDRESS).replace("\n", " ")
    if not 3 <= len(address) <= MAX_ADDRESS:
        errors["address"] = MESSAGES["address"]
    note = clean_text(form.get("note"), MAX_NOTE)
    if len(note) > MAX_NOTE:
        errors["note"] = MESSAGES["note"]
    payment = _payment(form.get("payment", ""), accepts_transfer, cod_allowed, errors)
    return Delivery(name, phone or "", province, ward, address, note, payment)


def read_form(
    form: Mapping[str, str],
    line_ids: Iterable[int],
    divisions: Divisions,
    *,
    accepts_transfer: bool,
    confirming: bool,
    cod_allowed: bool = True,
) -> FormReading:
    """Quantities always; the delivery part only when the buyer presses confirm."""
    reading = FormReading()
    reading.values = {k: clean_text(v, MAX_NOTE) for k, v in form.items() if isinstance(v, str)}
    reading.quantities = read_quantities(form, line_ids, reading.errors)
    if confirming:
        delivery = read_delivery(
            form, divisions, accepts_transfer, reading.errors, cod_allowed=cod_allowed
        )
        reading.delivery = None if reading.errors else delivery
    return reading
