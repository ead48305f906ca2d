"""A buyer's personal data: export of everything held, erasure that keeps order totals for tax
records (audited, refused while an order is open), and the retention of raw webhook bodies."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import orjson
import pytest

from aggregator.errors import ConflictError, NotFoundError
from aggregator.orders.privacy import erase_buyer, export_buyer, purge_webhook_bodies
from aggregator.settings import Settings
from tests.support.factories import Shop, seed_shop
from tests.support.processes import cli_env, run_cli
from tests.support.staff import add_order

PHONE = "0912345678"
NAME = "Trần Thị Mai <script>alert(1)</script>"
ADDRESS = "Số 7 ngõ 12 đường Lý Bôn"


@dataclass(frozen=True)
class Seeded:
    shop: Shop
    slug: str
    buyer_id: int
    order_id: int
    other_order_id: int


async def _seed(db: asyncpg.Connection, status: str = "delivered") -> Seeded:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    order_id = await add_order(db, shop, status=status, name=NAME, phone=PHONE,
                               comment=f"chốt A01 sdt {PHONE}")  # fmt: skip
    other = await add_order(db, shop, status="delivered", name="Lê Văn Hùng", phone="0987654321",
                            comment="chốt A01")  # fmt: skip
    buyer_id = await db.fetchval("SELECT buyer_id FROM orders WHERE id = $1", order_id)
    identity = await db.fetchval(
        "INSERT INTO buyer_identities (tenant_id, buyer_id, channel_id, external_user_id, "
        "display_name, phone) VALUES ($1, $2, $3, 'psid-mai-000123', $4, $5) RETURNING id",
        shop.tenant_id, buyer_id, shop.channel_id, NAME, PHONE,
    )  # fmt: skip
    await db.execute(
        "UPDATE comments SET author_external_id = 'psid-mai-000123' WHERE id = "
        "(SELECT source_comment_id FROM order_items WHERE order_id = $1)", order_id,
    )  # fmt: skip
    await db.execute(
        "UPDATE orders SET buyer_identity_id = $2, recipient_name = $3, recipient_phone = $4, "
        "province_code = '34', ward_code = '13000', address_line = $5 WHERE id = $1",
        order_id, identity, NAME, PHONE, ADDRESS,
    )  # fmt: skip
    await db.execute(
        "UPDATE buyers SET full_name = $2, address_line = $3 WHERE id = $1", buyer_id, NAME, ADDRESS
    )
    await db.execute(
        "INSERT INTO outbound_messages (tenant_id, channel_id, buyer_identity_id, order_id, kind, "
        "idempotency_key, body) VALUES ($1, $2, $3, $4, 'order_summary', 'k1', $5)",
        shop.tenant_id, shop.channel_id, identity, order_id, f"Chào {NAME}, đơn của chị…",
    )  # fmt: skip
    for body in (f'{{"from": "psid-mai-000123", "message": "{PHONE}"}}', '{"other": "buyer"}'):
        await db.execute(
            "INSERT INTO webhook_deliveries (tenant_id, source, verified, body, status) "
            "VALUES ($1, 'facebook', true, $2, 'processed')", shop.tenant_id, body.encode(),
        )  # fmt: skip
    return Seeded(shop, slug, buyer_id, order_id, other)


async def _snapshot(db: asyncpg.Connection, order_id: int) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT o.order_no, o.status, o.subtotal_vnd, o.total_vnd, o.payment_method, o.created_at, "
        "i.code, i.qty, i.unit_price_vnd FROM orders o JOIN order_items i ON i.order_id = o.id "
        "WHERE o.id = $1", order_id,
    )  # fmt: skip


async def test_export_holds_everything_on_the_buyer_and_only_them(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    seeded = await _seed(db)
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url)
    result = await asyncio.to_thread(
        run_cli, "buyer", "export", "--tenant", seeded.slug, "--phone", "0912.345.678", env=env
    )
    assert result.returncode == 0, result.stderr
    data = orjson.loads(result.stdout)
    assert [b["id"] for b in data["buyers"]] == [seeded.buyer_id]
    assert data["buyers"][0]["address_line"] == ADDRESS
    assert [o["id"] for o in data["orders"]] == [seeded.order_id]
    assert data["orders"][0]["recipient_phone"] == PHONE
    assert [i["external_user_id"] for i in data["identities"]] == ["psid-mai-000123"]
    assert [c["body"] for c in data["comments"]] == [f"chốt A01 sdt {PHONE}"]
    assert len(data["order_items"]) == 1 and len(data["messages"]) == 1
    assert "Lê Văn Hùng" not in result.stdout and "0987654321" not in result.stdout
    audit = await db.fetchrow("SELECT kind, phone_hint, buyer_ids FROM privacy_requests")
    assert dict(audit) == {"kind": "export", "phone_hint": "********78",
                           "buyer_ids": [seeded.buyer_id]}  # fmt: skip


async def test_erasure_removes_personal_data_keeps_tax_records_and_is_audited(
    settings: Settings, db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    seeded = await _seed(db)
    kept, other_before = (
        await _snapshot(db, seeded.order_id),
        await _snapshot(db, seeded.other_order_id),
    )
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url)
    base = ("buyer", "erase", "--tenant", seeded.slug, "--phone", PHONE)
    unconfirmed = await asyncio.to_thread(run_cli, *base, env=env)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    erased = await asyncio.to_thread(run_cli, *base, "--yes", env=env)
    assert erased.returncode == 0, erased.stderr
    assert PHONE not in erased.stdout + erased.stderr

    tables = ("buyers", "buyer_identities", "orders", "comments", "outbound_messages",
              "order_events", "webhook_deliveries")  # fmt: skip
    dump = ""
    for table in tables:  # fixed names, not user input
        dump += "\n".join(str(dict(r)) for r in await db.fetch(f"SELECT * FROM {table}"))
    for personal in (PHONE, "Trần Thị Mai", ADDRESS, "psid-mai-000123", "sdt"):
        assert personal not in dump, personal
    assert await _snapshot(db, seeded.order_id) == kept  # totals, lines, dates for tax records
    assert await _snapshot(db, seeded.other_order_id) == other_before
    assert await db.fetchval("SELECT count(*) FROM buyers WHERE phone = '0987654321'") == 1
    assert (
        await db.fetchval("SELECT count(*) FROM webhook_deliveries WHERE octet_length(body) > 0")
        == 1
    )  # the other buyer's delivery stays
    event = await db.fetchrow(
        "SELECT actor, kind FROM order_events WHERE order_id = $1", seeded.order_id
    )
    assert event["kind"] == "buyer_erased" and event["actor"].startswith("cli:")
    audit = await db.fetchrow("SELECT kind, counts FROM privacy_requests")
    assert audit["kind"] == "erase" and audit["counts"]["buyers"] == 1


async def test_erasure_waits_for_open_orders_and_needs_a_known_buyer(
    settings: Settings, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    seeded = await _seed(db, status="confirmed")
    with pytest.raises(ConflictError):
        await erase_buyer(pool, seeded.slug, PHONE, "test")
    assert await db.fetchval("SELECT phone FROM buyers WHERE id = $1", seeded.buyer_id) == PHONE
    with pytest.raises(NotFoundError):
        await export_buyer(pool, seeded.slug, "0399999999", "test")
    assert await db.fetchval("SELECT count(*) FROM privacy_requests") == 0


async def test_raw_webhook_bodies_are_emptied_after_the_retention_period(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    for days_ago, key in ((40, "old-1"), (31, "old-2"), (2, "new-1")):
        await db.execute(
            "INSERT INTO webhook_deliveries (source, delivery_key, verified, headers, body, "
            "status, received_at) VALUES ('tiktok', $1, true, '{\"user-agent\": \"x\"}', "
            "'{\"order\": 1}', 'processed', now() - make_interval(days => $2))", key, days_ago,
        )  # fmt: skip
    assert await purge_webhook_bodies(pool, days=0) == 0
    assert await purge_webhook_bodies(pool, days=30, batch=1) == 2
    rows = {
        r["delivery_key"]: (bytes(r["body"]), r["headers"])
        for r in await db.fetch("SELECT delivery_key, body, headers FROM webhook_deliveries")
    }
    assert rows["old-1"] == (b"", {}) and rows["old-2"] == (b"", {})  # keys kept for dedupe
    assert rows["new-1"][0] == b'{"order": 1}'
