"""Courier status webhooks through the web app: order moves, dedup, ordering, risk, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.core.risk import RiskLevel
from aggregator.orders.risk import order_risk, set_prepay_threshold
from aggregator.settings import Settings
from aggregator.shipping.couriers import Couriers
from aggregator.shipping.handoff import Outcome, create_shipment, mark_packed
from aggregator.shipping.news import hand_over_shipment_news
from aggregator.shipping.polling import poll_overdue
from aggregator.web.app import create_app
from connectors.couriers.errors import CourierTimeoutError
from connectors.simulators.courier_webhooks import Scenario, post_webhook
from connectors.simulators.couriers import CourierSimulator
from schema.enums import Courier
from tests.support.factories import seed_shop
from tests.support.shipping import (
    SECRETS,
    TOKENS,
    courier_settings,
    point_webhooks,
    seed_packing_orders,
)
from workers.context import outbound_routers


@dataclass
class Rig:
    sim: CourierSimulator
    settings: Settings
    client: TestClient  # type: ignore[type-arg]
    couriers: Couriers
    orders: dict[Courier, list[int]]


@pytest.fixture
async def rig(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, settings: Settings
) -> AsyncIterator[Rig]:
    sim = CourierSimulator(TOKENS)
    await sim.start()
    own = courier_settings(settings, sim)
    couriers = Couriers.open(own)
    orders = {}
    for n, courier in enumerate(Courier):
        shop = await seed_shop(db)
        orders[courier] = await seed_packing_orders(db, shop, 3, courier, first_phone=n * 100)
        await mark_packed(pool, arq_pool, orders[courier], actor="staff:test")
        for order_id in orders[courier]:
            await create_shipment(pool, couriers, order_id, poll_after_s=3600)
    async with TestClient(TestServer(create_app(own))) as client:
        point_webhooks(sim, str(client.make_url("")).rstrip("/"))
        yield Rig(sim, own, client, couriers, orders)
    await couriers.close()
    await sim.stop()


async def order_no(db: asyncpg.Connection, order_id: int) -> str:
    return await db.fetchval("SELECT order_no FROM orders WHERE id = $1", order_id)


async def status_of(db: asyncpg.Connection, order_id: int) -> tuple[str, str]:
    row = await db.fetchrow(
        "SELECT o.status, s.status AS shipment FROM orders o JOIN shipments s ON s.order_id = o.id "
        "WHERE o.id = $1",
        order_id,
    )
    return row["status"], row["shipment"]


@pytest.mark.parametrize("courier", list(Courier))
async def test_a_delivered_parcel_moves_the_order_and_the_buyer_record(
    db: asyncpg.Connection, rig: Rig, courier: Courier
) -> None:
    order_id = rig.orders[courier][0]
    answers = await rig.sim.walk(courier, await order_no(db, order_id), Scenario.DELIVER)
    assert set(answers) == {200}
    assert await status_of(db, order_id) == ("delivered", "delivered")
    moves = await db.fetch(
        "SELECT to_status FROM order_events WHERE order_id = $1 AND kind = 'status' ORDER BY id",
        order_id,
    )
    assert [m["to_status"] for m in moves] == ["packed", "shipped", "delivered"]
    buyer = await db.fetchrow(
        "SELECT delivered_count, returned_count FROM buyers b JOIN orders o ON o.buyer_id = b.id "
        "WHERE o.id = $1",
        order_id,
    )
    assert (buyer["delivered_count"], buyer["returned_count"]) == (1, 0)
    kinds = await db.fetch("SELECT kind FROM outbound_messages WHERE order_id = $1", order_id)
    assert {k["kind"] for k in kinds} == {"shipment_picked_up", "shipment_delivered"}
    processed = await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE source = $1 AND status = 'processed'",
        f"courier:{courier.value}",
    )
    assert processed == len(answers)


async def test_delivery_news_reaches_the_buyers_platform_once(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, rig: Rig
) -> None:
    order_id = rig.orders[Courier.GHN][0]
    await rig.sim.walk(Courier.GHN, await order_no(db, order_id), Scenario.DELIVER)
    routers = outbound_routers()
    assert await hand_over_shipment_news(pool, arq_pool, routers) == 2  # picked up, delivered
    assert await hand_over_shipment_news(pool, arq_pool, routers) == 0  # nothing handed over twice
    news = await db.fetch(
        "SELECT kind, status, body, external_message_id FROM outbound_messages "
        "WHERE order_id = $1 AND kind LIKE 'shipment%' ORDER BY id",
        order_id,
    )
    assert [(n["kind"], n["status"]) for n in news] == [
        ("shipment_picked_up", "sent"), ("shipment_delivered", "sent"),
    ]  # fmt: skip
    carriers = await db.fetch(
        "SELECT id, body FROM outbound_messages WHERE order_id = $1 AND kind NOT LIKE 'shipment%' "
        "ORDER BY id",
        order_id,
    )
    # each news item rides on one message of the buyer's own platform, with the same text
    assert [c["body"] for c in carriers] == [n["body"] for n in news]
    assert [n["external_message_id"] for n in news] == [f"outbound:{c['id']}" for c in carriers]


async def test_news_of_an_order_with_no_buyer_to_write_to_goes_to_staff_not_back_in_the_queue(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, rig: Rig
) -> None:
    """Left pending, such news came back in every batch, forever (and enough of them would fill
    the batch): it goes on staff's "to send by hand" list instead, once."""
    order_id = rig.orders[Courier.GHN][0]
    await rig.sim.walk(Courier.GHN, await order_no(db, order_id), Scenario.DELIVER)
    await db.execute("UPDATE orders SET buyer_identity_id = NULL WHERE id = $1", order_id)
    routers = outbound_routers()
    assert await hand_over_shipment_news(pool, arq_pool, routers) == 2
    assert await hand_over_shipment_news(pool, arq_pool, routers) == 0
    news = await db.fetch(
        "SELECT status, last_error FROM outbound_messages WHERE order_id = $1 ORDER BY id", order_id
    )
    assert [n["status"] for n in news] == ["unsent", "unsent"]  # and no platform message made
    assert all("staff" in n["last_error"] for n in news)


