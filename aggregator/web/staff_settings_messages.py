"""GET/POST /cai-dat/tin-nhan (the wording of the order message: greeting and closing line) and
GET/POST /cai-dat/phi-giao-hang (the shipping fee table: a fee per province; elsewhere the one
fee of /cai-dat/thanh-toan)."""

from __future__ import annotations

from aiohttp import web

from aggregator.confirmation.addresses import divisions
from aggregator.core.prepay import money_rules
from aggregator.core.shop_texts import (
    FEES_SETTING,
    PLACEHOLDERS,
    TEMPLATES,
    TEMPLATES_SETTING,
    ShopTextError,
    fees_from_form,
    fill,
    template_text,
    templates_from_form,
)
from aggregator.core.staff import Area
from aggregator.staff.accounts import StaffUser
from aggregator.staff.cooperatives import load_settings, save_settings_keys
from aggregator.web.keys import STAFF_PG_POOL
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_settings import form_fields, notice_of

NOTICES = {"templates": "Đã lưu mẫu tin nhắn.", "fees": "Đã lưu bảng phí giao hàng."}


async def _templates_page(
    request: web.Request, staff: StaffUser, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> web.Response:  # fmt: skip
    current = await load_settings(request.app[STAFF_PG_POOL], staff.tenant_id)
    if values is None:
        values = {t.key: template_text(current.raw, t.key) for t in TEMPLATES}
    sample = {"htx": current.profile.name, "ten": "Lan", "madon": "CD0000123"}
    context = {
        "staff": staff, "csrf": staff.csrf_token, "templates": TEMPLATES, "values": values,
        "errors": errors or {}, "notice": notice_of(request, NOTICES),
        "placeholders": ["{" + p + "}" for p in PLACEHOLDERS],
        "preview": {t.key: fill(values.get(t.key) or t.default, sample) for t in TEMPLATES},
    }  # fmt: skip
    return render(request, "settings_messages.html", context, status=status)


@staff_page(Area.SETUP)
async def templates_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _templates_page(request, staff)


@staff_page(Area.SETUP)
async def save_templates(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    values = await form_fields(request)
    try:
        kept = templates_from_form(values)
    except ShopTextError as exc:
        return await _templates_page(request, staff, values, exc.errors, 422)
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        await save_settings_keys(conn, staff.tenant_id, {TEMPLATES_SETTING: kept or None})
    raise web.HTTPSeeOther(location="/cai-dat/tin-nhan?done=templates")


async def _fees_page(
    request: web.Request, staff: StaffUser, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> web.Response:  # fmt: skip
    current = await load_settings(request.app[STAFF_PG_POOL], staff.tenant_id)
    if values is None:
        stored = (current.raw.get(FEES_SETTING) or {}).get("provinces") or {}
        values = {f"fee-{code}": str(fee) for code, fee in stored.items()}
    context = {
        "staff": staff, "csrf": staff.csrf_token, "provinces": divisions().provinces,
        "values": values, "errors": errors or {}, "notice": notice_of(request, NOTICES),
        "general_fee": money_rules(current.raw).shipping_fee_vnd,
    }  # fmt: skip
    return render(request, "settings_fees.html", context, status=status)


@staff_page(Area.SETUP)
async def fees_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _fees_page(request, staff)


@staff_page(Area.SETUP)
async def save_fees(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    values = await form_fields(request)
    codes = frozenset(p.code for p in divisions().provinces)
    try:
        fees = fees_from_form(values, codes)
    except ShopTextError as exc:
        return await _fees_page(request, staff, values, exc.errors, 422)
    keys = {FEES_SETTING: {"provinces": fees} if fees else None}
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        await save_settings_keys(conn, staff.tenant_id, keys)
    raise web.HTTPSeeOther(location="/cai-dat/phi-giao-hang?done=fees")


def setup(app: web.Application) -> None:
    app.router.add_get("/cai-dat/tin-nhan", templates_page, name="settings_messages")
    app.router.add_post("/cai-dat/tin-nhan", save_templates, name="settings_messages_save")
    app.router.add_get("/cai-dat/phi-giao-hang", fees_page, name="settings_fees")
    app.router.add_post("/cai-dat/phi-giao-hang", save_fees, name="settings_fees_save")
