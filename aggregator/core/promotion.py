"""An on-air promotion and what it does to an order's totals. Pure.

A live may carry one promotion (live_sessions.promotion): free shipping, a percentage off or an
amount off, each from a number of items in the order. Only lines the buyer still wants count
(requested or held), the same lines the subtotal counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aggregator.core.money import format_vnd
from aggregator.errors import BadInputError

MAX_MIN_ITEMS = 99
MAX_AMOUNT_VND = 10_000_000


class PromotionKind(StrEnum):
    FREE_SHIP = "free_ship"
    PERCENT = "percent"
    AMOUNT = "amount"


class PromotionError(BadInputError, ValueError):
    """A promotion form that cannot be applied; the message is shown to the director."""


@dataclass(frozen=True, slots=True)
class Promotion:
    kind: PromotionKind
    min_items: int
    value: int = 0  # percent (1–90) or VND off; 0 for free shipping

    def applies(self, item_count: int) -> bool:
        return item_count >= self.min_items

    def describe(self) -> str:
        """How the buyer and staff read it: 'Miễn phí giao hàng cho đơn từ 2 sản phẩm'."""
        whom = f"cho đơn từ {self.min_items} sản phẩm"
        if self.kind is PromotionKind.FREE_SHIP:
            return f"Miễn phí giao hàng {whom}"
        if self.kind is PromotionKind.PERCENT:
            return f"Giảm {self.value}% {whom}"
        return f"Giảm {format_vnd(self.value)} {whom}"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "min_items": self.min_items, "value": self.value}


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal_vnd: int
    discount_vnd: int
    free_shipping: bool
    total_vnd: int


def order_totals(
    subtotal_vnd: int, item_count: int, shipping_vnd: int, promotion: Promotion | None
) -> Totals:
    """Subtotal plus the shipping fee the buyer pays, less the promotion's discount (never < 0)."""
    discount, free = 0, False
    if promotion is not None and promotion.applies(item_count):
        if promotion.kind is PromotionKind.FREE_SHIP:
            free = True
        elif promotion.kind is PromotionKind.PERCENT:
            discount = subtotal_vnd * promotion.value // 100
        else:
            discount = min(promotion.value, subtotal_vnd)
    charged_shipping = 0 if free else shipping_vnd
    total = max(0, subtotal_vnd + charged_shipping - discount)
    return Totals(subtotal_vnd, discount, free, total)


def promotion_of(data: Mapping[str, Any] | None) -> Promotion | None:
    """The promotion stored on a live ({} or anything malformed: none)."""
    if not data:
        return None
    try:
        return _checked(
            str(data.get("kind", "")), int(data["min_items"]), int(data.get("value", 0))
        )
    except (KeyError, TypeError, ValueError):
        return None


def promotion_from_form(kind: str, min_items: str, value: str) -> Promotion | None:
    """The director's form: kind '' means no promotion. Messages are Vietnamese."""
    if not kind:
        return None
    count = _whole(min_items, "Số sản phẩm tối thiểu")
    amount = _whole(value.replace(".", "").replace(",", ""), "Mức giảm") if value.strip() else 0
    return _checked(kind, count, amount)


def _whole(text: str, label: str) -> int:
    text = text.strip()
    if not text.isdecimal() or len(text) > 9:
        raise PromotionError(f"{label} phải là một số nguyên không âm.")
    return int(text)


def _checked(kind: str, min_items: int, value: int) -> Promotion:
    try:
        which = PromotionKind(kind)
    except ValueError:
        raise PromotionError("Hãy chọn một loại khuyến mãi trong danh sách.") from None
    if not 1 <= min_items <= MAX_MIN_ITEMS:
        raise PromotionError(f"Số sản phẩm tối thiểu phải từ 1 đến {MAX_MIN_ITEMS}.")
    if which is PromotionKind.FREE_SHIP:
        return Promotion(which, min_items, 0)
    if which is PromotionKind.PERCENT and not 1 <= value <= 90:
        raise PromotionError("Mức giảm theo phần trăm phải từ 1 đến 90.")
    if which is PromotionKind.AMOUNT and not 1_000 <= value <= MAX_AMOUNT_VND:
        raise PromotionError("Mức giảm tiền phải từ 1.000 ₫ đến 10.000.000 ₫.")
    return Promotion(which, min_items, value)