async def test_late_and_repeated_webhooks_never_move_a_parcel_backwards(
    db: asyncpg.Connection, rig: Rig
) -> None:
    order_id = rig.orders[Courier.GHN][1]
    reports = rig.sim.reports(Courier.GHN, await order_no(db, order_id), Scenario.DELIVER)
    shuffled = [reports[-1], *reversed(reports[:-1])]  # delivered first, then the rest backwards
    session, target = rig.sim._session, rig.sim.targets[Courier.GHN]
    assert session is not None
    for report in shuffled + shuffled[:3]:  # and the first three again
        assert await post_webhook(session, report, target) == 200
    assert await status_of(db, order_id) == ("delivered", "delivered")
    events = await db.fetchval(
        "SELECT count(*) FROM shipment_events e JOIN shipments s ON s.id = e.shipment_id "
        "WHERE s.order_id = $1",
        order_id,
    )
    assert events == len(reports)
    duplicates = await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE status = 'duplicate'"
    )
    assert duplicates == 3
    assert (
        await db.fetchval(
            "SELECT delivered_count FROM buyers b JOIN orders o ON o.buyer_id = b.id "
            "WHERE o.id = $1",
            order_id,
        )
        == 1
    )


@pytest.mark.parametrize("courier", list(Courier))
async def test_a_refused_cod_parcel_raises_the_phone_risk(
    db: asyncpg.Connection, pool: asyncpg.Pool, rig: Rig, courier: Courier
) -> None:
    order_id = rig.orders[courier][2]
    async with pool.acquire() as conn:
        before = await order_risk(conn, order_id)
        assert before.level is RiskLevel.NEW and not before.prepay_required
        await rig.sim.walk(courier, await order_no(db, order_id), Scenario.REFUSE)
        assert await status_of(db, order_id) == ("returned", "returned")
        after = await order_risk(conn, order_id)
        assert (after.delivered, after.returned) == (0, 1)
        assert after.level is RiskLevel.MEDIUM
        tenant_id = await db.fetchval("SELECT tenant_id FROM orders WHERE id = $1", order_id)
        await set_prepay_threshold(conn, tenant_id, RiskLevel.MEDIUM)
        assert (await order_risk(conn, order_id)).prepay_required
    kinds = await db.fetch("SELECT kind FROM outbound_messages WHERE order_id = $1", order_id)
    assert "shipment_failed_attempt" in {k["kind"] for k in kinds}


