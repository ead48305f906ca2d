"""Packing slips of a live session's orders (packing, packed, shipped), or of one order, loaded
from Postgres."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aggregator.confirmation.addresses import divisions
from aggregator.core.promotion import promotion_of
from aggregator.errors import NotFoundError, ServiceUnavailableError
from aggregator.runtime.db import Connection, connection
from aggregator.settings import Settings
from aggregator.shipping.request import cod_amount
from aggregator.shipping.slip_pdf import Slip, SlipLine, render_slips, vnd
from schema.queries import query


async def session_slips(conn: Connection, session_id: int, base_url: str = "") -> list[Slip]:
    orders = await conn.fetch(query("session_orders_for_slips"), session_id)
    return await _slips(conn, orders, base_url)


async def order_slip(
    conn: Connection, tenant_id: int, order_id: int, base_url: str = ""
) -> Slip | None:
    """The slip of one order of this cooperative, while it is being packed or later.
    base_url: the public address origin QRs point at ("" draws none)."""
    order = await conn.fetchrow(query("order_for_slip"), order_id, tenant_id)
    return None if order is None else (await _slips(conn, [order], base_url))[0]


async def _slips(conn: Connection, orders: Sequence[Any], base_url: str = "") -> list[Slip]:
    lines = await conn.fetch(query("lines_of_orders"), [o["id"] for o in orders])
    by_order: dict[int, list[SlipLine]] = {}
    origins: dict[int, list[str]] = {}
    for line in lines:
        code = line["batch_public_code"]
        found = origins.setdefault(line["order_id"], [])
        if base_url and code and f"{base_url}/nguon-goc/{code}" not in found:
            found.append(f"{base_url}/nguon-goc/{code}")
        name = f"{line['name']} {line['variant']}".strip()
        if line["batch_code"]:
            name += f" · lô {line['batch_code']}"  # the packer picks from that batch
        by_order.setdefault(line["order_id"], []).append(
            SlipLine(name, line["qty"], line["unit_price_vnd"])
        )
    names = divisions().names
    return [
        Slip(
            order_no=o["order_no"],
            shop_name=o["tenant_name"],
            recipient_name=o["recipient_name"] or "",
            recipient_phone=o["recipient_phone"] or "",
            # Orders store the 2025 province's code; older rows and the demo may hold its name.
            province=names.get(f"p:{o['province_code']}", o["province_code"] or ""),
            cod_vnd=cod_amount(o),
            lines=tuple(by_order.get(o["id"], [])),
            courier=o["courier"] or "",
            tracking_code=o["tracking_code"] or "",
            paid_vnd=int(o["paid_vnd"]),
            promotion=_promotion_text(o),
            shipping=_shipping_text(o),
            origin_urls=tuple(origins.get(o["id"], [])),
        )
        for o in orders
    ]


def _promotion_text(order: Any) -> str:
    promotion = promotion_of(order["promotion"])
    if promotion is None or not (order["free_shipping"] or order["discount_vnd"]):
        return ""  # none, or the order did not reach its minimum
    return promotion.describe()


def _shipping_text(order: Any) -> str:
    if order["free_shipping"]:
        return "miễn phí cho khách (shop trả)"
    if order["shipping_vnd"]:
        return f"{vnd(int(order['shipping_vnd']))} (đã tính trong đơn)"
    return ""


async def write_session_slips(settings: Settings, session_id: int, out: Path) -> int:
    """Write the session's slips to one PDF; returns the number of pages."""
    if not settings.database_url:
        raise ServiceUnavailableError("DATABASE_URL is not set")
    async with connection(settings.database_url) as conn:
        slips = await session_slips(conn, session_id, settings.base_url.rstrip("/"))
    if not slips:
        raise NotFoundError(f"no order to pack in session {session_id}")
    out.write_bytes(render_slips(slips))
    return len(slips)
