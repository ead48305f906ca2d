"""Every staff read of a buyer's phone or address, recorded: who, which order, what, where.

Pages and files that show a phone or an address call `log_reads` with the orders shown; the
director reads the log on /cai-dat/du-lieu-ca-nhan/nhat-ky. The log names staff and orders, never
the phone or address itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from aggregator.staff.accounts import StaffUser
from schema.queries import query

PHONE, ADDRESS = "phone", "address"
BOTH = (PHONE, ADDRESS)
# Where a read happened, as the director reads it.
PLACE_TEXT = {
    "order_page": "Trang đơn hàng",
    "packing_slip": "Phiếu đóng gói (PDF)",
    "by_hand": "Danh sách cần gửi tay",
    "address_fix": "Sửa địa chỉ",
    "courier_label": "Nhãn vận chuyển",
    "return_page": "Trang yêu cầu trả hàng",
}
FIELD_TEXT = {PHONE: "số điện thoại", ADDRESS: "địa chỉ"}


async def log_reads(
    pool: asyncpg.Pool, staff: StaffUser, order_ids: Sequence[int], fields: Sequence[str],
    place: str,
) -> None:  # fmt: skip
    """One row per order shown (orders of another cooperative are ignored by the query)."""
    if order_ids:
        await pool.execute(query("log_data_access"), staff.tenant_id, staff.id, list(order_ids),
                           list(fields), place)  # fmt: skip


async def recent_reads(
    pool: asyncpg.Pool, tenant_id: int, limit: int = 200, order_id: int | None = None
) -> list[asyncpg.Record]:
    return list(await pool.fetch(query("data_access_recent"), tenant_id, limit, order_id))
