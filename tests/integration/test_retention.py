"""The retention schedule with a moved clock: each kind of data goes when its days are up, per
cooperative, and what the tax books and the "bom hàng" record need stays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
import structlog.testing

from aggregator.core.privacy import DataKind
from aggregator.orders.retention import apply_all
from aggregator.runtime import jobs
from tests.support.factories import Shop, seed_shop
from tests.support.processes import cli_env, run_cli
from tests.support.staff import add_order
from workers.context import PG_POOL
from workers.privacy_jobs import apply_retention_job
from workers.settings import CRON_JOBS

PHONE = "0912345678"


async def _seed(db: asyncpg.Connection, shop: Shop) -> tuple[int, int]:
    """A delivered order and an open one, each with name, phone, address and a comment; a raw
    delivery; a sent and a pending message; the buyers' saved addresses."""
    done = await add_order(db, shop, status="delivered", phone=PHONE, comment=f"chốt A01 {PHONE}")
    open_ = await add_order(db, shop, status="confirmed", phone="0987654321", comment="chốt A01")
    for order_id in (done, open_):
        await db.execute(
            "UPDATE orders SET recipient_name = 'Lan', recipient_phone = $2, province_code = '1', "
            "ward_code = '70', address_line = 'Số 5 Hàng Bông', note = 'gọi trước' WHERE id = $1",
            order_id, PHONE,
        )  # fmt: skip
        await db.execute(
            "UPDATE buyers SET full_name = 'Lan', address_line = 'Số 5 Hàng Bông', "
            "delivered_count = 3 WHERE id = (SELECT buyer_id FROM orders WHERE id = $1)", order_id,
        )  # fmt: skip
        await db.execute(
            "INSERT INTO order_events (tenant_id, order_id, actor, kind, data) VALUES "
            "($1, $2, 'buyer', 'buyer_confirmed', jsonb_build_object('recipient_phone', $3::text, "
            "'address_line', 'Số 5', 'total_vnd', 360000))", shop.tenant_id, order_id, PHONE,
        )  # fmt: skip
        for status, key in (("sent", f"s{order_id}"), ("pending", f"p{order_id}")):
            await db.execute(
                "INSERT INTO outbound_messages (tenant_id, channel_id, order_id, kind, "
                "idempotency_key, body, status) VALUES ($1, $2, $3, 'order_summary', $4, "
                "'Chào chị Lan', $5)", shop.tenant_id, shop.channel_id, order_id, key, status,
            )  # fmt: skip
    await db.execute("UPDATE comments SET status = 'processed' WHERE tenant_id = $1",
                     shop.tenant_id)  # fmt: skip
    await db.execute(
        "INSERT INTO webhook_deliveries (tenant_id, source, verified, body, status) "
        "VALUES ($1, 'facebook', true, $2, 'processed')", shop.tenant_id, PHONE.encode(),
    )  # fmt: skip
    return done, open_


async def _state(db: asyncpg.Connection, tenant_id: int) -> dict[str, object]:
    return {
        "bodies": await db.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE tenant_id = $1 AND octet_length(body) "
            "> 0", tenant_id),
        "comments": await db.fetchval(
            "SELECT count(*) FROM comments WHERE tenant_id = $1 AND body <> ''", tenant_id),
        "addresses": await db.fetchval(
            "SELECT count(*) FROM orders WHERE tenant_id = $1 AND address_line IS NOT NULL",
            tenant_id),
        "messages": await db.fetchval(
            "SELECT count(*) FROM outbound_messages WHERE tenant_id = $1 AND body <> ''",
            tenant_id),
    }  # fmt: skip


