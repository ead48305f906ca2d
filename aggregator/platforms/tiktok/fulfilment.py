"""TikTok-shipped orders follow TikTok's fulfilment, never chotdon's couriers.

A TikTok Shop order whose `shipping_type` is TIKTOK is packed like any other (claim, pick, scan);
the booking worker refuses it (shipping/handoff.py, Outcome.PLATFORM) and hands it here. This
module tells TikTok the package is ready (Ship Package: TikTok's carrier will collect it) and keeps
TikTok's label for the packer to print (Get Package Shipping Document, downloaded at once: its
URL expires). When TikTok's carrier collects the parcel, the Order API says IN_TRANSIT and the
order follows (orders/platform.py).

Never twice: before Ship Package the order's status is read from TikTok (a package already
arranged, by an earlier attempt whose answer was lost or by hand in Seller Center, is recorded,
not arranged again), `ship_requested_at` is committed before the call, and each stored step is
skipped by a retry. Errors of the platform propagate: the job retries, the sweeper re-enqueues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aiohttp
import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.credentials.cipher import TokenCipher
from aggregator.orders.state import EventRow, record_events
from aggregator.platforms.tiktok.orders import Backoff, shop_access, with_backoff
from aggregator.runtime import jobs
from aggregator.runtime.keyed import enqueue_keyed
from connectors.tiktok.client import ShopClient
from connectors.tiktok.fulfillment import (
    ARRANGED,
    download_document,
    package_ids,
    ship_package,
    shipping_document,
)
from schema.queries import query

log = structlog.get_logger()
ACTOR = "system:tiktok"
PACKED_OR_LATER = frozenset({"packed", "shipped", "delivered"})


class Fulfilled(StrEnum):
    NOT_TIKTOK = "not_tiktok"  # not an order TikTok ships
    NOT_PACKED = "not_packed"  # staff have not packed it yet
    WAITING = "waiting"  # TikTok has no package for it yet, or it is not ready to ship
    CANCELLED = "cancelled"  # TikTok cancelled it: nothing to ship
    LABEL_READY = "label_ready"  # arranged, and TikTok's label is stored now
    DONE = "done"  # the label was stored before


@dataclass(frozen=True, slots=True)
class Fulfiller:
    pool: asyncpg.Pool
    sealer: TokenCipher
    client: ShopClient
    http: aiohttp.ClientSession
    backoff: Backoff = field(default_factory=Backoff)


def fulfil_job_id(order_id: int) -> str:
    return f"tiktok-fulfil:{order_id}"


async def enqueue_fulfilment(arq: ArqRedis, order_id: int) -> None:
    await enqueue_keyed(arq, jobs.TIKTOK_FULFIL, order_id, job_id=fulfil_job_id(order_id))


async def fulfil_order(f: Fulfiller, order_id: int) -> Fulfilled:
    """Arrange the packed order's TikTok shipment once and store TikTok's label."""
    await f.pool.execute(query("start_tiktok_fulfilment"), order_id)
    row = await f.pool.fetchrow(query("tiktok_fulfilment"), order_id)
    if row is None:
        return Fulfilled.NOT_TIKTOK
    if row["label_at"] is not None:
        return Fulfilled.DONE
    if row["order_status"] not in PACKED_OR_LATER:
        return Fulfilled.NOT_PACKED
    access = await shop_access(f.pool, f.sealer, row["channel_id"])
    package_id = row["package_id"]
    if row["arranged_at"] is None:
        arranged = await _arrange(f, row, access.token, access.shop_cipher)
        if isinstance(arranged, Fulfilled):
            return arranged
        package_id = arranged
    document = await with_backoff(
        lambda: shipping_document(f.client, access.token, access.shop_cipher, package_id),
        f.backoff,
    )
    pdf = await download_document(f.http, document.doc_url)
    if await f.pool.fetchval(query("store_tiktok_label"), order_id, pdf, document.tracking_number):
        await _event(f.pool, row, "tiktok_label_stored", "Đã lấy nhãn giao hàng của TikTok.")
    log.info("tiktok.label_stored", order_id=order_id, package_id=package_id)
    return Fulfilled.LABEL_READY


async def _arrange(f: Fulfiller, row: asyncpg.Record, token: str, cipher: str) -> str | Fulfilled:
    """Ship Package unless TikTok says it is arranged already; the package id, or why not."""
    order = await _read_order(f, token, cipher, row["external_order_id"])
    status = str(order.get("status", "")).upper()
    if status == "CANCELLED":
        await _event(f.pool, row, "tiktok_cancelled", "TikTok đã huỷ đơn: không giao.")
        return Fulfilled.CANCELLED
    found = package_ids(order)
    package_id = row["package_id"] or (found[0] if found else None)
    if package_id is None:
        return Fulfilled.WAITING
    await f.pool.execute(query("set_tiktok_package"), row["order_id"], package_id)
    if status not in ARRANGED:
        if status != "AWAITING_SHIPMENT":  # unpaid, on hold: TikTok would refuse
            return Fulfilled.WAITING
        await f.pool.execute(query("mark_tiktok_ship_requested"), row["order_id"])
        await with_backoff(lambda: ship_package(f.client, token, cipher, package_id), f.backoff)
    if await f.pool.fetchval(query("mark_tiktok_arranged"), row["order_id"]):
        reason = "Đã báo TikTok đơn đã đóng gói: shipper của TikTok sẽ đến lấy hàng."
        await _event(f.pool, row, "tiktok_shipment_arranged", reason, {"package_id": package_id})
    log.info("tiktok.shipment_arranged", order_id=row["order_id"], already=status in ARRANGED)
    return str(package_id)


async def _read_order(f: Fulfiller, token: str, cipher: str, order_id: str) -> dict[str, Any]:
    orders = await with_backoff(lambda: f.client.get_orders(token, cipher, [order_id]), f.backoff)
    return orders[0][1] if orders else {}


async def _event(
    pool: asyncpg.Pool, row: asyncpg.Record, kind: str, reason: str,
    data: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    event = EventRow(row["tenant_id"], row["order_id"], ACTOR, kind, reason=reason, data=data or {})
    async with pool.acquire() as conn:
        await record_events(conn, [event])
