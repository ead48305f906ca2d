"""Staff side of issue 19 item 4 and the director's money rules: confirming by phone with the
buyer page's rules, any order's buyer link to copy, the "Cần gửi tay" list, the settings page and
`chotdon money-rules`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis

from aggregator.confirmation.links import open_token
from aggregator.confirmation.messages import MessageKind, send_order_message
from aggregator.settings import Settings
from aggregator.web.app import create_app
from schema.enums import StaffRole
from tests.support.confirmation import confirmation_settings, order_from_comments, shop_with_origins
from tests.support.factories import seed_shop
from tests.support.processes import cli_env, run_cli
from tests.support.staff import add_staff, log_in
from workers.context import outbound_routers

Client = TestClient  # type: ignore[type-arg]
FORM = {"name": "Trần Thị Lan", "phone": "+84 912 345 678", "province": "1", "ward": "70",
        "address": "Số 5 Hàng Bài", "payment": "cod", "consent": "yes",
        "action": "confirm"}  # fmt: skip


@pytest.fixture
def own(settings: Settings) -> Settings:
    return confirmation_settings(settings)


@pytest.fixture
async def client(own: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(own))) as test_client:
        yield test_client


async def test_staff_confirm_by_phone_through_the_buyer_page_rules(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 5})
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{order_id}")).text()
    assert 'id="phone-confirm"' in page and 'name="province"' in page and 'id="pay-cod"' in page

    bad = {**FORM, "csrf": csrf, "phone": "12345", "ward": "9999", "name": ""}
    refused = await client.post(f"/don/{order_id}/xac-nhan", data=bad)
    text = await refused.text()
    assert refused.status == 422
    assert "Số điện thoại phải là số di động Việt Nam" in text
    assert "Vui lòng chọn phường/xã thuộc tỉnh/thành phố đã chọn." in text
    assert "Vui lòng nhập họ tên người nhận" in text
    assert await db.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == (
        "awaiting_confirmation"
    )

    done = await client.post(f"/don/{order_id}/xac-nhan", data={**FORM, "csrf": csrf})
    assert done.status == 200 and "Đã xác nhận đơn" in await done.text()
    row = await db.fetchrow(
        "SELECT status, recipient_name, recipient_phone, province_code, ward_code, address_line, "
        "payment_method FROM orders WHERE id = $1", order_id,
    )  # fmt: skip
    assert tuple(row) == ("confirmed", "Trần Thị Lan", "0912345678", "1", "70",
                          "Số 5 Hàng Bài", "cod")  # fmt: skip
    event = await db.fetchrow(
        "SELECT actor, data FROM order_events WHERE order_id = $1 "
        "AND kind = 'staff_confirmed_by_phone'", order_id,
    )  # fmt: skip
    assert event["actor"] == f"staff:{staff_id}"
    assert event["data"]["recipient_phone"] == "0912345678"
    assert event["data"]["user_agent"] == f"staff phone call ({login})"


async def test_a_blocked_buyer_confirmed_by_phone_must_transfer(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 5})
    order_id = await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01 x2")
    await db.execute(
        "INSERT INTO blocked_phones (tenant_id, phone, reason, blocked_by) "
        "VALUES ($1, '0912345678', 'bom hàng', 'test')", shop.tenant_id,
    )  # fmt: skip
    await db.execute("UPDATE orders SET recipient_phone = '0912345678' WHERE id = $1", order_id)
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{order_id}")).text()
    assert 'id="prepay"' in page and 'id="pay-cod"' not in page
    cod = await client.post(f"/don/{order_id}/xac-nhan", data={**FORM, "csrf": csrf})
    assert cod.status == 422 and "cần chuyển khoản trước" in await cod.text()
    transfer = {**FORM, "csrf": csrf, "payment": "vietqr"}
    assert (await client.post(f"/don/{order_id}/xac-nhan", data=transfer)).status == 200
    row = await db.fetchrow(
        "SELECT status, payment_method, payment_deadline IS NOT NULL AS deadline "
        "FROM orders WHERE id = $1", order_id,
    )  # fmt: skip
    assert tuple(row) == ("confirmed", "vietqr", True)
    queue = await (await client.get("/don")).text()
    assert "Chờ chuyển khoản" in queue
    await db.execute(
        "UPDATE orders SET payment_deadline = '2026-07-02 01:30+00' WHERE id = $1", order_id
    )
    page = await (await client.get(f"/don/{order_id}")).text()
    assert "Chờ chuyển khoản: chưa được đóng gói hay gửi hàng (hạn 08:30 02/07)." in page
    assert "Thanh toán: chuyển khoản VietQR" in page


async def test_waitlisted_only_order_is_refused_by_phone_too(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, arq_pool: ArqRedis
) -> None:
    shop = await shop_with_origins(db, stock={"A01": 1})
    await order_from_comments(db, pool, arq_pool, shop, "lan", "chốt A01")
    minh = await order_from_comments(db, pool, arq_pool, shop, "minh", "chốt A01 x2")
    _, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    refused = await client.post(f"/don/{minh}/xac-nhan", data={**FORM, "csrf": csrf})
    assert refused.status == 400 and "không có gì để gửi" in await refused.text()


async def test_relay_buyers_link_and_message_reach_staff_to_send_by_hand(
    client: Client, own: Settings, db: asyncpg.Connection, pool: asyncpg.Pool,
    arq_pool: ArqRedis,
) -> None:  # fmt: skip
    shop = await shop_with_origins(db)
    order_id = await order_from_comments(db, pool, arq_pool, shop, "tt-viewer", "chốt A01")
    await db.execute("UPDATE channels SET platform = 'relay' WHERE id = $1", shop.channel_id)
    routers = outbound_routers()
    await send_order_message(pool, arq_pool, own, routers, order_id, MessageKind.SUMMARY)
    [message] = await db.fetch("SELECT id, status, body FROM outbound_messages")
    assert message["status"] == "unsent"  # a TikTok LIVE viewer: no platform route

    staff_id, login = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    csrf = await log_in(client, login)
    page = await (await client.get(f"/don/{order_id}")).text()
    link = re.search(r'id="buyer-link" value="([^"]+)"', page)
    assert link is not None and 'data-copy="buyer-link"' in page
    assert open_token(own, link.group(1).rsplit("/", 1)[1]) == order_id

    listed = await (await client.get("/gui-tay")).text()
    assert f'id="text-{message["id"]}"' in listed and f'data-copy="text-{message["id"]}"' in listed
    assert "TikTok" in listed and "Nguồn chuyển tiếp" not in listed and "/o/" in listed
    sent = await client.post(f"/gui-tay/{message['id']}/da-gui", data={"csrf": csrf})
    assert sent.status == 200 and "Đã đánh dấu là đã gửi" in await sent.text()
    row = await db.fetchrow("SELECT status, sent_by_hand_by FROM outbound_messages")
    assert tuple(row) == ("sent", staff_id)
    assert await db.fetchval(
        "SELECT actor FROM order_events WHERE kind = 'message_sent_by_hand'"
    ) == f"staff:{staff_id}"  # fmt: skip
    again = await client.post(f"/gui-tay/{message['id']}/da-gui", data={"csrf": csrf})
    assert again.status == 404
    assert "Không có tin nào cần gửi tay" in await (await client.get("/gui-tay")).text()

    other = await seed_shop(db, slug="htx-khac")
    _, intruder = await add_staff(db, other.tenant_id, StaffRole.DIRECTOR)
    await db.execute("UPDATE outbound_messages SET status = 'unsent'")
    csrf = await log_in(client, intruder)
    assert f"text-{message['id']}" not in await (await client.get("/gui-tay")).text()
    foreign = await client.post(f"/gui-tay/{message['id']}/da-gui", data={"csrf": csrf})
    assert foreign.status == 404


async def test_the_director_sets_the_money_rules_on_a_page(
    client: Client, db: asyncpg.Connection
) -> None:
    shop = await seed_shop(db)
    _, clerk = await add_staff(db, shop.tenant_id, StaffRole.STAFF)
    _, director = await add_staff(db, shop.tenant_id, StaffRole.DIRECTOR)
    await log_in(client, clerk)
    assert (await client.get("/cai-dat/thanh-toan")).status == 403
    csrf = await log_in(client, director)
    page = await (await client.get("/cai-dat/thanh-toan")).text()
    assert "Bắt buộc chuyển khoản trước với" in page and 'value="24"' in page
    bad = await client.post(
        "/cai-dat/thanh-toan", data={"csrf": csrf, "risk": "very", "hours": "0", "fee": "0"}
    )
    assert bad.status == 422 and "mức rủi ro" in await bad.text()
    hours = await client.post(
        "/cai-dat/thanh-toan", data={"csrf": csrf, "risk": "high", "hours": "0", "fee": "0"}
    )
    assert hours.status == 422 and "Hạn chuyển khoản (giờ) phải từ 1" in await hours.text()
    form = {"csrf": csrf, "risk": "medium", "hours": "12", "fee": "30.000"}
    saved = await client.post("/cai-dat/thanh-toan", data=form)
    assert saved.status == 200 and "Đã lưu cài đặt thanh toán" in await saved.text()
    settings: Any = await db.fetchval("SELECT settings FROM tenants WHERE id = $1", shop.tenant_id)
    assert (settings["prepay_at_risk"], settings["payment_deadline_hours"],
            settings["shipping_fee_vnd"]) == ("medium", 12, 30_000)  # fmt: skip
    never = {**form, "risk": ""}
    await client.post("/cai-dat/thanh-toan", data=never)
    settings = await db.fetchval("SELECT settings FROM tenants WHERE id = $1", shop.tenant_id)
    assert "prepay_at_risk" not in settings


@pytest.mark.timeout(300)  # three `chotdon` processes; each starts slowly on a busy machine
async def test_money_rules_from_the_shell(
    db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url)

    async def cli(*args: str) -> tuple[int, str, str]:
        done = await asyncio.to_thread(run_cli, "money-rules", *args, "--tenant", slug, env=env)
        return done.returncode, done.stdout, done.stderr

    code, out, err = await cli("set", "--prepay-at-risk", "high", "--payment-hours", "8")
    assert code == 0, err
    assert out.splitlines() == ["prepay_at_risk\thigh", "payment_deadline_hours\t8",
                                "shipping_fee_vnd\t0"]  # fmt: skip
    code, _, err = await cli("set", "--payment-hours", "-3")
    assert code == 1 and "Hạn chuyển khoản" in err
    code, out, _ = await cli("show")
    assert code == 0 and "prepay_at_risk\thigh" in out and "payment_deadline_hours\t8" in out
