"""The courier's pickup of an accepted return: a parcel booked from the buyer's address back to
the cooperative, the shop paying the fee, nothing collected on delivery.

GHN, GHTK and Viettel Post all book it with their ordinary create-order call (GHN's from_*
fields, GHTK's pick_*, Viettel Post's SENDER_*: docs in the couriers reference). It is offered
when the cooperative has an account with the courier that delivered the order (else its default
courier); otherwise the buyer is told where to send the parcel. Our client code is the order
number with "-TH" (trả hàng), so a retried booking finds the parcel instead of making another.
Called after the accepting transaction has committed: no transaction waits on the courier.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import asyncpg
import structlog

from aggregator.confirmation.addresses import divisions
from aggregator.settings import Settings
from aggregator.shipping.accounts import account_for
from aggregator.shipping.couriers import Couriers, courier_config
from aggregator.shipping.request import DEFAULT_WEIGHT_G, sender_of
from connectors.couriers.errors import CourierError, DuplicateClientCodeError
from connectors.couriers.port import CourierPort, CreatedShipment, Item, Party, ShipmentRequest
from schema.enums import Courier
from schema.queries import query

log = structlog.get_logger()
RETURN_SUFFIX = "-TH"


@dataclass(frozen=True, slots=True)
class Pickup:
    booked: bool
    courier: Courier | None
    tracking_code: str | None = None
    problem: str = ""  # Vietnamese, for staff, when not booked


async def pickup_courier(
    conn: asyncpg.Pool | asyncpg.Connection, settings: Settings, row: asyncpg.Record
) -> Courier | None:
    """The courier to book with, or None when neither the cooperative (its own account, issue 20)
    nor the installation has an account there to book one."""
    chosen = Courier(
        row["shipped_with"]
        or (row["tenant_settings"] or {}).get("courier")
        or settings.courier_default
    )
    if courier_config(settings, chosen).token:
        return chosen
    own = await account_for(conn, settings, int(row["tenant_id"]), chosen)
    return chosen if own is not None else None


def return_request(row: asyncpg.Record, lines: list[asyncpg.Record]) -> ShipmentRequest:
    names = divisions().names
    buyer = Party(
        name=row["recipient_name"] or row["buyer"] or "",
        phone=row["recipient_phone"] or "",
        address=row["address_line"] or "",
        ward=names.get(f"w:{row['ward_code']}", ""),
        province=names.get(f"p:{row['province_code']}", ""),
    )
    items = tuple(
        Item(f"{r['name']} {r['variant']}".strip(), r["qty"], r["unit_price_vnd"],
             r["weight_g"] or DEFAULT_WEIGHT_G)
        for r in lines
    )  # fmt: skip
    return ShipmentRequest(
        client_code=f"{row['order_no']}{RETURN_SUFFIX}",
        sender=buyer,
        recipient=sender_of(row),
        items=items,
        cod_vnd=0,
        value_vnd=sum(i.price_vnd * i.quantity for i in items),
        weight_g=sum(i.weight_g * i.quantity for i in items) or DEFAULT_WEIGHT_G,
        note=f"Hàng trả lại của đơn {row['order_no']}",
        shop_pays_shipping=True,
        return_leg=True,
    )


async def _create(adapter: CourierPort, request: ShipmentRequest) -> CreatedShipment:
    try:
        return await adapter.create(request)
    except DuplicateClientCodeError as dup:  # booked before (a retry): the same parcel
        found = await adapter.find(request.client_code)
        return found or CreatedShipment(dup.tracking_code, request.client_code)


async def book_pickup(
    pool: asyncpg.Pool, settings: Settings, row: asyncpg.Record, lines: list[asyncpg.Record]
) -> Pickup:
    """Book the pickup and store its code on the return; a refusal is reported, not raised."""
    courier = await pickup_courier(pool, settings, row)
    if courier is None:
        problem = "Chưa cài đặt tài khoản hãng vận chuyển để đặt lấy hàng."
        return Pickup(False, None, problem=problem)
    request = return_request(row, lines)
    couriers = Couriers(settings, aiohttp.ClientSession())
    try:
        adapter = await couriers.for_tenant(pool, int(row["tenant_id"]), courier)
        created = await _create(adapter, request)
    except CourierError as exc:
        log.warning(
            "return.pickup_failed", return_id=row["id"], courier=courier.value, code=exc.code
        )
        problem = f"Hãng vận chuyển chưa nhận đơn lấy hàng ({exc.code or 'lỗi'}): thử lại sau."
        return Pickup(False, courier, problem=problem)
    finally:
        await couriers.close()
    await pool.execute(
        query("set_return_pickup"), row["id"], courier.value, request.client_code,
        created.tracking_code, created.fee_vnd,
    )  # fmt: skip
    log.info("return.pickup_booked", return_id=row["id"], courier=courier.value)
    return Pickup(True, courier, created.tracking_code)
