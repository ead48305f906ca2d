"""Parcels in trouble reach the people who can act: a documented courier webhook (lost, damaged,
not picked up, a failed delivery) moves the parcel to a status staff see on the order page, in
the order queue's filter and as an alert on the director's dashboard, in Vietnamese with the
courier's words; dead letters are counted there and read again by `chotdon deliveries replay`."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.cli.replayers import replayers_for
from aggregator.inbox.journal import DeliveryJournal
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import replay_unreadable
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import Courier, StaffRole
from tests.support.courier_wire import (
    GHN_AUTH,
    GHTK_URL,
    VTP_AUTH,
    ghn_status,
    hook_settings,
    parcel_of_sample,
    parcel_state,
    vtp_status,
    wire,
)
from tests.support.factories import Shop, seed_shop
from tests.support.staff import add_order, add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Desk:
    client: Client
    shop: Shop
    settings: Settings

    async def page(self, path: str) -> str:
        answer = await self.client.get(path)
        assert answer.status == 200, path
        return html.unescape(await answer.text())


@pytest.fixture
async def desk(db: asyncpg.Connection, settings: Settings) -> AsyncIterator[Desk]:
    """The web app with the couriers' secrets, and a cooperative's director logged in."""
    configured = hook_settings(settings)
    shop = await seed_shop(db)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    async with TestClient(TestServer(create_app(configured))) as client:
        await log_in(client, login)
        yield Desk(client, shop, configured)


async def _incident_events(db: asyncpg.Connection, order_id: int) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT actor, reason FROM order_events WHERE order_id = $1 AND kind = 'courier_incident'",
        order_id,
    )
    return [(r["actor"], r["reason"]) for r in rows]


async def test_a_lost_ghn_parcel_shows_on_the_order_the_queue_and_the_dashboard(
    db: asyncpg.Connection, desk: Desk
) -> None:
    order_id, order_no = await parcel_of_sample(db, desk.shop, Courier.GHN)
    healthy = await add_order(db, desk.shop, status="packed")
    answer = await desk.client.post("/webhooks/ghn", data=ghn_status("lost"), headers=GHN_AUTH)
    assert answer.status == 200
    assert await parcel_state(db, order_id) == ("shipped", "lost", "")
    assert await _incident_events(db, order_id) == [("courier:ghn", "Thất lạc — GHN: Hàng bị mất")]

    order_page = await desk.page(f"/don/{order_id}")
    assert (
        '<p id="parcel" class="error">Vận chuyển: <strong>Thất lạc</strong> · GHN: Hàng bị mất'
        in (order_page)
    )
    assert "Sự cố vận chuyển (Thất lạc — GHN: Hàng bị mất)" in order_page  # the order's history
    board = await desk.page("/bang-dieu-khien")
    assert f'<li class="alert danger">Đơn {order_no} bị thất lạc (GHN: Hàng bị mất)</li>' in board
    for wanted in ("su-co", "lost"):
        queue = await desk.page(f"/don?van_chuyen={wanted}")
        assert f"/don/{order_id}" in queue and f"/don/{healthy}" not in queue
        assert '<span class="status s-cancelled parcel">Thất lạc</span>' in queue
    assert f"/don/{order_id}" not in await desk.page("/don?van_chuyen=damaged")
    assert f"/don/{healthy}" in await desk.page("/don")


async def test_a_failed_delivery_warns_with_the_couriers_reason(
    db: asyncpg.Connection, desk: Desk
) -> None:
    ghtk_order, ghtk_no = await parcel_of_sample(db, desk.shop, Courier.GHTK)
    answer = await desk.client.post(GHTK_URL, data=wire(Courier.GHTK, "status_49.txt"),
                                    headers=FORM)  # fmt: skip
    assert answer.status == 200
    vtp_order, vtp_no = await parcel_of_sample(db, desk.shop, Courier.VIETTELPOST)
    answer = await desk.client.post(
        "/webhooks/viettelpost", data=vtp_status(505, 31), headers=VTP_AUTH
    )
    assert answer.status == 200
    board = await desk.page("/bang-dieu-khien")
    assert (
        f'<li class="alert warn">Đơn {ghtk_no} giao không thành công '
        "(GHTK: Shipper báo không giao được hàng)</li>"
    ) in board
    assert (
        f"Đơn {vtp_no} giao không thành công (Viettel Post: Phát thất bại - Yêu cầu chuyển hoàn "
        "— Khách hàng không đặt đơn — Phân công bưu tá nhận hàng)"
    ) in board
    order_page = await desk.page(f"/don/{vtp_order}")
    assert '<p id="parcel" class="warning">Vận chuyển: <strong>Giao không thành công</strong>' in (
        order_page
    )
    assert "Khách hàng không đặt đơn" in order_page
    assert f"/don/{ghtk_order}" in await desk.page("/don?van_chuyen=failed_attempt")


async def test_old_incidents_leave_the_dashboard_but_stay_in_the_queue(
    db: asyncpg.Connection, desk: Desk
) -> None:
    order_id, order_no = await parcel_of_sample(db, desk.shop, Courier.GHN)
    await desk.client.post("/webhooks/ghn", data=ghn_status("damage"), headers=GHN_AUTH)
    assert f"Đơn {order_no} bị hư hỏng (GHN: Hàng bị hư hỏng)" in await desk.page(
        "/bang-dieu-khien"
    )
    await db.execute("UPDATE shipments SET updated_at = now() - interval '8 days'")
    assert f"Đơn {order_no}" not in await desk.page("/bang-dieu-khien")
    assert f"/don/{order_id}" in await desk.page("/don?van_chuyen=su-co")


async def test_the_dashboard_counts_this_cooperatives_recent_unreadable_deliveries(
    db: asyncpg.Connection, pool: asyncpg.Pool, desk: Desk
) -> None:
    other = await seed_shop(db)
    inbound = Inbound.of(b"{}", {"content-type": "application/json"})
    for tenant_id in (
        desk.shop.tenant_id,
        desk.shop.tenant_id,
        desk.shop.tenant_id,
        other.tenant_id,
    ):
        await DeliveryJournal(pool, "facebook").record(inbound.unreadable("new field", tenant_id))
    await db.execute(
        "UPDATE webhook_deliveries SET received_at = now() - interval '8 days' WHERE id = "
        "(SELECT min(id) FROM webhook_deliveries)"
    )
    board = await desk.page("/bang-dieu-khien")
    assert "2 thông báo chưa đọc được từ nền tảng — cần cập nhật chotdon" in board


async def test_a_dead_letter_an_older_chotdon_kept_is_read_once_by_the_replay(
    db: asyncpg.Connection, pool: asyncpg.Pool, desk: Desk
) -> None:
    """GHTK's documented body, with its "+" unencoded, was unreadable before this version (the
    time read as "12:18:39 07:00"): kept then, it is applied by the replay, once."""
    order_id, _ = await parcel_of_sample(db, desk.shop, Courier.GHTK)
    body = wire(Courier.GHTK, "form_literal_plus.txt")
    kept = Inbound.of(body, {"content-type": "application/x-www-form-urlencoded"})
    await DeliveryJournal(pool, "courier:ghtk").record(
        kept.unreadable("bad time '2016-11-02T12:18:39 07:00'")
    )
    still = Inbound.of(b"label_id=", {"content-type": "application/x-www-form-urlencoded"})
    await DeliveryJournal(pool, "courier:ghtk").record(still.unreadable("label_id is missing"))
    async with replayers_for(desk.settings, pool) as replayers:
        first = await replay_unreadable(pool, replayers)
        second = await replay_unreadable(pool, replayers)
    assert (first.read, first.unreadable) == ({"courier:ghtk": 1}, {"courier:ghtk": 1})
    assert (second.read, second.unreadable) == ({}, {"courier:ghtk": 1})
    assert (await parcel_state(db, order_id))[:2] == ("delivered", "delivered")
    rows = await db.fetch("SELECT status, tenant_id, replays FROM webhook_deliveries ORDER BY id")
    assert [tuple(r) for r in rows] == [
        ("processed", desk.shop.tenant_id, 1), ("unreadable", None, 2),
    ]  # fmt: skip
    assert await db.fetchval("SELECT count(*) FROM shipment_events") == 1
    moves = await db.fetchval(
        "SELECT count(*) FROM order_events WHERE order_id = $1 AND to_status = 'delivered'",
        order_id,
    )
    assert moves == 1
