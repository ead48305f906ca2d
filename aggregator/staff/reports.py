"""The director's reports from Postgres: per day / live / platform / product, the per-buyer
invoices of a household business's tax declaration, CSV exports, and one order's full log.

What each number means is written in aggregator/core/reports.py; the SQL is reports.sql.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from aggregator.core.reports import csv_bytes, local, mask_phone, utc_bounds
from aggregator.staff.accounts import StaffUser
from schema.queries import query

# A relay channel carries TikTok LIVE comments (SQL chotdon_shown_platform): one name, TikTok.
PLATFORM_TEXT = {"facebook": "Facebook", "tiktok": "TikTok", "zalo": "Zalo",
                 "relay": "TikTok", "manual": "Nhập tay"}  # fmt: skip
SQL_NUMBERS = ("orders", "confirmed", "delivered", "returned", "revenue_vnd", "unpaid_vnd",
               "cod_outstanding_vnd")  # fmt: skip
# Refunds settled in the period (returns, issue 22) and revenue less them.
NUMBERS = (*SQL_NUMBERS, "refunds_vnd", "net_revenue_vnd")
NUMBER_HEADER = ["Số đơn", "Đã xác nhận", "Đã giao", "Hoàn hàng", "Doanh thu (đ)",
                 "Chưa thu (đ)", "COD chưa đối soát (đ)", "Hoàn tiền (đ)",
                 "Doanh thu sau hoàn tiền (đ)"]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReportRow:
    label: str
    numbers: dict[str, int]


@dataclass(frozen=True, slots=True)
class Invoice:
    order_no: str
    created_at: datetime
    buyer: str
    phone_masked: str
    items: list[dict[str, Any]]
    subtotal_vnd: int
    shipping_vnd: int
    discount_vnd: int
    total_vnd: int
    payment: str

    @property
    def items_text(self) -> str:
        return "; ".join(_item_text(i) for i in self.items)


def _item_text(item: dict[str, Any]) -> str:
    variant = f" ({item['variant']})" if item["variant"] else ""
    price = f"{item['price']:,}".replace(",", ".")
    return f"{item['qty']} × {item['name']}{variant} @ {price} đ"


@dataclass
class Report:
    start: date
    end: date
    days: list[ReportRow] = field(default_factory=list)
    lives: list[ReportRow] = field(default_factory=list)
    platforms: list[ReportRow] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(r.numbers[k] for r in self.days) for k in NUMBERS}


def _numbers(row: asyncpg.Record | None, refunds_vnd: int = 0) -> dict[str, int]:
    numbers = {k: int(row[k]) if row is not None else 0 for k in SQL_NUMBERS}
    numbers["refunds_vnd"] = refunds_vnd
    numbers["net_revenue_vnd"] = numbers["revenue_vnd"] - refunds_vnd
    return numbers


def _group_key(row: asyncpg.Record) -> tuple[str, object]:
    if row["by_day"]:
        return "day", row["day"]
    if row["by_live"]:
        return "live", row["live_id"]
    return "platform", row["platform"]


def _label(kind: str, row: asyncpg.Record) -> str:
    if kind == "day":
        return str(row["day"].strftime("%d/%m/%Y"))
    if kind == "live":
        return _live_label(row)
    return str(PLATFORM_TEXT.get(row["platform"], row["platform"]))


def _fill(report: Report, groups: list[asyncpg.Record], refunds: list[asyncpg.Record]) -> None:
    """Rows of orders made in the period, and of refunds settled in it (a day with refunds only
    still gets its row); each row's refunds subtracted from its revenue."""
    paid_back = {_group_key(r): int(r["refunds_vnd"]) for r in refunds}
    seen: dict[tuple[str, object], asyncpg.Record] = {_group_key(r): r for r in groups}
    extra = {k: r for k, r in ((_group_key(r), r) for r in refunds) if k not in seen}
    target = {"day": report.days, "live": report.lives, "platform": report.platforms}
    for key, row in [*seen.items(), *sorted(extra.items(), key=lambda kv: str(kv[0][1]))]:
        numbers = _numbers(row if key in seen else None, paid_back.get(key, 0))
        target[key[0]].append(ReportRow(_label(key[0], row), numbers))
    if extra:  # days with refunds only: keep the days in order
        report.days.sort(key=lambda r: datetime.strptime(r.label, "%d/%m/%Y"))


def _live_label(row: asyncpg.Record) -> str:
    if row["live_id"] is None:
        return "Không thuộc buổi live"
    # the label names the live's time and platforms already (SQL chotdon_live_label)
    return str(row["live_title"] or f"Buổi live số {row['live_id']}")


