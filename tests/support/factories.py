"""Build a cooperative with a Facebook page, a live, products and stock, straight in Postgres."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from schema.enums import HoldMode, Platform
from schema.events import CommentEvent

PRODUCTS = [
    # code, name, aliases, variants, price
    ("A01", "Gạo ST25 túi 5kg", ["st25", "gạo st25"], [], 180_000),
    ("M02", "Mật ong hoa nhãn", ["mật ong"], ["500ml", "1l"], 150_000),
    ("N01", "Nem chua Thanh Hóa", ["nem chua", "nem"], [], 60_000),
    ("B01", "Bánh cáy Thái Bình", ["bánh cáy"], [], 45_000),
]
_counter = itertools.count(1)


@dataclass(frozen=True)
class Shop:
    tenant_id: int
    channel_id: int
    page_id: str
    session_id: int
    live_id: str  # the platform's live id (external)
    products: dict[str, int]
    live: int = 0  # lives.id: the broadcast, its stock pool and its page /phien-live/{live}

    def comment(
        self, text: str, author: str, *, cid: str | None = None, at: datetime | None = None
    ) -> CommentEvent:
        return CommentEvent(
            platform=Platform.FACEBOOK,
            channel_external_id=self.page_id,
            external_id=cid or f"c{next(_counter)}",
            external_live_id=self.live_id,
            author_external_id=author,
            author_name=f"Khách {author}",
            text=text,
            commented_at=at or datetime.now(UTC),
        )


async def seed_shop(
    db: asyncpg.Connection,
    *,
    stock: dict[str, int] | None = None,
    hold_mode: HoldMode = HoldMode.FIRST_COMMENT,
    slug: str = "htx-thai-binh",
) -> Shop:
    n = next(_counter)
    tenant_id = await db.fetchval(
        "INSERT INTO tenants (slug, name, province) VALUES ($1, $2, 'Thái Bình') RETURNING id",
        f"{slug}-{n}",
        "HTX Nông sản Thái Bình",
    )
    page_id = f"page{n}"
    channel_id = await db.fetchval(
        "INSERT INTO channels (tenant_id, platform, external_id, name) "
        "VALUES ($1, 'facebook', $2, 'Trang HTX') RETURNING id",
        tenant_id,
        page_id,
    )
    live_id = f"live{n}"
    # Live ids far from session ids: code that passes one for the other fails the tests.
    await db.execute("SELECT setval('lives_id_seq', greatest(last_value, 5000)) FROM lives_id_seq")
    live = await db.fetchval(
        "INSERT INTO lives (tenant_id, title, hold_mode, started_at) "
        "VALUES ($1, 'Live tối', $2, now() - interval '1 minute') RETURNING id",
        tenant_id,
        hold_mode.value,
    )
    session_id = await db.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, live_id, "
        "started_at) VALUES ($1, $2, $3, 'Live tối', $4, now() - interval '1 minute') RETURNING id",
        tenant_id,
        channel_id,
        live_id,
        live,
    )
    products = {}
    for code, name, aliases, variants, price in PRODUCTS:
        products[code] = await db.fetchval(
            "INSERT INTO products (tenant_id, code, name, aliases, variants, price_vnd) "
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            tenant_id, code, name, aliases, variants, price,
        )  # fmt: skip
    for code, quantity in (stock or {}).items():
        await db.execute(
            "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) "
            "VALUES ($1, $2, $3, $4)",
            tenant_id, live, products[code], quantity,
        )  # fmt: skip
    return Shop(tenant_id, channel_id, page_id, session_id, live_id, products, live)


@dataclass(frozen=True)
class LiveChannel:
    """Another channel the shop's live runs on (simulcast): its session joins the same live."""

    platform: Platform
    channel_id: int
    channel_external_id: str
    session_id: int
    external_live_id: str

    def comment(
        self, text: str, author: str, *, cid: str | None = None, at: datetime | None = None
    ) -> CommentEvent:
        return CommentEvent(
            platform=self.platform,
            channel_external_id=self.channel_external_id,
            external_id=cid or f"{self.platform.value}-c{next(_counter)}",
            external_live_id=self.external_live_id,
            author_external_id=author,
            author_name=f"Khách {author}",
            text=text,
            commented_at=at or datetime.now(UTC),
        )


async def add_channel(db: asyncpg.Connection, shop: Shop, platform: Platform) -> LiveChannel:
    """A Zalo OA, a TikTok relay source or another Page of the shop, on air in the shop's live."""
    n = next(_counter)
    external_id = f"{platform.value}{n}"
    channel_id = await db.fetchval(
        "INSERT INTO channels (tenant_id, platform, external_id, name) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        shop.tenant_id, platform.value, external_id, f"Kênh {platform.value} {n}",
    )  # fmt: skip
    external_live = f"{platform.value}-live{n}"
    session_id = await db.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, live_id, "
        "started_at) VALUES ($1, $2, $3, 'Live tối', $4, now() - interval '1 minute') RETURNING id",
        shop.tenant_id, channel_id, external_live, shop.live,
    )  # fmt: skip
    return LiveChannel(platform, channel_id, external_id, session_id, external_live)


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)
