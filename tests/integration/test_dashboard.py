"""The director's live dashboard against real Postgres: its figures for a live fed through ingest
and merge, alerts, tenant isolation, roles, and the SSE stream (an update after a new order, one
shared load per cooperative, a clean close on shutdown)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.dashboard.snapshot import load_dashboard
from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.orders.state import transition
from aggregator.settings import Settings
from aggregator.web.app import create_app
from aggregator.web.staff_dashboard import SNAPSHOT_TTL_S, STREAMS
from schema.enums import StaffRole
from schema.states import OrderStatus
from tests.support.factories import Shop, seed_shop
from tests.support.staff import add_staff, log_in

Client = TestClient  # type: ignore[type-arg]
PAGE, EVENTS = "/bang-dieu-khien", "/bang-dieu-khien/su-kien"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def feed(pool: asyncpg.Pool, arq: ArqRedis, shop: Shop, *comments: tuple[str, str]) -> None:
    """Comments (text, author) through the ingest pipeline, then merged into orders."""
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many([shop.comment(text, author) for text, author in comments])
    await merge_session(pool, shop.session_id)


async def order_of(db: asyncpg.Connection, shop: Shop, author: str) -> int:
    return int(
        await db.fetchval(
            "SELECT o.id FROM orders o JOIN buyer_identities b ON b.id = o.buyer_identity_id "
            "WHERE b.external_user_id = $1 AND o.session_id = $2",
            author,
            shop.session_id,
        )
    )


async def move(db: asyncpg.Connection, order_id: int, *steps: OrderStatus) -> None:
    for step in steps:
        moved = await transition(db, [order_id], step, actor="test", reason="test")
        assert moved.moved == [order_id]


def kpis(html: str, live_id: int) -> dict[str, str]:
    """The figures of one live's panel, by data-kpi name."""
    section = html.split(f'id="live-{live_id}"', 1)[1].split("</section>", 1)[0]
    return dict(re.findall(r'data-kpi="(\w+)"[^>]*>([^<]*)<', section))


async def seeded_live(db: asyncpg.Connection, pool: asyncpg.Pool, arq: ArqRedis) -> Shop:
    """Two A01 in stock: Lan takes both, Minh waits for one, Hoa orders nem (no stock set)."""
    shop = await seed_shop(db, stock={"A01": 2})
    # On air for ten minutes: comments per minute average the last five.
    await db.execute("UPDATE live_sessions SET started_at = now() - interval '10 minutes'")
    await feed(pool, arq, shop, ("chốt A01 x2", "lan"), ("chốt A01", "minh"),
               ("chốt N01 x3", "hoa"), ("shop ơi giá ship sao", "hoa"))  # fmt: skip
    lan, hoa = await order_of(db, shop, "lan"), await order_of(db, shop, "hoa")
    await move(db, lan, OrderStatus.CONFIRMED)
    await db.execute("UPDATE orders SET paid_at = now() WHERE id = $1", lan)  # a transfer came
    await move(db, hoa, OrderStatus.CONFIRMED, OrderStatus.PACKING, OrderStatus.PACKED,
               OrderStatus.SHIPPED)  # fmt: skip
    return shop


