"""The director's live setup: connect channels, keyword templates, start and stop a live with its
products, stock, keywords and on-air promotion.

Channels are connected through aggregator.staff.channels, the same path as `chotdon channel add`
(credentials sealed with the per-platform cipher, never echoed). Every query is scoped by the
director's tenant id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from aggregator.core.keywords import Keywords, merge_keywords, parse_keywords
from aggregator.core.promotion import Promotion
from aggregator.orders.totals import recompute_totals
from aggregator.settings import Settings
from aggregator.staff.catalogue import SetupFormError
from aggregator.staff.channels import connect_for_tenant
from schema.enums import HoldMode, Platform
from schema.queries import query

log = structlog.get_logger()
MAX_STOCK = 100_000
PLATFORM_TEXT = {
    Platform.FACEBOOK: "Trang Facebook",
    Platform.TIKTOK: "TikTok Shop",
    Platform.ZALO: "Zalo OA",
}
# Every channel a live may run on, by its brand (the relay is a bridge for TikTok LIVE comments).
CHANNEL_TEXT = {**PLATFORM_TEXT, Platform.RELAY: "TikTok LIVE", Platform.MANUAL: "Nhập tay"}
HOLD_MODE_TEXT = {
    HoldMode.FIRST_COMMENT: "Bình luận trước, giữ hàng trước",
    HoldMode.FIRST_CONFIRM: "Xác nhận trước, được hàng trước",
    HoldMode.FIRST_PAYMENT: "Chuyển khoản trước, được hàng trước",
}


@dataclass(frozen=True)
class ChannelForm:
    platform: str
    external_id: str
    name: str
    secret: str
    extra_setting: str = ""  # TikTok: shop_cipher; Zalo: the ZNS order-update template id


@dataclass(frozen=True)
class LiveForm:
    channel_ids: Sequence[int]
    title: str
    external_live_id: str
    hold_mode: str
    template_ids: Sequence[int]
    # (product id, index of its variant or None) -> quantity offered (0: not shown)
    stock: Mapping[tuple[int, int | None], int]
    promotion: Promotion | None


def _channel_errors(form: ChannelForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if form.platform not in {p.value for p in PLATFORM_TEXT}:
        errors["platform"] = "Hãy chọn Facebook, TikTok Shop hoặc Zalo OA."
    if not form.external_id or len(form.external_id) > 64 or not form.external_id.isprintable():
        errors["external_id"] = "Hãy nhập ID của Trang / cửa hàng / OA (tối đa 64 ký tự)."
    if not form.name or len(form.name) > 100:
        errors["name"] = "Hãy nhập tên kênh (tối đa 100 ký tự)."
    if not form.secret or len(form.secret) > 4000:
        errors["secret"] = "Hãy dán mã truy cập (access token) của kênh."
    return errors


async def connect(pool: asyncpg.Pool, settings: Settings, tenant_id: int, form: ChannelForm) -> int:
    """Connect or reconnect a channel of this cooperative; SetupFormError names bad fields."""
    if errors := _channel_errors(form):
        raise SetupFormError(errors)
    platform = Platform(form.platform)
    owner = await pool.fetchval(query("setup_channel_owner"), platform.value, form.external_id)
    if owner is not None and owner != tenant_id:
        raise SetupFormError({"external_id": "Kênh này đã được một hợp tác xã khác kết nối."})
    extra: dict[str, str] = {}
    if form.extra_setting and platform is not Platform.FACEBOOK:
        key = "shop_cipher" if platform is Platform.TIKTOK else "zns_order_update_template"
        extra[key] = form.extra_setting
    return await connect_for_tenant(
        pool, settings, tenant_id, platform, form.external_id, form.name, form.secret, extra
    )


async def disable_channel(
    pool: asyncpg.Pool, tenant_id: int, channel_id: int, staff_name: str
) -> bool:
    """Disconnect a channel and erase its credentials (False: not this cooperative's). Refused
    while a live is on air on it: end the live first, so no buyer is left without answers."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(query("setup_lock_channel"), tenant_id, channel_id)
        if row is None:
            return False
        if row["live"]:
            raise SetupFormError({"channel": "Kênh đang có buổi live: hãy kết thúc live trước."})
        reason = f"Ngắt kết nối bởi {staff_name[:80]}"
        await conn.execute(query("setup_disable_channel"), tenant_id, channel_id, reason)
    log.info("live_setup.channel_disabled", channel_id=channel_id)
    return True


async def save_template(pool: asyncpg.Pool, tenant_id: int, name: str, text: str) -> int:
    name = name.strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 80:
        errors["template_name"] = "Hãy đặt tên mẫu từ khóa (tối đa 80 ký tự)."
    aliases = await pool.fetch(query("setup_product_aliases"), tenant_id)
    keywords, problems = parse_keywords(text, {r["code"]: list(r["aliases"]) for r in aliases})
    if problems:
        errors["keywords"] = " ".join(problems)
    elif not keywords:
        errors["keywords"] = "Hãy viết ít nhất một dòng, ví dụ “A01: gạo thơm, st25 mới”."
    if errors:
        raise SetupFormError(errors)
    template_id = int(
        await pool.fetchval(query("setup_save_keyword_template"), tenant_id, name, keywords)
    )
    log.info("live_setup.template_saved", template_id=template_id, codes=len(keywords))
    return template_id


def _live_errors(form: LiveForm) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not form.channel_ids:
        errors["channels"] = "Hãy chọn ít nhất một kênh để phát live."
    if not form.title or len(form.title) > 120:
        errors["title"] = "Hãy đặt tên buổi live (tối đa 120 ký tự)."
    if len(form.external_live_id) > 64 or not form.external_live_id.isprintable():
        errors["external_live_id"] = "Mã live tối đa 64 ký tự."
    if form.hold_mode not in {m.value for m in HoldMode}:
        errors["hold_mode"] = "Hãy chọn cách giữ hàng."
    if any(not 0 <= q <= MAX_STOCK for q in form.stock.values()):
        errors["stock"] = f"Số lượng mỗi sản phẩm từ 0 đến {MAX_STOCK}."
    elif not any(form.stock.values()):
        errors["stock"] = "Hãy nhập số lượng cho ít nhất một sản phẩm bán trong live."
    return errors


def _stock_rows(products: Sequence[Any], form: LiveForm) -> list[tuple[int, str, int]]:
    """(product id, variant, quantity) of this cooperative's products: one row per variant sold
    (the stock the merge reserves is per variant), '' for a product without variants."""
    variants = {r["id"]: list(r["variants"]) for r in products}
    rows: list[tuple[int, str, int]] = []
    for (product_id, index), quantity in form.stock.items():
        names = variants.get(product_id)
        if names is None or quantity <= 0:
            continue
        if index is None and not names:
            rows.append((product_id, "", quantity))
        elif index is not None and index < len(names):
            rows.append((product_id, names[index], quantity))
    return sorted(rows)


async def start_live(pool: asyncpg.Pool, tenant_id: int, form: LiveForm) -> int:
    """One live on every chosen channel at once, with one stock for all of them (100 bags on
    three platforms are 100 bags); all or nothing. Returns the live's id."""
    if errors := _live_errors(form):
        raise SetupFormError(errors)
    external_id = form.external_live_id or f"live-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    async with pool.acquire() as conn, conn.transaction():
        shown = _stock_rows(await conn.fetch(query("setup_product_variants"), tenant_id), form)
        templates = await conn.fetch(
            query("setup_templates_by_id"), tenant_id, sorted(form.template_ids)
        )
        keywords: Keywords = merge_keywords(r["keywords"] for r in templates)
        promotion = form.promotion.as_json() if form.promotion else {}
        live_id = int(await conn.fetchval(
            query("setup_create_live"), tenant_id, form.title, form.hold_mode, promotion, keywords
        ))  # fmt: skip
        sessions: list[int] = []
        for channel_id in sorted(set(form.channel_ids)):
            if await conn.fetchval(query("setup_live_id_taken"), channel_id, external_id):
                raise SetupFormError({"external_live_id": f"Mã live {external_id} đã được dùng."})
            session_id = await conn.fetchval(
                query("setup_start_live"), tenant_id, channel_id, external_id, form.title, live_id
            )
            if session_id is None:
                raise SetupFormError({"channels": "Kênh đã chọn không dùng được. Hãy tải lại."})
            sessions.append(int(session_id))
        await conn.execute(
            query("setup_insert_stock"), tenant_id, live_id, [p for p, _, _ in shown],
            [v for _, v, _ in shown], [q for _, _, q in shown],
        )  # fmt: skip
    log.info("live_setup.started", live_id=live_id, session_ids=sessions, products=len(shown))
    return live_id


async def stop_live(pool: asyncpg.Pool, tenant_id: int, live_id: int) -> bool:
    """End the live on every channel it runs on."""
    async with pool.acquire() as conn, conn.transaction():
        stopped = await conn.fetchval(query("setup_stop_live"), tenant_id, live_id)
        await conn.execute(query("setup_stop_live_sessions"), tenant_id, live_id)
    if stopped is not None:
        log.info("live_setup.stopped", live_id=live_id)
    return stopped is not None


async def set_promotion(
    pool: asyncpg.Pool, tenant_id: int, live_id: int, promotion: Promotion | None
) -> bool:
    """Change the live's promotion; orders not yet confirmed get new totals at once."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(query("lock_live"), live_id)  # no merge recomputes meanwhile
        found = await conn.fetchval(
            query("setup_set_promotion"), tenant_id, live_id,
            promotion.as_json() if promotion else {},
        )  # fmt: skip
        if found is None:
            return False
        orders = await conn.fetch(query("setup_unconfirmed_orders_of_live"), tenant_id, live_id)
        await recompute_totals(conn, [r["id"] for r in orders])
    log.info("live_setup.promotion_set", live_id=live_id, orders=len(orders))
    return True
