"""The couriers' documented webhook bodies (tests/fixtures/wire/<courier>/, sources in each
folder's README.md), settings with the webhook secrets, and an order whose parcel carries the
tracking code of a sample, so a documented body can be posted through the real route as is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import orjson
from pydantic import SecretStr

from aggregator.settings import Settings
from schema.enums import Courier
from tests.support.factories import Shop
from tests.support.shipping import SECRETS
from tests.support.staff import add_order

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
GHTK_MULTIPART = "multipart/form-data; boundary=------------------------a3f1c09b7e5d2c64"
GHN_CODE = "Z82BS"  # OrderCode of GHN's sample
GHTK_LABEL = "S1.A1.17373471"  # label_id of GHTK's sample
VTP_WAYBILL = "TUANPAD3024822076"  # ORDER_NUMBER of Viettel Post's sample
TRACKING = {Courier.GHN: GHN_CODE, Courier.GHTK: GHTK_LABEL, Courier.VIETTELPOST: VTP_WAYBILL}
GHN_AUTH = {"X-Chotdon-Token": SECRETS[Courier.GHN]}
GHTK_URL = f"/webhooks/ghtk?hash={SECRETS[Courier.GHTK]}"
VTP_AUTH = {"Authorization": SECRETS[Courier.VIETTELPOST]}


def wire(courier: Courier, name: str) -> bytes:
    return (WIRE / courier.value / name).read_bytes()


def wire_json(courier: Courier, name: str) -> dict[str, Any]:
    value = orjson.loads(wire(courier, name))
    assert isinstance(value, dict)
    return value


def ghn_status(status: str, kind: str = "switch_status") -> bytes:
    """GHN's sample with a documented Type and Status in place of the sample's own."""
    return orjson.dumps({**wire_json(Courier.GHN, "webhook_create.json"), "Type": kind,
                         "Status": status})  # fmt: skip


def vtp_status(code: int, reason_code: int | None = None) -> bytes:
    """Viettel Post's sample with a documented ORDER_STATUS (and REASON_CODE)."""
    body = wire_json(Courier.VIETTELPOST, "webhook_104.json")
    body["DATA"] = {**body["DATA"], "ORDER_STATUS": code, "REASON_CODE": reason_code}
    return orjson.dumps(body)


def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={
        "ghn_webhook_secret": SecretStr(SECRETS[Courier.GHN]),
        "ghtk_webhook_secret": SecretStr(SECRETS[Courier.GHTK]),
        "viettelpost_webhook_secret": SecretStr(SECRETS[Courier.VIETTELPOST]),
    })  # fmt: skip


async def parcel_of_sample(
    db: asyncpg.Connection, shop: Shop, courier: Courier, *, order_status: str = "packed"
) -> tuple[int, str]:
    """(order id, order number) of a packed order whose parcel, booked with `courier`, has the
    tracking code of that courier's documented sample."""
    order_id = await add_order(db, shop, status=order_status)
    order_no = await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)
    await db.execute(
        "INSERT INTO shipments (tenant_id, order_id, courier, client_order_code, tracking_code, "
        "status, status_rank, updated_at) VALUES ($1, $2, $3, $4, $5, 'created', 10, now())",
        shop.tenant_id, order_id, courier.value, order_no, TRACKING[courier],
    )  # fmt: skip
    return order_id, order_no


async def parcel_state(db: asyncpg.Connection, order_id: int) -> tuple[str, str, str]:
    """(order status, shipment status, the courier's reason stored with it)."""
    row = await db.fetchrow(
        "SELECT o.status, s.status AS shipment, s.status_reason FROM orders o "
        "JOIN shipments s ON s.order_id = o.id WHERE o.id = $1",
        order_id,
    )
    return row["status"], row["shipment"], row["status_reason"]
