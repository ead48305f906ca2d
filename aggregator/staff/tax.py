"""The tax page's figures from Postgres: one year's sales and settled refunds, split per quarter
and half-year by who declares them (aggregator/core/tax.py), their CSV, and the e-invoice drafts.

One query for the year's sales and one for its refunds; the periods are grouped here, so the
quarters add up to the halves and the halves to the year by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from aggregator.core.einvoice import DraftInvoice, Seller, invoice_lines
from aggregator.core.reports import VN, csv_bytes, local, utc_bounds
from aggregator.core.tax import (
    DECLARER_TEXT,
    Declarer,
    Period,
    Refund,
    Regime,
    Sale,
    Split,
    declarer_of,
    periods_of_year,
    split,
)
from aggregator.errors import BadInputError, NotFoundError
from schema.queries import query

PLATFORM_TEXT = {"facebook": "Facebook", "tiktok": "TikTok", "zalo": "Zalo",
                 "relay": "Nguồn chuyển tiếp", "manual": "Nhập tay"}  # fmt: skip
PAYMENT_TEXT = {"cod": "TM", "vietqr": "CK", "platform": "Thanh toán qua sàn TikTok Shop"}


class SellerMissingError(BadInputError):
    """The e-invoice export needs the cooperative's tax code, address and invoice series."""


@dataclass(frozen=True, slots=True)
class SaleRow:
    sale: Sale
    created_at: datetime
    platform: str
    buyer: str
    items: list[dict[str, Any]]
    shipping_vnd: int
    discount_vnd: int
    payment_method: str


@dataclass(frozen=True, slots=True)
class RefundRow:
    refund: Refund
    settled_at: datetime


@dataclass
class TaxYear:
    year: int
    threshold_vnd: int
    sales: list[SaleRow] = field(default_factory=list)
    refunds: list[RefundRow] = field(default_factory=list)

    def in_period(self, period: Period) -> tuple[list[SaleRow], list[RefundRow]]:
        first, last = period.first_day, period.last_day
        return (
            [s for s in self.sales if first <= s.created_at.astimezone(VN).date() <= last],
            [r for r in self.refunds if first <= r.settled_at.astimezone(VN).date() <= last],
        )

    def figures(self, period: Period) -> dict[Declarer, Split]:
        sales, refunds = self.in_period(period)
        return split((s.sale for s in sales), (r.refund for r in refunds))

    @property
    def periods(self) -> list[Period]:
        return [*periods_of_year(self.year), Period(self.year, "y", 1)]

    def regime(self, today: date) -> Regime:
        """Revenue of the year up to today (net of refunds), against the thresholds."""
        so_far = Period(self.year, "y", 1)
        total = sum(s.net_vnd for s in self.figures(so_far).values())
        return Regime(total, self.threshold_vnd)


async def load_year(pool: asyncpg.Pool, tenant_id: int, year: int, threshold: int) -> TaxYear:
    low, high = utc_bounds(date(year, 1, 1), date(year, 12, 31))
    async with pool.acquire() as conn:
        sales = await conn.fetch(query("tax_sales"), tenant_id, low, high)
        refunds = await conn.fetch(query("tax_refunds"), tenant_id, low, high)
    out = TaxYear(year, threshold)
    for r in sales:
        sale = Sale(r["order_no"], declarer_of(r["payment_method"]), int(r["total_vnd"]))
        items = r["items"] if isinstance(r["items"], list) else orjson.loads(r["items"])
        out.sales.append(SaleRow(sale, r["created_at"], r["platform"], r["buyer"] or "", items,
                                 int(r["shipping_vnd"]), int(r["discount_vnd"]),
                                 r["payment_method"]))  # fmt: skip
    for r in refunds:
        refund = Refund(r["order_no"], declarer_of(r["payment_method"]), int(r["amount_vnd"]))
        out.refunds.append(RefundRow(refund, r["settled_at"]))
    return out


