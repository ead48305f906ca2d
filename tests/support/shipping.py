"""Courier test helpers: orders waiting in 'packing', a simulator, settings pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from pydantic import SecretStr

from aggregator.settings import Settings
from aggregator.shipping.couriers import Couriers
from aggregator.shipping.handoff import Outcome, create_shipment
from connectors.simulators.courier_webhooks import WebhookTarget
from connectors.simulators.couriers import CourierSimulator, Faults
from schema.enums import Courier
from tests.support.factories import Shop

TOKENS = {c: f"token-{c.value}" for c in Courier}
SECRETS = {c: f"hook-secret-{c.value}" for c in Courier}
SENDER = {
    "name": "HTX Thái Bình",
    "phone": "0912000111",
    "address": "Thôn Đông",
    "ward": "Xã Vũ Thư",
    "province": "Hưng Yên",
}


@asynccontextmanager
async def running_simulator(faults: Faults | None = None) -> AsyncIterator[CourierSimulator]:
    """The three couriers' simulator, started, with these faults (none by default)."""
    sim = CourierSimulator(TOKENS, faults or Faults())
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def book(pool: asyncpg.Pool, settings: Settings, order_id: int) -> Outcome:
    """Run the booking job's work for one order, with couriers opened from `settings`."""
    couriers = Couriers.open(settings)
    try:
        return await create_shipment(pool, couriers, order_id, poll_after_s=60)
    finally:
        await couriers.close()


def courier_settings(settings: Settings, sim: CourierSimulator, **extra: object) -> Settings:
    urls = sim.base_urls()
    return settings.model_copy(update={
        "ghn_base_url": urls[Courier.GHN], "ghtk_base_url": urls[Courier.GHTK],
        "viettelpost_base_url": urls[Courier.VIETTELPOST],
        "ghn_token": SecretStr(TOKENS[Courier.GHN]), "ghtk_token": SecretStr(TOKENS[Courier.GHTK]),
        "viettelpost_token": SecretStr(TOKENS[Courier.VIETTELPOST]),
        "ghn_shop_id": "885", "ghtk_client_source": "S308157",
        "ghn_webhook_secret": SecretStr(SECRETS[Courier.GHN]),
        "ghtk_webhook_secret": SecretStr(SECRETS[Courier.GHTK]),
        "viettelpost_webhook_secret": SecretStr(SECRETS[Courier.VIETTELPOST]),
        "viettelpost_print_url": sim.print_url(), "courier_timeout_s": 0.5, **extra,
    })  # fmt: skip


def courier_env(settings: Settings) -> dict[str, str]:
    """The same configuration as CHOTDON_* variables, for a `chotdon worker` subprocess."""
    env = {
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "CHOTDON_ARQ_QUEUE": settings.arq_queue,
        "CHOTDON_COURIER_TIMEOUT_S": str(settings.courier_timeout_s),
        "CHOTDON_GHN_SHOP_ID": settings.ghn_shop_id,
        "CHOTDON_GHTK_CLIENT_SOURCE": settings.ghtk_client_source,
        "CHOTDON_LOG_LEVEL": "warning",
    }
    for c in Courier:
        env[f"CHOTDON_{c.value.upper()}_BASE_URL"] = getattr(settings, f"{c.value}_base_url")
        env[f"CHOTDON_{c.value.upper()}_TOKEN"] = TOKENS[c]
    return env


def point_webhooks(sim: CourierSimulator, base_url: str) -> None:
    """Register chotdon's webhook URLs with the simulator, each with its courier's auth."""
    sim.targets[Courier.GHN] = WebhookTarget(
        f"{base_url}/webhooks/ghn", {"X-Chotdon-Token": SECRETS[Courier.GHN]}
    )
    sim.targets[Courier.GHTK] = WebhookTarget(
        f"{base_url}/webhooks/ghtk?hash={SECRETS[Courier.GHTK]}"
    )
    sim.targets[Courier.VIETTELPOST] = WebhookTarget(
        f"{base_url}/webhooks/viettelpost",
        {"Authorization": SECRETS[Courier.VIETTELPOST]},
        token=SECRETS[Courier.VIETTELPOST],
    )


async def seed_packing_orders(
    db: asyncpg.Connection, shop: Shop, count: int, courier: Courier, *, first_phone: int = 0
) -> list[int]:
    """`count` orders of `shop` in 'packing', each of its own buyer with a phone, 2 × A01 COD."""
    await db.execute(
        "UPDATE tenants SET settings = "
        "jsonb_build_object('courier', $2::text, 'sender', $3::jsonb) WHERE id = $1",
        shop.tenant_id, courier.value, SENDER,
    )  # fmt: skip
    buyers = await db.fetch(
        "INSERT INTO buyers (tenant_id, display_name, phone, full_name) "
        "SELECT $1, 'Khách ' || g, '09' || lpad((g + $3)::text, 8, '0'), 'Nguyễn Văn ' || g "
        "FROM generate_series(1, $2) g RETURNING id, phone, full_name",
        shop.tenant_id, count, first_phone,
    )  # fmt: skip
    ids = [b["id"] for b in buyers]
    rows = await db.fetch(
        """
        WITH ident AS (
            INSERT INTO buyer_identities (tenant_id, buyer_id, channel_id, external_user_id)
            SELECT $1, b, $2, 'u' || b FROM unnest($3::bigint[]) b
            RETURNING id, buyer_id
        )
        INSERT INTO orders (tenant_id, session_id, buyer_id, buyer_identity_id, source, status,
                            subtotal_vnd, total_vnd, recipient_name, recipient_phone,
                            province_code, ward_code, address_line)
        SELECT $1, $4, b.id, ident.id, 'comment', 'packing', 360000, 360000, b.full_name, b.phone,
               'Thanh Hóa', 'Phường Hạc Thành', 'Số ' || b.id || ' Lê Lợi'
        FROM ident JOIN buyers b ON b.id = ident.buyer_id
        ORDER BY b.id
        RETURNING id
        """,
        shop.tenant_id, shop.channel_id, ids, shop.session_id,
    )  # fmt: skip
    order_ids = [r["id"] for r in rows]
    await db.execute(
        "INSERT INTO order_items (tenant_id, order_id, product_id, code, qty, unit_price_vnd, "
        "status) SELECT $1, o, $3, 'A01', 2, 180000, 'held' FROM unnest($2::bigint[]) o",
        shop.tenant_id, order_ids, shop.products["A01"],
    )  # fmt: skip
    return order_ids