async def test_bad_webhooks_are_recorded_refused_when_unproven_kept_when_unreadable(
    db: asyncpg.Connection, rig: Rig
) -> None:
    """A wrong or missing secret is refused; a proven body chotdon cannot read is kept whole as
    a dead letter and acknowledged (a 400 would make the courier retry, then give up); a parcel
    chotdon does not know yet gets a 404 so the courier tries again."""
    client = rig.client
    ghn_auth = {"X-Chotdon-Token": SECRETS[Courier.GHN]}
    good = {"OrderCode": "NOPE", "Type": "switch_status", "Status": "picked",
            "Time": "2026-09-01T03:00:00Z"}  # fmt: skip
    cases = [
        (await client.post("/webhooks/ghn", json=good, headers=ghn_auth), 404, "rejected"),
        (await client.post("/webhooks/ghn", json=good, headers={"X-Chotdon-Token": "x"}), 401,
         "rejected"),
        (await client.post("/webhooks/ghn", json=good), 401, "rejected"),
        (await client.post("/webhooks/ghn", data=b"{not json", headers=ghn_auth), 200,
         "unreadable"),
        (await client.post("/webhooks/ghn", json={"Type": "switch_status"}, headers=ghn_auth), 200,
         "unreadable"),
        (await client.post("/webhooks/ghtk?hash=wrong", data={"label_id": "S1"}), 401, "rejected"),
        (await client.post(f"/webhooks/ghtk?hash={SECRETS[Courier.GHTK]}", data={"x": "1"}), 200,
         "unreadable"),
        (await client.post("/webhooks/viettelpost", json={"DATA": {}, "TOKEN": "wrong"}), 401,
         "rejected"),
    ]  # fmt: skip
    assert [r.status for r, _, _ in cases] == [want for _, want, _ in cases]
    rows = await db.fetch(
        "SELECT status, verified, headers, body FROM webhook_deliveries ORDER BY id"
    )
    assert [r["status"] for r in rows] == [kept for _, _, kept in cases]
    assert [r["verified"] for r in rows] == [True, False, False, True, True, False, True, False]
    assert all("x-chotdon-token" not in r["headers"] for r in rows)
    assert bytes(rows[3]["body"]) == b"{not json"  # kept whole for `chotdon deliveries replay`


async def test_viettelpost_secret_is_redacted_and_ip_allow_list_applies(
    db: asyncpg.Connection, rig: Rig, settings: Settings
) -> None:
    order_id = rig.orders[Courier.VIETTELPOST][0]
    (report,) = rig.sim.reports(Courier.VIETTELPOST, await order_no(db, order_id), Scenario.CANCEL)
    session = rig.sim._session
    assert session is not None
    assert await post_webhook(session, report, rig.sim.targets[Courier.VIETTELPOST]) == 200
    body = await db.fetchval("SELECT body FROM webhook_deliveries WHERE status = 'processed'")
    assert SECRETS[Courier.VIETTELPOST].encode() not in body
    fenced = rig.settings.model_copy(update={"courier_webhook_allow_ips": "10.9.0.0/16"})
    async with TestClient(TestServer(create_app(fenced))) as client:
        answer = await client.post("/webhooks/viettelpost", json={"DATA": {}})
        assert answer.status == 403


async def test_polling_catches_a_missed_webhook(
    db: asyncpg.Connection, rig: Rig, pool: asyncpg.Pool
) -> None:
    order_id = rig.orders[Courier.GHTK][0]
    for report in rig.sim.reports(Courier.GHTK, await order_no(db, order_id), Scenario.DELIVER):
        rig.sim.advance(report)  # the courier moves on, no webhook reaches us
    await db.execute("UPDATE shipments SET next_poll_at = now() - interval '1 second'")
    assert (
        await poll_overdue(pool, rig.couriers) == 1
    )  # the others have not moved; VTP has no status API
    assert await status_of(db, order_id) == ("delivered", "delivered")


async def test_viettelpost_tells_the_waybill_of_a_timed_out_create_by_webhook(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis, rig: Rig
) -> None:
    shop = await seed_shop(db)
    (order_id,) = await seed_packing_orders(db, shop, 1, Courier.VIETTELPOST, first_phone=900)
    await mark_packed(pool, arq_pool, [order_id], actor="staff:test")
    rig.sim.faults.timeout_after_accept, rig.sim.faults.stall_s = 1.0, 1.0
    with pytest.raises(CourierTimeoutError):
        await create_shipment(pool, rig.couriers, order_id, poll_after_s=3600)
    rig.sim.faults.timeout_after_accept = 0.0
    assert await create_shipment(pool, rig.couriers, order_id, poll_after_s=3600) is (
        Outcome.RECOVERED
    )
    assert (
        await db.fetchval("SELECT tracking_code FROM shipments WHERE order_id = $1", order_id)
        is None
    )
    code = await order_no(db, order_id)
    assert set(await rig.sim.walk(Courier.VIETTELPOST, code, Scenario.DELIVER)) == {200}
    tracking = await db.fetchval(
        "SELECT tracking_code FROM shipments WHERE order_id = $1", order_id
    )
    assert tracking == rig.sim.parcels[(Courier.VIETTELPOST, code)].tracking_code
    assert await status_of(db, order_id) == ("delivered", "delivered")
    assert rig.sim.count(Courier.VIETTELPOST) == 4


async def test_an_oversized_courier_delivery_is_recorded_under_the_couriers_own_source(
    db: asyncpg.Connection, rig: Rig
) -> None:
    """Refused unread for its size, it still lands where the courier's other deliveries are."""
    huge = b"x" * (rig.settings.max_body_bytes + 1)
    answer = await rig.client.post("/webhooks/ghtk", data=huge)
    assert answer.status == 413
    row = await db.fetchrow("SELECT source, verified, length(body) AS size FROM webhook_deliveries")
    assert (row["source"], row["verified"], row["size"]) == ("courier:ghtk", False, 0)
