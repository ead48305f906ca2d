"""A cooperative's own wording and fees, as its director sets them on the settings pages. Pure.

Message templates (tenants.settings.message_templates): the greeting that opens the order
message and the closing line that ends it, with placeholders {htx} (the cooperative's name),
{ten} (the buyer's given name) and {madon} (the order number). The order lines, total and link
are always written by chotdon between them, so no template can drop the link or the total.

Fee table (tenants.settings.shipping_fees): a fee per province (by the 2025 province code the
buyer's address stores), beside the one fee of the money rules that serves everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aggregator.errors import BadInputError

TEMPLATES_SETTING = "message_templates"
FEES_SETTING = "shipping_fees"
PLACEHOLDERS = ("htx", "ten", "madon")
MAX_TEMPLATE = 300
MAX_FEE_VND = 500_000
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    label: str
    default: str


GREETING = "{htx} chào {ten}! Đơn {madon} của bạn:"
CLOSING = 'Hoặc trả lời "ok" để xác nhận. Xin đừng ghi số điện thoại công khai dưới live.'
TEMPLATES = (
    Template("greeting", "Lời chào đầu tin nhắn đơn hàng", GREETING),
    Template("closing", "Lời cuối tin nhắn đơn hàng", CLOSING),
)
DEFAULTS = {t.key: t.default for t in TEMPLATES}


class ShopTextError(BadInputError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def templates_from_form(form: Mapping[str, str]) -> dict[str, str]:
    """Only the templates that differ from the default are kept (a blank one: the default)."""
    errors: dict[str, str] = {}
    kept: dict[str, str] = {}
    for t in TEMPLATES:
        text = " ".join(form.get(t.key, "").split())
        if len(text) > MAX_TEMPLATE:
            errors[t.key] = f"Tối đa {MAX_TEMPLATE} ký tự."
            continue
        unknown = [p for p in _PLACEHOLDER.findall(text) if p not in PLACEHOLDERS]
        if unknown:
            errors[t.key] = "Chỉ dùng được {htx}, {ten} và {madon}; không dùng được: " + ", ".join(
                "{" + p + "}" for p in unknown
            )
        elif text and text != t.default:
            kept[t.key] = text
    if errors:
        raise ShopTextError(errors)
    return kept


def template_text(settings: Mapping[str, Any] | None, key: str) -> str:
    raw = (settings or {}).get(TEMPLATES_SETTING) or {}
    text = raw.get(key) if isinstance(raw, dict) else None
    return text if isinstance(text, str) and text else DEFAULTS[key]


def fill(template: str, values: Mapping[str, str]) -> str:
    """The template with its placeholders filled; a name with no value leaves no gap behind."""
    text = _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)
    return " ".join(text.replace(" !", "!").replace(" ,", ",").split())


def fees_from_form(form: Mapping[str, str], province_codes: frozenset[str]) -> dict[str, int]:
    """Fields fee-<province code>: a fee in đồng; blank: the general fee applies there."""
    errors: dict[str, str] = {}
    fees: dict[str, int] = {}
    for name, value in form.items():
        if not name.startswith("fee-") or not value.strip():
            continue
        code = name.removeprefix("fee-")
        digits = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        if code not in province_codes:
            continue
        if not digits.isascii() or not digits.isdigit() or int(digits) > MAX_FEE_VND:
            errors[name] = f"Phí là số đồng từ 0 đến {MAX_FEE_VND:,}.".replace(",", ".")
            continue
        fees[code] = int(digits)
    if errors:
        raise ShopTextError(errors)
    return fees


def province_fee(settings: Mapping[str, Any] | None, province_code: str | None) -> int | None:
    """The fee the table sets for this province, or None (the general fee applies)."""
    raw = (settings or {}).get(FEES_SETTING) or {}
    fees = raw.get("provinces") if isinstance(raw, dict) else None
    if not province_code or not isinstance(fees, dict):
        return None
    fee = fees.get(province_code)
    return fee if isinstance(fee, int) and not isinstance(fee, bool) and fee >= 0 else None
