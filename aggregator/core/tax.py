"""Tax rules for a household business or cooperative selling on lives, pure (no I/O).

Who declares a sale (issue 23, sources in README "Tax and e-invoices"):
- an order the buyer paid **through TikTok Shop** (payment_method 'platform') was taxed at the
  source: since 1 July 2025 a platform with a payment function withholds 1 % VAT and 0.5 % PIT
  of the revenue of each goods sale of a resident household seller (Decree 117/2025/ND-CP,
  Art. 5(2)). The seller does not declare VAT/PIT for it again.
- every other order (Facebook, Zalo, a TikTok LIVE comment paid by COD or transfer to the shop,
  orders typed by hand) is **self-declared**: no platform took the money, so none withheld tax.

Periods are Vietnam calendar quarters and half-years (Asia/Ho_Chi_Minh days): from 2026 lump-sum
tax is gone (Resolution 198/2025/QH15) and households declare or notify actual revenue, per
half-year below the threshold and per quarter above it. Refunds count in the period they were
settled (the money left then), against the kind of the order they refund.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from aggregator.core.money import format_vnd
from aggregator.errors import BadInputError

VAT_WITHHELD_PERMILLE = 10  # 1 % VAT on goods (Decree 117/2025/ND-CP, Art. 5(2))
PIT_WITHHELD_PERMILLE = 5  # 0.5 % PIT on goods for a resident individual (same article)
# e-invoices generated from a cash register from 1 billion VND a year (Decree 70/2025/ND-CP)
CASH_REGISTER_VND = 1_000_000_000


class PeriodError(BadInputError, ValueError):
    """A period the tax page cannot use; the message is Vietnamese, for the director."""


class Declarer(StrEnum):
    PLATFORM = "platform"  # withheld by the platform that took the payment
    SELF = "self"  # declared by the household or cooperative itself


DECLARER_TEXT = {Declarer.PLATFORM: "Sàn đã khấu trừ thuế (TikTok Shop)",
                 Declarer.SELF: "Tự kê khai (Facebook, Zalo, bán trực tiếp)"}  # fmt: skip


def declarer_of(payment_method: str) -> Declarer:
    return Declarer.PLATFORM if payment_method == "platform" else Declarer.SELF


@dataclass(frozen=True, slots=True)
class Period:
    year: int
    kind: str  # 'q' quarter, 'h' half-year, 'y' whole year
    index: int  # 1-4 for quarters, 1-2 for halves, 1 for the year

    @property
    def key(self) -> str:
        return (
            f"{self.year}" if self.kind == "y" else f"{self.year}-{self.kind.upper()}{self.index}"
        )

    @property
    def months(self) -> int:
        return {"q": 3, "h": 6, "y": 12}[self.kind]

    @property
    def first_day(self) -> date:
        return date(self.year, (self.index - 1) * self.months + 1, 1)

    @property
    def last_day(self) -> date:
        end_month = self.index * self.months
        return date(self.year, end_month, monthrange(self.year, end_month)[1])

    @property
    def label(self) -> str:
        if self.kind == "q":
            return f"Quý {self.index}/{self.year}"
        if self.kind == "h":
            return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        return f"Năm {self.year}"


def parse_period(text: str, today: date) -> Period:
    """'2026-Q1', '2026-H2' or '2026'; empty: the quarter of today."""
    text = text.strip().upper()
    if not text:
        return Period(today.year, "q", (today.month - 1) // 3 + 1)
    year_text, _, part = text.partition("-")
    if not (year_text.isdigit() and len(year_text) == 4 and 2020 <= int(year_text) <= 2100):
        raise PeriodError(f"Kỳ “{text[:12]}” không hợp lệ (ví dụ 2026-Q1, 2026-H2 hoặc 2026).")
    year = int(year_text)
    if not part:
        return Period(year, "y", 1)
    kind, index = part[:1].lower(), part[1:]
    limit = {"q": 4, "h": 2}.get(kind)
    if limit is None or not index.isdigit() or not 1 <= int(index) <= limit:
        raise PeriodError(f"Kỳ “{text[:12]}” không hợp lệ (ví dụ 2026-Q1, 2026-H2 hoặc 2026).")
    return Period(year, kind, int(index))


def periods_of_year(year: int) -> list[Period]:
    return [*(Period(year, "q", i) for i in range(1, 5)), *(Period(year, "h", i) for i in (1, 2))]


def withheld(revenue_vnd: int) -> tuple[int, int]:
    """VAT and PIT a platform withholds on this goods revenue, rounded to the đồng."""
    return _permille(revenue_vnd, VAT_WITHHELD_PERMILLE), _permille(
        revenue_vnd, PIT_WITHHELD_PERMILLE
    )


def _permille(amount: int, permille: int) -> int:
    return (amount * permille + 500) // 1000  # half up; amounts are never negative here


@dataclass(frozen=True, slots=True)
class Sale:
    """One order that counts as revenue in the period (delivered, or paid and still standing)."""

    order_no: str
    declarer: Declarer
    total_vnd: int


@dataclass(frozen=True, slots=True)
class Refund:
    order_no: str
    declarer: Declarer
    amount_vnd: int


@dataclass(frozen=True, slots=True)
class Split:
    declarer: Declarer
    orders: int
    gross_vnd: int
    refunds: int
    refunded_vnd: int

    @property
    def net_vnd(self) -> int:
        return self.gross_vnd - self.refunded_vnd

    @property
    def vat_withheld_vnd(self) -> int:
        return withheld(max(self.net_vnd, 0))[0] if self.declarer is Declarer.PLATFORM else 0

    @property
    def pit_withheld_vnd(self) -> int:
        return withheld(max(self.net_vnd, 0))[1] if self.declarer is Declarer.PLATFORM else 0


def split(sales: Iterable[Sale], refunds: Iterable[Refund]) -> dict[Declarer, Split]:
    """Revenue of a period by who declares it, refunds of the period subtracted from their kind."""
    sales, refunds = list(sales), list(refunds)
    out = {}
    for who in Declarer:
        mine = [s for s in sales if s.declarer is who]
        back = [r for r in refunds if r.declarer is who]
        out[who] = Split(who, len(mine), sum(s.total_vnd for s in mine), len(back),
                         sum(r.amount_vnd for r in back))  # fmt: skip
    return out


@dataclass(frozen=True, slots=True)
class Regime:
    """What the year's revenue so far means for the household's declarations."""

    year_revenue_vnd: int
    threshold_vnd: int

    @property
    def above_threshold(self) -> bool:
        return self.year_revenue_vnd > self.threshold_vnd

    @property
    def cash_register(self) -> bool:
        return self.year_revenue_vnd >= CASH_REGISTER_VND

    @property
    def advice(self) -> list[str]:
        lines = [
            f"Doanh thu từ đầu năm: {format_vnd(self.year_revenue_vnd)}. "
            f"Ngưỡng chịu thuế đang đặt: {format_vnd(self.threshold_vnd)}/năm."
        ]
        if self.above_threshold:
            lines.append("Trên ngưỡng: kê khai thuế theo quý (dùng số liệu từng quý bên dưới).")
        else:
            lines.append(
                "Chưa vượt ngưỡng: thông báo doanh thu 2 lần một năm "
                "(6 tháng đầu trước 31/7, 6 tháng cuối trước 31/1 năm sau)."
            )
        if self.cash_register:
            lines.append(
                "Doanh thu từ 1 tỷ đồng/năm: phải dùng hoá đơn điện tử khởi tạo từ máy tính tiền "
                "(Nghị định 70/2025/NĐ-CP) — tải tệp hoá đơn bên dưới để nhập vào phần mềm hoá đơn."
            )
        return lines
