"""Orders around 1–2 March 2026 (Vietnam time) in every status, for the report tests."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from tests.support.factories import Shop, seed_shop
from tests.support.staff import add_order


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def sales_order(
    db: asyncpg.Connection, shop: Shop, status: str, created: str, *, name: str = "Khách",
    phone: str | None = None, paid: bool = False, method: str = "cod",
) -> int:  # fmt: skip
    order_id = await add_order(db, shop, status=status, name=name, phone=phone)
    await db.execute(
        "UPDATE orders SET created_at = $2, paid_at = $3, payment_method = $4 WHERE id = $1",
        order_id, utc(created), utc(created) if paid else None, method,
    )  # fmt: skip
    return order_id


async def _shipment(db: asyncpg.Connection, shop: Shop, order_id: int, reconciled: bool) -> None:
    await db.execute(
        "INSERT INTO shipments (tenant_id, order_id, courier, client_order_code, status, cod_vnd) "
        "VALUES ($1, $2, 'ghn', $3, 'delivered', 360000)",
        shop.tenant_id, order_id, f"CODE{order_id}",
    )  # fmt: skip
    if reconciled:
        await db.execute(
            "INSERT INTO order_events (tenant_id, order_id, actor, kind) "
            "VALUES ($1, $2, 'cli', 'cod_reconciled')",
            shop.tenant_id, order_id,
        )  # fmt: skip


async def seed_sales(db: asyncpg.Connection) -> Shop:
    """Orders around 1–2 March 2026, Vietnam time (UTC+7); each has A01 × 2 = 360.000 đ."""
    shop = await seed_shop(db)
    delivered = await sales_order(db, shop, "delivered", "2026-03-01T16:30", name="Nguyễn Thị Lan",
                             phone="0912345678")  # 23:30 on 1 March in Vietnam  # fmt: skip
    await _shipment(db, shop, delivered, reconciled=False)
    settled = await sales_order(db, shop, "delivered", "2026-03-01T02:00", name="Trần Văn Hùng")
    await _shipment(db, shop, settled, reconciled=True)
    await sales_order(db, shop, "awaiting_confirmation", "2026-02-28T17:30")  # 00:30 on 1 March
    await sales_order(db, shop, "expired", "2026-02-28T16:30")  # 23:30 on 28 Feb: outside
    await sales_order(db, shop, "confirmed", "2026-03-01T17:30")  # 00:30 on 2 March, unpaid
    await sales_order(db, shop, "shipped", "2026-03-02T03:00", name="Lê Thu Hà", paid=True,
                 method="vietqr")  # fmt: skip
    await sales_order(db, shop, "returned", "2026-03-02T04:00")
    await sales_order(db, shop, "cancelled", "2026-03-02T05:00")
    await sales_order(db, shop, "confirmed", "2026-03-02T17:00")  # 00:00 on 3 March: outside
    tiktok = await db.fetchval(
        "INSERT INTO channels (tenant_id, platform, external_id, name) "
        "VALUES ($1, 'tiktok', $2, 'Shop TikTok') RETURNING id",
        shop.tenant_id, f"tt{shop.tenant_id}",
    )  # fmt: skip
    live = await db.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title) "
        "VALUES ($1, $2, 'tt-live', 'Live TikTok trưa') RETURNING id",
        shop.tenant_id, tiktok,
    )  # fmt: skip
    on_tiktok = await sales_order(db, shop, "delivered", "2026-03-02T06:00", name="Phạm Minh",
                             paid=True, method="platform")  # fmt: skip
    await db.execute("UPDATE orders SET session_id = $2 WHERE id = $1", on_tiktok, live)
    return shop
