"""The director's live setup pages under /phien-live: channels, keyword templates, start a live
with its products, stock, keywords and promotion, change the promotion, stop the live.

Director only (Area.SETUP). A secret typed into the channel form is sealed and never shown again,
not even when the form comes back with an error.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aggregator.confirmation.messages import enqueue_order_messages
from aggregator.core.keywords import format_keywords
from aggregator.core.money import format_vnd
from aggregator.core.promotion import PromotionError, promotion_from_form, promotion_of
from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.catalogue import SetupFormError, list_products
from aggregator.staff.live_stock import LiveNotFoundError, change_live_stock, parse_stock_form
from aggregator.staff.lives import (
    CHANNEL_TEXT,
    HOLD_MODE_TEXT,
    PLATFORM_TEXT,
    ChannelForm,
    LiveForm,
    connect,
    disable_channel,
    save_template,
    set_promotion,
    start_live,
    stop_live,
)
from aggregator.staff.origin import batches_left
from aggregator.web.forms import posted_form
from aggregator.web.keys import ARQ_POOL, PG_POOL, SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from schema.queries import query

NOTICES = {
    "channel": "Đã kết nối kênh. Mã truy cập đã được mã hóa.",
    "template": "Đã lưu mẫu từ khóa.",
    "started": "Buổi live đã bắt đầu.",
    "stopped": "Buổi live đã kết thúc.",
    "promotion": "Đã cập nhật khuyến mãi.",
    "stock": "Đã cập nhật số lượng.",
    "channel_off": "Đã ngắt kết nối kênh và xóa mã truy cập đã lưu.",
}
PROMOTION_KINDS = {
    "": "Không có",
    "free_ship": "Miễn phí giao hàng",
    "percent": "Giảm theo %",
    "amount": "Giảm số tiền",
}


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdecimal() and len(v) <= 18]


async def _page(
    request: web.Request,
    staff: StaffUser,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> web.Response:
    pool, tenant = request.app[STAFF_PG_POOL], staff.tenant_id
    lives = await pool.fetch(query("setup_lives"), tenant)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "vnd": format_vnd, "errors": errors or {},
        "values": values or {}, "notice": NOTICES.get(request.query.get("done", ""), ""),
        "channels": await pool.fetch(query("channels_of_tenant"), tenant),
        "templates": await pool.fetch(query("setup_keyword_templates"), tenant),
        "products": [p for p in await list_products(pool, tenant) if p["active"]],
        "lives": lives, "platforms": PLATFORM_TEXT, "channel_text": CHANNEL_TEXT,
        "hold_modes": HOLD_MODE_TEXT, "kinds": PROMOTION_KINDS,
        "promotion_text": {s["id"]: _promotion_text(s["promotion"]) for s in lives},
        "format_keywords": format_keywords,
        "batch_left": await batches_left(pool, tenant),  # taxorigin: stock comes from batches
    }  # fmt: skip
    return render(request, "staff_lives.html", context, status=status)


def _promotion_text(data: Any) -> str:
    promotion = promotion_of(data)
    return promotion.describe() if promotion else ""


@staff_page(Area.SETUP)
async def lives_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


@staff_page(Area.SETUP)
async def connect_channel(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    text = {k: v.strip() for k, v in form.items() if isinstance(v, str)}
    channel = ChannelForm(
        text.get("platform", ""), text.get("external_id", ""), text.get("name", ""),
        text.get("secret", ""), text.get("extra_setting", "")[:200],
    )  # fmt: skip
    try:
        # The owner's pool, the one staff write outside the wall: a Page, shop or OA belongs to
        # one cooperative across chotdon, and only the owner may see that another one has it
        # (the upsert itself is scoped to this cooperative's tenant id).
        await connect(request.app[PG_POOL], request.app[SETTINGS], staff.tenant_id, channel)
    except SetupFormError as exc:
        text.pop("secret", None)  # never echoed back
        return await _page(request, staff, 400, exc.errors, text)
    raise web.HTTPSeeOther(location="/phien-live?done=channel")


@staff_page(Area.SETUP)
async def disconnect_channel(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    pool, channel_id = request.app[STAFF_PG_POOL], path_id(request)
    try:
        found = await disable_channel(pool, staff.tenant_id, channel_id, staff.display_name)
    except SetupFormError as exc:
        return await _page(request, staff, 400, exc.errors)
    if not found:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(location="/phien-live?done=channel_off")


@staff_page(Area.SETUP)
async def save_keywords(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    name, text = str(form.get("template_name", "")), str(form.get("keywords", ""))[:20_000]
    try:
        await save_template(request.app[STAFF_PG_POOL], staff.tenant_id, name, text)
    except SetupFormError as exc:
        values = {"template_name": name, "keywords": text}
        return await _page(request, staff, 400, exc.errors, values)
    raise web.HTTPSeeOther(location="/phien-live?done=template")


def _live_form(form: Any) -> LiveForm:
    stock: dict[tuple[int, int | None], int] = {}
    for key, value in form.items():
        if key.startswith("qty_") and isinstance(value, str) and value.strip():
            # qty_<product id>, or qty_<product id>_<variant index> for a product with variants
            product, _, variant = key.removeprefix("qty_").partition("_")
            if len(key) > 40 or not product.isdecimal() or (variant and not variant.isdecimal()):
                continue
            quantity = value.strip()
            index = int(variant) if variant else None
            stock[(int(product), index)] = int(quantity) if quantity.isdecimal() else -1
    promotion = promotion_from_form(
        str(form.get("promo_kind", "")), str(form.get("promo_min", "")),
        str(form.get("promo_value", "")),
    )  # fmt: skip
    return LiveForm(
        channel_ids=_ints([str(v) for v in form.getall("channel", [])]),
        title=str(form.get("title", "")).strip(),
        external_live_id=str(form.get("external_live_id", "")).strip(),
        hold_mode=str(form.get("hold_mode", "first_comment")),
        template_ids=_ints([str(v) for v in form.getall("template", [])]),
        stock=stock,
        promotion=promotion,
    )


@staff_page(Area.SETUP)
async def start(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await posted_form(request)
    values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    values["channels"] = [str(v) for v in form.getall("channel", [])]  # ticked again on an error
    try:
        live_id = await start_live(request.app[STAFF_PG_POOL], staff.tenant_id, _live_form(form))
    except PromotionError as exc:
        return await _page(request, staff, 400, {"promotion": str(exc)}, values)
    except SetupFormError as exc:
        return await _page(request, staff, 400, exc.errors, values)
    raise web.HTTPSeeOther(location=f"/phien-live/{live_id}?done=started")


async def _live_page(
    request: web.Request, staff: StaffUser, live_id: int, status: int = 200, error: str = ""
) -> web.Response:
    pool = request.app[STAFF_PG_POOL]
    live = await pool.fetchrow(query("setup_live"), staff.tenant_id, live_id)
    if live is None:
        raise web.HTTPNotFound()
    promotion = promotion_of(live["promotion"])
    context = {
        "staff": staff, "csrf": staff.csrf_token, "vnd": format_vnd, "live": live,
        "stock": await pool.fetch(query("setup_live_stock"), staff.tenant_id, live_id),
        "promotion": promotion, "kinds": PROMOTION_KINDS, "error": error,
        "keywords": format_keywords(live["keywords"]), "platforms": CHANNEL_TEXT,
        "sessions": await pool.fetch(query("setup_live_sessions"), staff.tenant_id, live_id),
        "hold_modes": HOLD_MODE_TEXT,
        "notice": NOTICES.get(request.query.get("done", ""), ""),
    }  # fmt: skip
    return render(request, "staff_live.html", context, status=status)


@staff_page(Area.SETUP)
async def live_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _live_page(request, staff, path_id(request))


@staff_page(Area.SETUP)
async def change_promotion(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    live_id, form = path_id(request), await posted_form(request)
    try:
        promotion = promotion_from_form(
            str(form.get("promo_kind", "")), str(form.get("promo_min", "")),
            str(form.get("promo_value", "")),
        )  # fmt: skip
    except PromotionError as exc:
        return await _live_page(request, staff, live_id, 400, str(exc))
    if not await set_promotion(request.app[STAFF_PG_POOL], staff.tenant_id, live_id, promotion):
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(location=f"/phien-live/{live_id}?done=promotion")


@staff_page(Area.SETUP)
async def change_stock(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    """Mid-live restock (or a correction): more stock goes to the waitlist first, and those
    buyers are told, as after any change to their order."""
    live_id, form = path_id(request), await posted_form(request)
    try:
        wanted = parse_stock_form([str(k) for k in form.getall("key", [])],
                                  [str(q) for q in form.getall("qty", [])])  # fmt: skip
        promoted = await change_live_stock(
            request.app[STAFF_PG_POOL], staff.tenant_id, live_id, wanted
        )
    except LiveNotFoundError:
        raise web.HTTPNotFound() from None
    except SetupFormError as exc:
        return await _live_page(request, staff, live_id, 400, exc.errors["stock"])
    if promoted:
        delay = request.app[SETTINGS].buyer_message_delay_s
        await enqueue_order_messages(request.app[ARQ_POOL], promoted, delay)
    raise web.HTTPSeeOther(location=f"/phien-live/{live_id}?done=stock")


@staff_page(Area.SETUP)
async def stop(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    live_id = path_id(request)
    pool = request.app[STAFF_PG_POOL]
    if await pool.fetchrow(query("setup_live"), staff.tenant_id, live_id) is None:
        raise web.HTTPNotFound()
    await stop_live(pool, staff.tenant_id, live_id)
    raise web.HTTPSeeOther(location=f"/phien-live/{live_id}?done=stopped")


def setup(app: web.Application) -> None:
    app.router.add_get("/phien-live", lives_page, name="setup_lives")
    app.router.add_post("/phien-live/kenh", connect_channel, name="setup_connect_channel")
    app.router.add_post("/phien-live/kenh/{id}/ngat", disconnect_channel, name="setup_channel_off")
    app.router.add_post("/phien-live/mau-tu-khoa", save_keywords, name="setup_keyword_template")
    app.router.add_post("/phien-live/bat-dau", start, name="setup_start_live")
    app.router.add_get("/phien-live/{id}", live_page, name="setup_live")
    app.router.add_post("/phien-live/{id}/khuyen-mai", change_promotion, name="setup_promotion")
    app.router.add_post("/phien-live/{id}/ton-kho", change_stock, name="setup_live_stock")
    app.router.add_post("/phien-live/{id}/ket-thuc", stop, name="setup_stop_live")
