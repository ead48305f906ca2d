"""GET /cai-dat/van-chuyen: the cooperative's couriers. Its default courier, and per courier its
own account (token, shop id, webhook secret: sealed, never shown again; a blank field keeps what
is stored) with the webhook address to give the courier. POST /cai-dat/van-chuyen (default),
/cai-dat/van-chuyen/{courier} (save an account), /cai-dat/van-chuyen/{courier}/xoa (remove it:
the installation's account serves again)."""

from __future__ import annotations

from aiohttp import web

from aggregator.core.cooperative import CooperativeFormError
from aggregator.core.reports import local
from aggregator.core.staff import Area
from aggregator.shipping.accounts import (
    COURIER_NAMES,
    SHOP_ID_LABEL,
    account_from_form,
    accounts_listing,
    remove_account,
    save_account,
)
from aggregator.staff.accounts import StaffUser
from aggregator.staff.cooperatives import load_settings, save_settings_keys
from aggregator.web.keys import SETTINGS, STAFF_PG_POOL
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_settings import form_fields, notice_of
from schema.enums import Courier

PATH = "/cai-dat/van-chuyen"
NOTICES = {
    "default": "Đã lưu hãng vận chuyển mặc định.",
    "saved": "Đã lưu tài khoản. Mã truy cập và khóa được cất kín, không hiện lại.",
    "removed": "Đã xóa tài khoản riêng: hãng này dùng tài khoản chung của máy chủ.",
    "nothing": "Chưa lưu: tài khoản mới cần có mã truy cập (token).",
}


def _courier(request: web.Request) -> Courier:
    try:
        return Courier(request.match_info["courier"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def _page(
    request: web.Request, staff: StaffUser, errors: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> web.Response:  # fmt: skip
    pool = request.app[STAFF_PG_POOL]
    current = await load_settings(pool, staff.tenant_id)
    settings = request.app[SETTINGS]
    base = settings.base_url.rstrip("/")
    context = {
        "staff": staff, "csrf": staff.csrf_token, "names": COURIER_NAMES,
        "shop_labels": SHOP_ID_LABEL, "accounts": await accounts_listing(pool, staff.tenant_id),
        "default": current.raw.get("courier") or settings.courier_default,
        "hooks": {c: f"{base}/webhooks/{c.value}/htx/{current.slug}" for c in Courier},
        "errors": errors or {}, "notice": notice_of(request, NOTICES), "local": local,
    }  # fmt: skip
    return render(request, "settings_couriers.html", context, status=status)


@staff_page(Area.SETUP)
async def couriers_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


@staff_page(Area.SETUP)
async def save_default(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    chosen = (await form_fields(request)).get("courier", "")
    if chosen not in {c.value for c in Courier}:
        return await _page(request, staff, {"default": {"courier": "Hãy chọn một hãng."}}, 422)
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        await save_settings_keys(conn, staff.tenant_id, {"courier": chosen})
    raise web.HTTPSeeOther(location=f"{PATH}?done=default")


@staff_page(Area.SETUP)
async def save_courier(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    courier = _courier(request)
    try:
        form = account_from_form(courier, await form_fields(request))
    except CooperativeFormError as exc:
        return await _page(request, staff, {courier.value: exc.errors}, 422)
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        saved = await save_account(conn, request.app[SETTINGS], staff.tenant_id, form)
    raise web.HTTPSeeOther(location=f"{PATH}?done={'saved' if saved else 'nothing'}")


@staff_page(Area.SETUP)
async def remove_courier(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    courier = _courier(request)
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        await remove_account(conn, staff.tenant_id, courier)
    raise web.HTTPSeeOther(location=f"{PATH}?done=removed")


def setup(app: web.Application) -> None:
    app.router.add_get(PATH, couriers_page, name="settings_couriers")
    app.router.add_post(PATH, save_default, name="settings_courier_default")
    app.router.add_post(PATH + "/{courier}", save_courier, name="settings_courier_save")
    app.router.add_post(PATH + "/{courier}/xoa", remove_courier, name="settings_courier_remove")
