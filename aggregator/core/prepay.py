"""The director's money rules and what they mean for a parcel. Pure.

- From which "bom hàng" risk level a buyer must transfer first (tenants.settings.prepay_at_risk,
  the key aggregator/core/risk.py reads), how many hours a buyer who must prepay has to pay after
  confirming (one reminder half-way, then the order expires and its stock goes to the waitlist),
  and the delivery fee charged to buyers (orders.shipping_vnd, waived by a free-shipping promotion).
- COD is what is still owed: total - paid; who pays the courier follows from the order's totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aggregator.core.risk import PREPAY_SETTING, RiskLevel, prepay_threshold
from aggregator.errors import BadInputError

PAYMENT_HOURS_SETTING = "payment_deadline_hours"
SHIPPING_FEE_SETTING = "shipping_fee_vnd"
DEFAULT_PAYMENT_HOURS = 24
MAX_PAYMENT_HOURS = 24 * 14
MAX_SHIPPING_FEE_VND = 500_000
NEVER = ""  # the form's value for "never require prepayment"

# How the director reads each threshold ("from this level up").
RISK_CHOICES: dict[RiskLevel, str] = {
    RiskLevel.NEW: "Mọi khách (kể cả khách mới)",
    RiskLevel.LOW: "Khách đã từng nhận hàng trở lên",
    RiskLevel.MEDIUM: "Khách từng hoàn 1/3 số đơn trở lên",
    RiskLevel.HIGH: "Khách hoàn từ 2 đơn và từ một nửa trở lên",
    RiskLevel.BLOCKED: "Chỉ khách hoàn từ 3 đơn và chưa nhận đơn nào",
}


class MoneyRulesError(BadInputError, ValueError):
    """The director's form cannot be used; the message is Vietnamese."""


@dataclass(frozen=True, slots=True)
class MoneyRules:
    prepay_at: RiskLevel | None = None  # None: the risk never requires prepayment
    payment_hours: int = DEFAULT_PAYMENT_HOURS
    shipping_fee_vnd: int = 0

    def as_settings(self) -> dict[str, Any]:
        """The tenants.settings keys these rules are stored under (None removes the key)."""
        return {
            PREPAY_SETTING: self.prepay_at.label if self.prepay_at is not None else None,
            PAYMENT_HOURS_SETTING: self.payment_hours,
            SHIPPING_FEE_SETTING: self.shipping_fee_vnd,
        }


def _int_setting(settings: Mapping[str, Any], key: str, default: int, top: int) -> int:
    value = settings.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        return default
    return value


def money_rules(settings: Mapping[str, Any] | None) -> MoneyRules:
    """The rules stored in tenants.settings (anything malformed: the default)."""
    data = dict(settings or {})
    return MoneyRules(
        prepay_threshold(data),
        _int_setting(data, PAYMENT_HOURS_SETTING, DEFAULT_PAYMENT_HOURS, MAX_PAYMENT_HOURS) or 1,
        _int_setting(data, SHIPPING_FEE_SETTING, 0, MAX_SHIPPING_FEE_VND),
    )


def _whole(text: str, label: str, low: int, high: int) -> int:
    digits = text.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise MoneyRulesError(f"{label} phải là một số nguyên.")
    value = int(digits)
    if not low <= value <= high:
        raise MoneyRulesError(f"{label} phải từ {low:,} đến {high:,}.".replace(",", "."))
    return value


def rules_from_form(risk: str, hours: str, fee: str) -> MoneyRules:
    """The director's form (or the CLI): a risk label or '' (never), hours, fee in đồng."""
    level: RiskLevel | None = None
    if risk.strip() != NEVER:
        try:
            level = RiskLevel.parse(risk)
        except KeyError:
            raise MoneyRulesError("Hãy chọn một mức rủi ro trong danh sách.") from None
    return MoneyRules(
        level,
        _whole(hours, "Hạn chuyển khoản (giờ)", 1, MAX_PAYMENT_HOURS),
        _whole(fee or "0", "Phí giao hàng", 0, MAX_SHIPPING_FEE_VND),
    )


def cod_due(total_vnd: int, paid_vnd: int, payment_method: str, paid_in_full: bool) -> int:
    """Cash the courier collects: what is still owed. Nothing on an order paid in full or paid
    through its platform; a partial transfer leaves the balance."""
    if paid_in_full or payment_method == "platform":
        return 0
    return max(0, total_vnd - paid_vnd)


def shop_pays_shipping(free_shipping: bool, shipping_vnd: int) -> bool:
    """Who pays the courier's fee. Free shipping: the shop. A delivery fee already charged in the
    order's total (COD or transfer): the shop too, or the buyer would pay it twice. Otherwise
    the courier collects its fee from the buyer at the door."""
    return free_shipping or shipping_vnd > 0


# Why an order may not be packed or booked yet (chotdon_ship_block), as staff read it.
AWAITING_TRANSFER = "chờ chuyển khoản"
BLOCK_TEXT = {
    "unpaid": "Đơn cần chuyển khoản trước: chờ chuyển khoản, chưa được đóng gói hay gửi hàng.",
    "empty": "Đơn không còn sản phẩm nào có hàng (chỉ còn hàng chờ, hàng đã bỏ hoặc chưa rõ): "
    "không đóng gói, không gửi.",
    "unheld": "Đơn có sản phẩm chưa được giữ hàng (chờ khách xác nhận hoặc chuyển khoản): "
    "chưa đóng gói, chưa gửi.",
}
