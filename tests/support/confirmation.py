"""Orders ready for the buyer's confirmation, straight through ingest and merge, and the settings
that sign their links."""

from __future__ import annotations

import asyncpg
from arq.connections import ArqRedis
from pydantic import SecretStr

from aggregator.ingest.pipeline import Ingestor
from aggregator.orders.merge import merge_session
from aggregator.settings import Settings
from schema.enums import HoldMode
from tests.support.factories import Shop, seed_shop

APP_SECRET = "test-app-secret-for-buyer-links"
PAYMENT_SECRET = "test-payment-webhook-secret"
BANK = {"bank_bin": "970436", "account_no": "0011001234567", "account_name": "HTX NONG SAN TB"}


def confirmation_settings(settings: Settings, **overrides: object) -> Settings:
    update: dict[str, object] = {
        "app_secret": SecretStr(APP_SECRET),
        "payment_webhook_secret": SecretStr(PAYMENT_SECRET),
        "public_url": "http://buyer.test",
    }
    update.update(overrides)
    return settings.model_copy(update=update)


async def shop_with_origins(
    db: asyncpg.Connection,
    *,
    stock: dict[str, int] | None = None,
    hold_mode: HoldMode = HoldMode.FIRST_COMMENT,
    bank: bool = True,
) -> Shop:
    """A shop whose products show where they come from, with a bank account for VietQR."""
    shop = await seed_shop(db, stock=stock, hold_mode=hold_mode)
    await db.execute(
        "UPDATE products SET origin_name = 'HTX Nông sản Vũ Thư', origin_province = 'Thái Bình', "
        "ocop_stars = 4, certificate_no = 'OCOP-TB-2024-118' WHERE tenant_id = $1",
        shop.tenant_id,
    )
    if bank:
        await db.execute(
            "UPDATE tenants SET settings = jsonb_build_object('vietqr', $2::jsonb) WHERE id = $1",
            shop.tenant_id,
            BANK,
        )
    return shop


async def order_from_comments(
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    arq: ArqRedis,
    shop: Shop,
    author: str,
    *texts: str,
) -> int:
    """The buyer's order after their comments were ingested and merged."""
    async with Ingestor(pool, arq) as ingestor:
        await ingestor.submit_many([shop.comment(t, author) for t in texts])
    await merge_session(pool, shop.session_id)
    order_id = await db.fetchval(
        "SELECT o.id FROM orders o JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE b.external_user_id = $1 AND o.session_id = $2 ORDER BY o.id DESC LIMIT 1",
        author,
        shop.session_id,
    )
    assert order_id is not None, f"no order for {author}"
    return int(order_id)
