"""Contract tests: the couriers' documented webhook bodies (tests/fixtures/wire/, sources in each
README.md) posted through the real routes with the real auth, their effect read in Postgres; and
the courier simulator speaking the same shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from connectors.simulators.courier_webhooks import StatusReport, WebhookTarget, webhook_body
from schema.enums import Courier
from tests.support.courier_wire import (
    GHN_AUTH,
    GHTK_LABEL,
    GHTK_MULTIPART,
    GHTK_URL,
    VTP_AUTH,
    ghn_status,
    hook_settings,
    parcel_of_sample,
    parcel_state,
    vtp_status,
    wire,
    wire_json,
)
from tests.support.factories import seed_shop
from tests.support.shipping import SECRETS

Client = TestClient  # type: ignore[type-arg]
FORM = "application/x-www-form-urlencoded"
GHTK_TIME = datetime(2016, 11, 2, 5, 18, 39, tzinfo=UTC)  # 12:18:39+07:00


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(hook_settings(settings)))) as test_client:
        yield test_client


async def _deliveries(db: asyncpg.Connection) -> list[tuple[str, str | None, str | None]]:
    rows = await db.fetch("SELECT status, delivery_key, error FROM webhook_deliveries ORDER BY id")
    return [(r["status"], r["delivery_key"], r["error"]) for r in rows]


GHTK_BODIES = {
    "form, + as published": (wire(Courier.GHTK, "form_literal_plus.txt"), FORM),
    "form, + encoded": (wire(Courier.GHTK, "form_encoded_plus.txt"), FORM),
    "json": (wire(Courier.GHTK, "json.json"), "application/json"),
    "multipart": (wire(Courier.GHTK, "multipart.txt"), GHTK_MULTIPART),
}


@pytest.mark.parametrize("shape", list(GHTK_BODIES))
async def test_ghtk_delivered_in_each_documented_shape(
    db: asyncpg.Connection, client: Client, shape: str
) -> None:
    body, content_type = GHTK_BODIES[shape]
    order_id, _ = await parcel_of_sample(db, await seed_shop(db), Courier.GHTK)
    answer = await client.post(GHTK_URL, data=body, headers={"Content-Type": content_type})
    assert answer.status == 200, await answer.text()
    assert (await parcel_state(db, order_id))[:2] == ("delivered", "delivered")
    key = f"{GHTK_LABEL}|5|2016-11-02T12:18:39+07:00"
    assert await _deliveries(db) == [("processed", key, None)]
    at = await db.fetchval("SELECT at FROM shipment_events WHERE courier_status = '5'")
    assert at == GHTK_TIME


async def test_ghtk_plus_literal_or_encoded_is_one_event(
    db: asyncpg.Connection, client: Client
) -> None:
    await parcel_of_sample(db, await seed_shop(db), Courier.GHTK)
    for name in ("form_literal_plus.txt", "form_encoded_plus.txt"):
        answer = await client.post(
            GHTK_URL, data=wire(Courier.GHTK, name), headers={"Content-Type": FORM}
        )
        assert answer.status == 200
    assert [status for status, _, _ in await _deliveries(db)] == ["processed", "duplicate"]
    assert await db.fetchval("SELECT count(*) FROM shipment_events") == 1


# status_id -> (order status, shipment status) after it reaches a packed order's new parcel.
GHTK_FAMILIES = {
    "1": ("packed", "created"),
    "123": ("packed", "created"),  # a shipper's notice: "picked" waits for status 3
    "7": ("packed", "pickup_failed"),
    "127": ("packed", "pickup_failed"),
    "3": ("shipped", "picked_up"),
    "4": ("shipped", "in_transit"),
    "9": ("shipped", "failed_attempt"),
    "49": ("shipped", "failed_attempt"),
    "20": ("shipped", "returning"),
    "21": ("returned", "returned"),
    "-1": ("packed", "cancelled"),
    "13": ("shipped", "exception"),
}


@pytest.mark.parametrize("code", list(GHTK_FAMILIES))
async def test_ghtk_status_families(db: asyncpg.Connection, client: Client, code: str) -> None:
    order_id, _ = await parcel_of_sample(db, await seed_shop(db), Courier.GHTK)
    body = wire(Courier.GHTK, f"status_{code}.txt")
    answer = await client.post(GHTK_URL, data=body, headers={"Content-Type": FORM})
    assert answer.status == 200, await answer.text()
    assert (await parcel_state(db, order_id))[:2] == GHTK_FAMILIES[code]
    assert [s for s, _, _ in await _deliveries(db)] == ["processed"]


GHN_STATUSES = {
    "lost": ("shipped", "lost"),
    "damage": ("shipped", "damaged"),
    "exception": ("shipped", "exception"),
    "delivery_fail": ("shipped", "failed_attempt"),
    "waiting_to_return": ("shipped", "failed_attempt"),
    "return": ("shipped", "returning"),
    "return_transporting": ("shipped", "returning"),
    "return_sorting": ("shipped", "returning"),
    "returning": ("shipped", "returning"),
    "return_fail": ("shipped", "returning"),
    "returned": ("returned", "returned"),
}


@pytest.mark.parametrize("status", list(GHN_STATUSES))
async def test_ghn_incident_and_return_statuses(
    db: asyncpg.Connection, client: Client, status: str
) -> None:
    order_id, _ = await parcel_of_sample(db, await seed_shop(db), Courier.GHN)
    answer = await client.post("/webhooks/ghn", data=ghn_status(status), headers=GHN_AUTH)
    assert answer.status == 200, await answer.text()
    assert (await parcel_state(db, order_id))[:2] == GHN_STATUSES[status]


async def test_ghn_sample_as_published_is_kept_whole_and_acknowledged(
    db: asyncpg.Connection, client: Client
) -> None:
    """GHN's own sample lacks a comma: not JSON, so kept as a dead letter, and answered 200."""
    body = wire(Courier.GHN, "webhook_create_as_published.txt")
    answer = await client.post(
        "/webhooks/ghn", data=body, headers={**GHN_AUTH, "Content-Type": "application/json"}
    )
    assert (answer.status, (await answer.json())["success"]) == (200, True)
    row = await db.fetchrow("SELECT status, verified, body, error FROM webhook_deliveries")
    assert (row["status"], row["verified"], bytes(row["body"])) == ("unreadable", True, body)
    assert row["error"] == "body is not JSON"