async def test_each_kind_goes_when_its_days_are_up_per_cooperative(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    other = await seed_shop(db, slug="htx-nghe-an")
    done, open_ = await _seed(db, shop)
    await _seed(db, other)
    # The other cooperative keeps raw deliveries a year; this one keeps comments 120 days.
    for tenant, kind, days in ((other.tenant_id, "deliveries", 365), (shop.tenant_id,
                               "comments", 120)):  # fmt: skip
        await db.execute("INSERT INTO retention_rules (tenant_id, kind, days, updated_by) "
                         "VALUES ($1, $2, $3, 'test')", tenant, kind, days)  # fmt: skip
    await db.execute(
        "INSERT INTO comments (platform, channel_external_id, external_id, author_external_id, "
        "author_name, body, commented_at, intent, status) VALUES ('facebook', 'unknown-page', "
        "'orphan-1', 'u-x', 'Hoa', $1, now(), 'order', 'orphaned')", f"chốt A01 {PHONE}",
    )  # fmt: skip
    now = datetime.now(UTC)
    full = {"bodies": 1, "comments": 2, "addresses": 2, "messages": 4}

    await apply_all(pool, now + timedelta(days=10))
    assert await _state(db, shop.tenant_id) == full

    await apply_all(pool, now + timedelta(days=31))
    assert await _state(db, shop.tenant_id) == {**full, "bodies": 0}
    assert await _state(db, other.tenant_id) == full  # its own schedule: a year

    touched = await apply_all(pool, now + timedelta(days=91))
    assert touched[shop.tenant_id][DataKind.ADDRESSES] == 2  # the order, and its buyer's copy
    assert await _state(db, shop.tenant_id) == {
        "bodies": 0, "comments": 2, "addresses": 1, "messages": 2,
    }  # fmt: skip
    order = await db.fetchrow("SELECT * FROM orders WHERE id = $1", done)
    assert order["recipient_phone"] is None and order["note"] == "" and order["total_vnd"] == 360000
    data = await db.fetchval("SELECT data FROM order_events WHERE order_id = $1", done)
    assert data == {"total_vnd": 360000}
    still = await db.fetchrow("SELECT recipient_phone, address_line FROM orders WHERE id = $1",
                              open_)  # fmt: skip
    assert tuple(still) == (PHONE, "Số 5 Hàng Bông")  # an open order keeps what it ships with
    buyers = await db.fetch("SELECT phone, address_line, delivered_count FROM buyers "
                            "WHERE tenant_id = $1 ORDER BY id", shop.tenant_id)  # fmt: skip
    # The delivered buyer's saved address went; phone and counts (the bom hàng record) stay.
    assert [tuple(b) for b in buyers] == [(PHONE, None, 3), ("0987654321", "Số 5 Hàng Bông", 3)]

    await apply_all(pool, now + timedelta(days=121))
    assert (await _state(db, shop.tenant_id))["comments"] == 0
    # The other cooperative's comments went at 91 days (its default): no comment names the phone.
    assert await db.fetchval("SELECT count(*) FROM comments WHERE body LIKE $1", f"%{PHONE}%") == 0
    orphan = await db.fetchval("SELECT body FROM comments WHERE status = 'orphaned'")
    assert orphan == ""  # a comment no cooperative claimed goes at the default 90 days
    runs = await db.fetchval("SELECT count(*) FROM retention_runs WHERE tenant_id = $1",
                             shop.tenant_id)  # fmt: skip
    assert runs == 4 * len(DataKind)


async def test_a_finished_return_loses_its_photos_and_refund_account_with_the_addresses(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    returns = {}
    for status in ("refunded", "requested"):
        order = await add_order(db, shop, status="delivered")
        returns[status] = await db.fetchval(
            "INSERT INTO returns (tenant_id, order_id, cause, status, buyer_note, refund_bank_bin, "
            "refund_account_no, refund_account_name) VALUES ($1, $2, 'spoiled', $3, 'mốc', "
            "'970405', '1234567890', 'NGUYEN THI LAN') RETURNING id", shop.tenant_id, order,
            status,
        )  # fmt: skip
        await db.execute(
            "INSERT INTO return_photos (tenant_id, return_id, content_type, data) "
            "VALUES ($1, $2, 'image/jpeg', '\\xffd8'::bytea)", shop.tenant_id, returns[status],
        )  # fmt: skip
    now = datetime.now(UTC)
    await apply_all(pool, now + timedelta(days=10))
    assert await db.fetchval("SELECT count(*) FROM return_photos") == 2
    await apply_all(pool, now + timedelta(days=91))
    kept = {
        r["status"]: (r["refund_account_no"], r["buyer_note"], r["photos"], r["cause"])
        for r in await db.fetch(
            "SELECT status, refund_account_no, buyer_note, cause, (SELECT count(*) FROM "
            "return_photos p WHERE p.return_id = r.id) AS photos FROM returns r"
        )
    }
    assert kept["refunded"] == ("", "", 0, "spoiled")  # the figures' cause stays
    assert kept["requested"] == ("1234567890", "mốc", 1, "spoiled")  # still being handled


def test_the_schedule_runs_daily_in_the_worker() -> None:
    assert any(job.name == jobs.APPLY_RETENTION for job in CRON_JOBS)


async def test_the_shell_lists_requests_and_applies_the_schedule_now(
    db: asyncpg.Connection, database_url: str, redis_url: str
) -> None:
    shop = await seed_shop(db)
    slug = await db.fetchval("SELECT slug FROM tenants WHERE id = $1", shop.tenant_id)
    order_id = await add_order(db, shop, status="delivered", phone=PHONE)
    await db.execute(
        "INSERT INTO privacy_requests (tenant_id, kind, phone_hint, buyer_ids, actor, status, "
        "source, order_id, due_at) VALUES ($1, 'erase', '', '{}', 'buyer', 'open', 'buyer_link', "
        "$2, now() + interval '15 days')", shop.tenant_id, order_id,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO webhook_deliveries (tenant_id, source, verified, body, status, received_at) "
        "VALUES ($1, 'facebook', true, 'x', 'processed', now() - interval '40 days')",
        shop.tenant_id,
    )  # fmt: skip
    env = cli_env(DATABASE_URL=database_url, REDIS_URL=redis_url)
    listed = await asyncio.to_thread(run_cli, "privacy", "requests", "--tenant", slug, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "erase open" in listed.stdout and "Còn 14 ngày" in listed.stdout
    applied = await asyncio.to_thread(run_cli, "privacy", "retention", "--tenant", slug, env=env)
    assert applied.returncode == 0, applied.stderr
    assert "deliveries 1" in applied.stdout
    unknown = await asyncio.to_thread(run_cli, "privacy", "requests", "--tenant", "khong-co",
                                      env=env)  # fmt: skip
    assert unknown.returncode != 0 and "khong-co" in unknown.stderr


async def test_the_daily_job_warns_of_overdue_requests_and_unreported_breaches(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    order_id = await add_order(db, shop, status="delivered")
    await db.execute(
        "INSERT INTO privacy_requests (tenant_id, kind, phone_hint, buyer_ids, actor, status, "
        "source, order_id, due_at) VALUES ($1, 'erase', '', '{}', 'buyer', 'open', 'buyer_link', "
        "$2, now() - interval '1 day')", shop.tenant_id, order_id,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO data_breaches (tenant_id, detected_at, recorded_by, description) VALUES "
        "($1, now() - interval '73 hours', 'staff:1', 'Lộ danh sách')", shop.tenant_id,
    )  # fmt: skip
    with structlog.testing.capture_logs() as logs:
        await apply_retention_job({PG_POOL: pool})
    [warning] = [e for e in logs if e["event"] == "privacy.overdue"]
    assert (warning["tenant_id"], warning["requests"], warning["breaches"]) == (
        shop.tenant_id, 1, 1,
    )  # fmt: skip