async def build_report(pool: asyncpg.Pool, staff: StaffUser, start: date, end: date) -> Report:
    low, high = utc_bounds(start, end)
    report = Report(start, end)
    async with pool.acquire() as conn:
        groups = await conn.fetch(query("report_groups"), staff.tenant_id, low, high)
        refunds = await conn.fetch(query("report_refunds"), staff.tenant_id, low, high)
        _fill(report, list(groups), list(refunds))
        products = await conn.fetch(query("report_products"), staff.tenant_id, low, high)
        report.products = [dict(r) for r in products]
        invoices = await conn.fetch(query("report_invoices"), staff.tenant_id, low, high)
    report.invoices = [_invoice(r) for r in invoices]
    return report


def _invoice(row: asyncpg.Record) -> Invoice:
    payment = PAYMENT_TEXT.get(row["payment_method"], row["payment_method"])
    if row["paid_at"] is None:
        payment = PAYMENT_TEXT["cod"]
    return Invoice(
        row["order_no"], row["created_at"], row["buyer"] or "", mask_phone(row["phone"]),
        list(row["items"]), row["subtotal_vnd"], row["shipping_vnd"], row["discount_vnd"],
        row["total_vnd"], payment,
    )  # fmt: skip


PAYMENT_TEXT = {"cod": "thu tiền khi giao (COD)", "vietqr": "đã chuyển khoản",
                "platform": "thanh toán qua sàn"}  # fmt: skip
KINDS = ("ngay", "live", "nen-tang", "san-pham", "hoa-don")


def report_csv(report: Report, kind: str) -> bytes:
    """One table of the report as CSV (kind: one of KINDS)."""
    if kind == "hoa-don":
        return csv_bytes(
            ["Số đơn", "Ngày", "Người mua", "SĐT (ẩn)", "Hàng hoá", "Tiền hàng (đ)",
             "Phí ship (đ)", "Giảm giá (đ)", "Tổng (đ)", "Thanh toán"],
            ([i.order_no, local(i.created_at, "%d/%m/%Y"), i.buyer, i.phone_masked, i.items_text,
              i.subtotal_vnd, i.shipping_vnd, i.discount_vnd, i.total_vnd, i.payment]
             for i in report.invoices),
        )  # fmt: skip
    if kind == "san-pham":
        return csv_bytes(
            ["Mã", "Sản phẩm", "Loại", "Số đơn", "Đã xác nhận", "Đã giao", "Hoàn hàng",
             "Số lượng", "Doanh thu (đ)", "Chưa thu (đ)"],
            ([p["code"], p["name"], p["variant"], p["orders"], p["confirmed"], p["delivered"],
              p["returned"], p["qty"], p["revenue_vnd"], p["unpaid_vnd"]]
             for p in report.products),
        )  # fmt: skip
    rows, first = {
        "ngay": (report.days, "Ngày"), "live": (report.lives, "Buổi live"),
        "nen-tang": (report.platforms, "Nền tảng"),
    }[kind]  # fmt: skip
    body: list[Sequence[object]] = [[r.label, *(r.numbers[k] for k in NUMBERS)] for r in rows]
    if kind == "ngay":
        body.append(["Tổng", *(report.totals[k] for k in NUMBERS)])
    return csv_bytes([first, *NUMBER_HEADER], body)


@dataclass(frozen=True, slots=True)
class LogRow:
    at: datetime
    source: str
    actor: str
    kind: str
    detail: str
    raw_actor: str | None = None  # order events: the actor's code when no staff member did it
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None  # order events' reason; courier or message status otherwise


SOURCE_TEXT = {"don": "Đơn", "binh-luan": "Bình luận", "van-chuyen": "Vận chuyển",
               "tin-nhan": "Tin nhắn", "chuyen-khoan": "Chuyển khoản"}  # fmt: skip


async def order_log(pool: asyncpg.Pool, staff: StaffUser, order_id: int) -> list[LogRow]:
    rows = await pool.fetch(query("order_full_log"), staff.tenant_id, order_id)
    return [
        LogRow(r["at"], r["source"], r["actor"], r["kind"], r["detail"] or "", r["raw_actor"],
               r["from_status"], r["to_status"], r["reason"])
        for r in rows
    ]  # fmt: skip


def log_csv(rows: Sequence[LogRow]) -> bytes:
    return csv_bytes(
        ["Thời gian (giờ Việt Nam)", "Nguồn", "Ai", "Việc", "Chi tiết"],
        ([local(r.at), SOURCE_TEXT.get(r.source, r.source), r.actor, r.kind, r.detail]
         for r in rows),
    )  # fmt: skip