async def test_ghn_sample_and_a_type_chotdon_does_not_use_are_recorded_not_applied(
    db: asyncpg.Connection, client: Client
) -> None:
    order_id, _ = await parcel_of_sample(db, await seed_shop(db), Courier.GHN)
    for body in (wire(Courier.GHN, "webhook_create.json"), ghn_status("picked", "update_weight")):
        answer = await client.post("/webhooks/ghn", data=body, headers=GHN_AUTH)
        assert answer.status == 200
    assert (await parcel_state(db, order_id))[:2] == ("packed", "created")
    assert [(s, e) for s, _, e in await _deliveries(db)] == [
        ("processed", None), ("processed", "ignored: update_weight"),
    ]  # fmt: skip
    stored = await db.fetch("SELECT status, courier_status FROM shipment_events ORDER BY id")
    assert [tuple(r) for r in stored] == [
        ("created", "ready_to_pick"),
        ("unmapped", "update_weight"),
    ]


async def test_viettelpost_sample_then_a_failed_delivery_with_its_reason(
    db: asyncpg.Connection, client: Client
) -> None:
    order_id, _ = await parcel_of_sample(db, await seed_shop(db), Courier.VIETTELPOST)
    sample = wire(Courier.VIETTELPOST, "webhook_104.json")
    answer = await client.post("/webhooks/viettelpost", data=sample, headers=VTP_AUTH)
    assert answer.status == 200, await answer.text()
    stored = await db.fetchval("SELECT body FROM webhook_deliveries")
    assert SECRETS[Courier.VIETTELPOST].encode() not in bytes(stored)  # TOKEN redacted
    assert (await parcel_state(db, order_id))[:2] == ("packed", "created")
    answer = await client.post("/webhooks/viettelpost", data=vtp_status(505, 31), headers=VTP_AUTH)
    assert answer.status == 200
    assert await parcel_state(db, order_id) == (
        "shipped", "failed_attempt", "Khách hàng không đặt đơn — Phân công bưu tá nhận hàng",
    )  # fmt: skip


async def test_an_unknown_parcel_still_gets_404_so_the_courier_tries_again(
    db: asyncpg.Connection, client: Client
) -> None:
    answer = await client.post(GHTK_URL, data=wire(Courier.GHTK, "form_literal_plus.txt"),
                               headers={"Content-Type": FORM})  # fmt: skip
    assert answer.status == 404
    assert await _deliveries(db) == [("rejected", None, "unknown tracking code")]


def test_the_simulator_posts_the_documented_fields() -> None:
    report = StatusReport(Courier.GHN, "T1", "CD0000001", "delivered", GHTK_TIME, 1000)
    target = WebhookTarget("http://x", token="t")
    ghn, _ = webhook_body(report, target)
    assert orjson.loads(ghn).keys() == wire_json(Courier.GHN, "webhook_create.json").keys()
    assert (
        orjson.loads(ghn)["Fee"].keys()
        == wire_json(Courier.GHN, "webhook_create.json")["Fee"].keys()
    )
    ghtk, content_type = webhook_body(replace(report, courier=Courier.GHTK, code="5"), target)
    assert content_type == FORM and b"+07:00" in ghtk  # the "+" unencoded, as GHTK posts it
    fields = {pair.split(b"=")[0].decode() for pair in ghtk.split(b"&")}
    assert fields == wire_json(Courier.GHTK, "json.json").keys()
    vtp, _ = webhook_body(replace(report, courier=Courier.VIETTELPOST, code="501"), target)
    documented = wire_json(Courier.VIETTELPOST, "webhook_104.json")
    assert orjson.loads(vtp).keys() == documented.keys()
    assert orjson.loads(vtp)["DATA"].keys() == documented["DATA"].keys()