async def test_the_figures_of_a_live_fed_through_ingest_and_merge(
    db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seeded_live(db, pool, arq_pool)
    board = await load_dashboard(db, shop.tenant_id)
    (panel,) = board.panels
    counts = panel.facts.counts
    assert panel.facts.on_air and panel.platform == "Facebook"
    assert panel.facts.comments == 4 and panel.facts.recent_comments == 4
    assert (counts.orders, counts.confirmed, counts.paid, counts.shipped) == (3, 2, 1, 1)
    # Lan 2 × 180.000 (paid), Hoa 3 × 60.000 (shipped COD, not collected), Minh only waits.
    assert counts.revenue_vnd == 360_000 + 180_000
    assert counts.unpaid_vnd == 180_000
    (live,) = board.lives  # the live once; its one channel is the panel
    assert live.id == shop.live and live.channels == (panel,) and live.counts == counts
    products = {p.code: p for p in live.products}
    assert (products["A01"].ordered, products["A01"].left, products["A01"].waitlist) == (2, 0, 1)
    assert products["A01"].revenue_vnd == 360_000 and products["A01"].sold_out
    assert (products["N01"].ordered, products["N01"].stock, products["N01"].waitlist) == (
        3,
        None,
        0,
    )
    assert [a.text for a in live.alerts] == ["Hết hàng: A01 Gạo ST25 túi 5kg"]
    assert live.chart.total == 3 and sum(b.count for b in live.chart.bars) == 3
    (platform,) = board.platforms
    assert platform.counts == counts and platform.lives == 1


async def test_the_page_shows_the_figures_to_the_director_only(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seeded_live(db, pool, arq_pool)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    page = await client.get(PAGE)
    assert page.status == 200
    html = await page.text()
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html and "style=" not in html  # CSP: files only
    assert kpis(html, shop.live) == {
        "comments_per_min": "0.8", "comments": "4", "orders": "3", "confirmed": "2", "paid": "1",
        "shipped": "1", "revenue": "540.000 ₫", "unpaid": "180.000 ₫",
    }  # fmt: skip
    assert 'class="sold-out" data-code="A01"' in html and "Hết hàng: A01" in html
    assert 'id="nav-dashboard"' in html
    for role in (StaffRole.STAFF, StaffRole.PACKER):
        _, login = await add_staff(db, shop.tenant_id, role)
        await log_in(client, login)
        for url in (PAGE, EVENTS):
            refused = await client.get(url)
            assert refused.status == 403, (role, url)
            assert "text/event-stream" not in refused.headers["Content-Type"]
        assert 'id="nav-dashboard"' not in await (await client.get("/dong-goi")).text()
    client.session.cookie_jar.clear()
    for url in (PAGE, EVENTS):
        anonymous = await client.get(url, allow_redirects=False)
        assert anonymous.status == 303 and anonymous.headers["Location"] == "/dang-nhap"


async def next_event(stream: Any, name: str = "layout") -> str:
    """The data of the stream's next SSE event called `name` (pings and other events skipped).
    The wait is only a guard against a hung stream: a healthy one sends every second."""
    data: list[str] = []
    event = ""
    while True:
        line = (await asyncio.wait_for(stream.content.readline(), 30)).decode().rstrip("\r\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "":
            if event == name and data:
                return "\n".join(data)
            data, event = [], ""


def figures_of(html: str) -> dict[str, str]:
    """The text figures of a body, by their data-f key (attribute figures left out)."""
    return dict(re.findall(r'data-f="([^" ]+)">([^<]*)<', html))


async def next_change(stream: Any) -> tuple[str, str]:
    """The next layout or figures event: (its name, its data)."""
    data: list[str] = []
    event = ""
    while True:
        line = (await asyncio.wait_for(stream.content.readline(), 30)).decode().rstrip("\r\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "":
            if event in ("layout", "figures") and data:
                return event, "\n".join(data)
            data, event = [], ""


async def test_the_stream_sends_an_update_after_a_new_order(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    await feed(pool, arq_pool, shop, ("chốt A01", "lan"))
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    async with client.get(EVENTS) as stream:
        assert stream.status == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = await next_event(stream)  # no layout named: the whole body first
        assert kpis(first, shop.live)["orders"] == "1"
        screen = figures_of(first)
        key = f"l{shop.live}."
        assert screen[key + "orders"] == "1"
        await feed(pool, arq_pool, shop, ("chốt A01 x2", "minh"))
        events = []
        for _ in range(10):  # a tick may catch the comment stored but not yet merged
            name, data = await next_change(stream)
            events.append(name)
            screen.update(figures_of(data) if name == "layout" else orjson.loads(data))
            if screen[key + "orders"] == "2":
                break
        assert screen[key + "orders"] == "2" and screen[key + "comments"] == "2", screen
        assert screen[key + "revenue"] == "540.000 ₫"
        # Same lives and products: only the changed numbers travel, never the body again.
        assert set(events) == {"figures"}, events


async def test_a_stream_opened_by_the_page_sends_figures_not_the_body_again(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await seed_shop(db, stock={"A01": 10})
    await feed(pool, arq_pool, shop, ("chốt A01", "lan"))
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director)
    page = await (await client.get(PAGE)).text()
    (url,) = re.findall(r'data-stream="([^"]+)"', page)
    async with client.get(url) as stream:
        name, data = await next_change(stream)  # the page's layout is the stream's
        assert name == "figures" and orjson.loads(data)[f"l{shop.live}.orders"] == "1"


async def test_logging_out_ends_the_stream(client: Client, db: asyncpg.Connection) -> None:
    shop = await seed_shop(db)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    csrf = await log_in(client, director)
    client.app[STREAMS].session_check_s = 0.1
    async with client.get(EVENTS) as stream:
        await next_event(stream)
        out = await client.post("/dang-xuat", data={"csrf": csrf}, allow_redirects=False)
        assert out.status == 303
        rest = await asyncio.wait_for(stream.content.read(), 30)  # ends: does not hang
        assert b"event: figures" not in rest  # nothing new after the session ended
        assert b"event: layout" not in rest
    assert client.app[STREAMS].open == set()


async def test_a_director_of_another_cooperative_sees_nothing_of_it(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop_a = await seeded_live(db, pool, arq_pool)
    await db.execute("UPDATE live_sessions SET title = 'Live bí mật HTX A'")
    shop_b = await seed_shop(db, slug="htx-nghe-an")
    await db.execute("UPDATE live_sessions SET status = 'ended', ended_at = now() - interval "
                     "'2 days' WHERE id = $1", shop_b.session_id)  # fmt: skip
    assert shop_a.tenant_id != shop_b.tenant_id
    board = await load_dashboard(db, shop_b.tenant_id)
    assert board.panels == () and board.platforms == () and board.alerts == ()
    _, director_b = await add_staff(db, shop_b.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, director_b)
    html = await (await client.get(PAGE)).text()
    assert "Hôm nay chưa có buổi live nào" in html
    assert "bí mật" not in html and f"live-{shop_a.live}" not in html
    async with client.get(EVENTS) as stream:
        body = await next_event(stream)
    assert "Hôm nay chưa có buổi live nào" in body and "bí mật" not in body
    assert "540.000" not in body and f"live-{shop_a.live}" not in body


async def test_alerts_for_a_silent_live_a_lost_connector_and_an_expired_token(
    db: asyncpg.Connection,
) -> None:
    shop = await seed_shop(db)
    await db.execute("UPDATE live_sessions SET started_at = now() - interval '10 minutes'")
    quiet = await load_dashboard(db, shop.tenant_id)
    assert [a.text for a in quiet.panels[0].alerts] == [
        "Không nhận được bình luận nào trong 10 phút: kiểm tra kết nối Facebook"
    ]
    await db.execute(
        "UPDATE channels SET status = 'disconnected', status_reason = 'Page token expired' "
        "WHERE id = $1", shop.channel_id,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO channels (tenant_id, platform, external_id, name, settings) VALUES "
        "($1, 'zalo', 'oa-1', 'OA HTX', jsonb_build_object('token_expires_at', "
        "extract(epoch FROM now())::bigint - 60))",
        shop.tenant_id,
    )
    board = await load_dashboard(db, shop.tenant_id)
    texts = [a.text for a in board.panels[0].alerts]
    assert "Facebook «Trang HTX» đã mất kết nối: Page token expired" in texts
    # The Zalo OA runs no live: its alert sits above the panels, once.
    assert [a.text for a in board.alerts] == [
        "Zalo «OA HTX»: mã truy cập (token) đã hết hạn, cần kết nối lại"
    ]


async def test_streams_share_one_load_per_tick_and_close_on_shutdown(
    settings: Settings, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    server = TestServer(create_app(settings))
    clients = [TestClient(server) for _ in range(4)]
    await clients[0].start_server()
    try:
        hub = server.app[STREAMS]
        streams = []
        for c in clients:
            await log_in(c, director)
            streams.append(await c.get(EVENTS))
        await asyncio.gather(*(next_event(s) for s in streams))
        loads_before, started = hub.snapshots.loads, time.monotonic()
        while hub.snapshots.loads - loads_before < 3:  # the four screens keep asking each tick
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        # A load serves every screen for at least a second, so three loads take two seconds or
        # more however many screens watch; loading per screen would take well under one.
        assert elapsed >= 2 * SNAPSHOT_TTL_S, elapsed
        assert len(hub.open) == 4
        await asyncio.wait_for(server.close(), 15)
        assert len(hub.open) == 0
        for s in streams:
            assert await asyncio.wait_for(s.content.read(), 5) is not None  # ended, not hanging
    finally:
        for c in clients:
            await c.close()
