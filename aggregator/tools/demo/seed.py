"""The demo cooperative: an HTX in Thái Bình, its OCOP catalogue, channels and tonight's live on
its three channels."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aggregator.rehearsal.player import Target
from aggregator.runtime.db import Connection
from aggregator.tools.demo.photos import product_tile
from aggregator.tools.origin_seed import seed_origin
from schema.enums import Platform
from schema.queries import query

TENANT_SLUG = "htx-thai-binh"
TENANT_NAME = "HTX Nông sản sạch Thái Bình"
# The platform a viewer uses -> (the channel's kind, its id, its name). TikTok has no API for
# live comments: a bridge on the streaming PC relays them (the relay channel, marked as TikTok).
CHANNELS = {
    Platform.FACEBOOK: (Platform.FACEBOOK, "demo-fb-page", "Trang Facebook HTX Thái Bình"),
    Platform.TIKTOK: (Platform.RELAY, "demo-tiktok-live", "TikTok LIVE HTX Thái Bình"),
    Platform.ZALO: (Platform.ZALO, "demo-zalo-oa", "Zalo OA HTX Thái Bình"),
}
CHANNEL_SETTINGS = {Platform.TIKTOK: {"source": Platform.TIKTOK.value}}
# code, name, aliases, variants, price, weight g, origin, province, OCOP stars (variants priced
# apart are in VARIANT_PRICES)
PRODUCTS = [
    ("A01", "Gạo ST25 túi 5kg", ["st25", "gạo st", "gạo st25"], [], 180_000, 5_000,
     "HTX Nông sản sạch Thái Bình", "Thái Bình", 4),
    ("A03", "Gạo Bắc Hương Thái Bình túi 5kg", ["bắc hương", "gạo bắc hương"], [], 150_000, 5_000,
     "HTX Nông sản sạch Thái Bình", "Thái Bình", 3),
    ("M02", "Mật ong hoa nhãn", ["mật ong", "mật ong nhãn", "mật ong hoa nhãn"], ["500ml", "1l"],
     150_000, 1_200, "HTX Ong mật Hưng Yên", "Hưng Yên", 4),
    ("N01", "Nem chua Thanh Hóa hộp 20 chiếc", ["nem chua", "nem"], [], 60_000, 600,
     "Cơ sở nem chua Hương Quê", "Thanh Hóa", 3),
    ("B01", "Bánh cáy Thái Bình hộp 300g", ["bánh cáy"], [], 45_000, 350,
     "Làng nghề bánh cáy Nguyên Xá", "Thái Bình", 4),
    ("C02", "Chè búp Thanh Chương", ["chè búp", "chè xanh", "chè"], ["200g", "500g"], 90_000, 500,
     "HTX Chè Thanh Chương", "Nghệ An", 4),
    ("V05", "Vải thiều Thanh Hà", ["vải thiều", "vải"], ["1kg", "2kg", "5kg"], 45_000, 1_000,
     "HTX Vải thiều Thanh Hà", "Hải Dương", 5),
    ("05", "Tương Nam Đàn chai 1 lít", ["tương nam đàn", "tương"], [], 45_000, 1_100,
     "HTX Tương Nam Đàn", "Nghệ An", 3),
]  # fmt: skip
# GHN carries the cooperative's parcels; the sender on every label.
TENANT_SETTINGS = {
    "courier": "ghn",
    "sender": {"name": TENANT_NAME, "phone": "0912000111", "address": "Thôn Đông, xã Vũ Hội",
               "ward": "Xã Vũ Hội", "province": "Hưng Yên"},
}  # fmt: skip
# Variants with their own price and parcel weight (0028_product_variants); the others cost and
# weigh their product's.
VARIANT_PRICES = {
    ("M02", "1l"): (280_000, 1_400),
    ("C02", "500g"): (210_000, 550),
    ("V05", "2kg"): (85_000, 2_100),
    ("V05", "5kg"): (200_000, 5_200),
}
SCARCE = {"N01": 12}  # nem chua sells out tonight: the rest of the buyers wait in line
DEFAULT_STOCK = 500
ON_AIR_PROMOTION = {"kind": "free_ship", "min_items": 2}  # free shipping from two items
LIVE_TITLE = "Phiên live {when}: gạo, mật ong, vải thiều, nem chua"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class DemoLives:
    tenant_id: int
    session_ids: dict[Platform, int]
    targets: dict[Platform, Target]


async def _tenant(conn: Connection) -> int:
    existing = await conn.fetchval("SELECT id FROM tenants WHERE slug = $1", TENANT_SLUG)
    if existing is not None:
        return int(existing)
    tenant_id = await conn.fetchval(
        "INSERT INTO tenants (slug, name, province, settings) "
        "VALUES ($1, $2, 'Thái Bình', $3) RETURNING id",
        TENANT_SLUG,
        TENANT_NAME,
        TENANT_SETTINGS,
    )
    for code, name, aliases, variants, price, weight, origin, province, stars in PRODUCTS:
        await conn.execute(
            "INSERT INTO products (tenant_id, code, name, aliases, variants, price_vnd, weight_g, "
            "origin_name, origin_province, ocop_stars) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
            tenant_id, code, name, aliases, variants, price, weight, origin, province, stars,
        )  # fmt: skip
    await seed_origin(conn, tenant_id)  # taxorigin: batches and certificates of the products
    return int(tenant_id)


async def _variant_prices(conn: Connection, tenant_id: int) -> None:
    """Each run (a data folder of an older demo has the variants but not their prices)."""
    for (code, variant), (price, weight) in VARIANT_PRICES.items():
        await conn.execute(
            "UPDATE product_variants v SET price_vnd = $4, weight_g = $5 FROM products p "
            "WHERE p.id = v.product_id AND p.tenant_id = $1 AND p.code = $2 AND v.name = $3",
            tenant_id, code, variant, price, weight,
        )  # fmt: skip


async def _photos(conn: Connection, tenant_id: int) -> None:
    """A picture for each product that has none (a director's own upload is kept)."""
    missing = await conn.fetch(
        "SELECT p.id, p.code, p.name FROM products p WHERE p.tenant_id = $1 AND NOT EXISTS "
        "(SELECT 1 FROM product_photos f WHERE f.product_id = p.id)",
        tenant_id,
    )
    for row in missing:
        content_type, data = await asyncio.to_thread(product_tile, row["code"], row["name"])
        await conn.execute(
            "INSERT INTO product_photos (product_id, tenant_id, content_type, data) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (product_id, tenant_id) DO NOTHING",
            row["id"], tenant_id, content_type, data,
        )  # fmt: skip


async def _channels(conn: Connection, tenant_id: int) -> None:
    """Each run makes sure the channels exist (a data folder of an older demo may lack one)."""
    for platform, (kind, external_id, name) in CHANNELS.items():
        await conn.execute(
            "INSERT INTO channels (tenant_id, platform, external_id, name, settings) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (platform, external_id) DO NOTHING",
            tenant_id, kind.value, external_id, name, CHANNEL_SETTINGS.get(platform, {}),
        )  # fmt: skip


async def _live(conn: Connection, tenant_id: int, run_id: str) -> dict[Platform, int]:
    """Tonight's one live, simulcast on the Page, TikTok LIVE and the Zalo OA: one session per
    channel, one stock for all three (100 bags on three platforms are 100 bags)."""
    title = LIVE_TITLE.format(when=datetime.now(UTC).astimezone(VIETNAM).strftime("%H:%M %d/%m"))
    live_id = await conn.fetchval(
        query("setup_create_live"), tenant_id, title, "first_comment", ON_AIR_PROMOTION, {}
    )
    sessions: dict[Platform, int] = {}
    for platform, (kind, external_id, _name) in CHANNELS.items():
        channel_id = await conn.fetchval(
            "SELECT id FROM channels WHERE platform = $1 AND external_id = $2",
            kind.value,
            external_id,
        )
        sessions[platform] = int(await conn.fetchval(
            query("setup_start_live"), tenant_id, channel_id, f"live-{run_id}", title, live_id
        ))  # fmt: skip
    # One pool per variant: 500 bags of lychee 1 kg and 500 of 2 kg, not one shared "–".
    products = await conn.fetch(
        "SELECT id, code, variants FROM products WHERE tenant_id = $1", tenant_id
    )
    await conn.executemany(
        "INSERT INTO live_stock (tenant_id, live_id, product_id, variant, quantity) "
        "VALUES ($1, $2, $3, $4, $5)",
        [(tenant_id, live_id, p["id"], variant, SCARCE.get(p["code"], DEFAULT_STOCK))
         for p in products for variant in (p["variants"] or [""])],
    )  # fmt: skip
    return sessions


async def seed_demo(conn: Connection, run_id: str) -> DemoLives:
    """The cooperative (created once) and a fresh live on all three platforms for this run."""
    async with conn.transaction():
        tenant_id = await _tenant(conn)
        await _variant_prices(conn, tenant_id)
        await _photos(conn, tenant_id)
        await _channels(conn, tenant_id)
        sessions = await _live(conn, tenant_id, run_id)
    targets = {
        p: Target(kind, external_id, f"live-{run_id}")
        for p, (kind, external_id, _) in CHANNELS.items()
    }
    return DemoLives(tenant_id, sessions, targets)


async def end_lives(conn: Connection, session_ids: list[int]) -> None:
    """The demo's lives go off air when it stops (a later run starts its own)."""
    await conn.execute(
        "UPDATE live_sessions SET status = 'ended', ended_at = now() "
        "WHERE id = ANY($1::bigint[]) AND status = 'live'",
        session_ids,
    )