SUMMARY_HEADER = [
    "Kỳ", "Từ ngày", "Đến ngày",
    "Sàn khấu trừ: số đơn", "Sàn khấu trừ: doanh thu (đ)", "Sàn khấu trừ: hoàn tiền (đ)",
    "Sàn khấu trừ: doanh thu thuần (đ)", "Thuế GTGT sàn đã khấu trừ 1% (đ)",
    "Thuế TNCN sàn đã khấu trừ 0,5% (đ)",
    "Tự kê khai: số đơn", "Tự kê khai: doanh thu (đ)", "Tự kê khai: hoàn tiền (đ)",
    "Tự kê khai: doanh thu thuần (đ)", "Tổng doanh thu thuần (đ)",
]  # fmt: skip


def summary_rows(year: TaxYear) -> list[list[object]]:
    rows: list[list[object]] = []
    for period in year.periods:
        f = year.figures(period)
        p, s = f[Declarer.PLATFORM], f[Declarer.SELF]
        rows.append([
            period.label, period.first_day.strftime("%d/%m/%Y"),
            period.last_day.strftime("%d/%m/%Y"),
            p.orders, p.gross_vnd, p.refunded_vnd, p.net_vnd, p.vat_withheld_vnd,
            p.pit_withheld_vnd, s.orders, s.gross_vnd, s.refunded_vnd, s.net_vnd,
            p.net_vnd + s.net_vnd,
        ])  # fmt: skip
    return rows


def summary_csv(year: TaxYear) -> bytes:
    return csv_bytes(SUMMARY_HEADER, summary_rows(year))


def detail_csv(year: TaxYear, period: Period) -> bytes:
    """Every sale and refund of the period, one line each, with who declares it."""
    sales, refunds = year.in_period(period)
    rows: list[list[object]] = [
        [
            "Bán",
            s.sale.order_no,
            local(s.created_at, "%d/%m/%Y"),
            PLATFORM_TEXT.get(s.platform, s.platform),
            DECLARER_TEXT[s.sale.declarer],
            s.sale.total_vnd,
        ]
        for s in sales
    ]
    rows += [
        [
            "Hoàn tiền",
            r.refund.order_no,
            local(r.settled_at, "%d/%m/%Y"),
            "",
            DECLARER_TEXT[r.refund.declarer],
            -r.refund.amount_vnd,
        ]
        for r in refunds
    ]
    header = ["Loại", "Số đơn", "Ngày (giờ Việt Nam)", "Kênh", "Ai kê khai", "Số tiền (đ)"]
    return csv_bytes(header, rows)


def seller_of(tenant_name: str, einvoice: dict[str, str]) -> Seller:
    tax_code, address = einvoice.get("tax_code", ""), einvoice.get("address", "")
    series = einvoice.get("series", "")
    if not (tax_code and address and series):
        raise SellerMissingError(
            "Hãy nhập mã số thuế, địa chỉ và ký hiệu hoá đơn trước khi xuất tệp hoá đơn."
        )
    return Seller(tenant_name, tax_code, address, series)


def drafts(year: TaxYear, period: Period) -> list[DraftInvoice]:
    sales, _ = year.in_period(period)
    return [
        DraftInvoice(
            s.sale.order_no,
            s.created_at.astimezone(VN).date(),
            s.buyer,
            PAYMENT_TEXT.get(s.payment_method, "TM/CK"),
            invoice_lines(s.items, s.shipping_vnd, s.discount_vnd),
            s.sale.total_vnd,
        )
        for s in sales
    ]


async def seller_settings(pool: asyncpg.Pool, tenant_id: int) -> tuple[str, dict[str, str]]:
    row = await pool.fetchrow(query("tax_seller"), tenant_id)
    if row is None:
        raise NotFoundError("no such cooperative")
    data = row["einvoice"]
    einvoice = data if isinstance(data, dict) else orjson.loads(data)
    return row["name"], {k: str(v) for k, v in einvoice.items()}


async def save_seller_settings(pool: asyncpg.Pool, tenant_id: int, values: dict[str, str]) -> None:
    await pool.execute(query("set_tenant_setting"), tenant_id, "einvoice", values)
