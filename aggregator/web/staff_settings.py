"""The director's settings of the cooperative: GET /cai-dat (the index of every settings page),
/cai-dat/htx (name, province, tax code, pickup address), /cai-dat/ngan-hang (the account buyers
transfer to by VietQR, and the service that tells chotdon of transfers, with its secret sealed and
never shown again). Couriers: staff_settings_couriers.py; messages, fees: staff_settings_messages.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from aggregator.core.cooperative import (
    BANKS,
    CooperativeFormError,
    bank_name,
    profile_from_form,
    vietqr_from_form,
)
from aggregator.core.prepay import money_rules
from aggregator.core.reports import local
from aggregator.core.staff import Area
from aggregator.shipping.accounts import COURIER_NAMES, accounts_listing
from aggregator.staff.accounts import StaffUser
from aggregator.staff.cooperatives import (
    CooperativeSettings,
    bank_connections_of,
    connect_provider,
    disconnect_provider,
    load_settings,
    province_choices,
    province_names,
    save_profile,
    save_vietqr,
)
from aggregator.web.forms import posted_form
from aggregator.web.keys import PG_POOL, SETTINGS, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from schema.enums import BankProvider, Courier

PROVIDER_NAMES = {BankProvider.SEPAY: "SePay", BankProvider.CASSO: "Casso",
                  BankProvider.PAYOS: "payOS"}  # fmt: skip
NOTICES = {
    "created": "Đã tạo hợp tác xã. Hãy cài đặt tài khoản ngân hàng và hãng vận chuyển.",
    "profile": "Đã lưu thông tin hợp tác xã.",
    "vietqr": "Đã lưu tài khoản nhận chuyển khoản.",
    "provider": "Đã lưu dịch vụ báo tiền. Khóa bí mật được cất kín và không hiện lại.",
    "disconnected": "Đã ngắt dịch vụ báo tiền: báo tiền từ dịch vụ này không còn được nhận.",
}


async def form_fields(request: web.Request) -> dict[str, str]:
    form = await posted_form(request)
    return {k: v for k, v in form.items() if isinstance(v, str)}


def notice_of(request: web.Request, notices: dict[str, str]) -> str:
    return notices.get(request.query.get("done", ""), "")


async def _current(staff: StaffUser, request: web.Request) -> CooperativeSettings:
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        return await load_settings(conn, staff.tenant_id)


@staff_page(Area.SETUP)
async def index(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    current = await _current(staff, request)
    pool = request.app[STAFF_PG_POOL]
    couriers = await accounts_listing(pool, staff.tenant_id)
    banks = await bank_connections_of(pool, staff.tenant_id)
    raw = current.raw
    default = raw.get("courier") or request.app[SETTINGS].courier_default
    context = {
        "staff": staff, "csrf": staff.csrf_token, "notice": notice_of(request, NOTICES),
        "profile": current.profile, "vietqr": raw.get("vietqr"), "banks": banks,
        "bank_name": bank_name, "courier_names": [COURIER_NAMES[Courier(c)] for c in couriers],
        "default_courier": COURIER_NAMES.get(Courier(default), ""),
        "rules": money_rules(raw), "has_templates": bool(raw.get("message_templates")),
        "fee_rows": len((raw.get("shipping_fees") or {}).get("provinces") or {}),
    }  # fmt: skip
    return render(request, "settings_index.html", context)


def _profile_page(
    request: web.Request, staff: StaffUser, values: dict[str, str], errors: dict[str, str],
    status: int = 200,
) -> web.Response:  # fmt: skip
    context = {
        "staff": staff, "csrf": staff.csrf_token, "values": values, "errors": errors,
        "provinces": province_choices(), "with_slug": False,
        "notice": notice_of(request, NOTICES),
    }  # fmt: skip
    return render(request, "settings_profile.html", context, status=status)


@staff_page(Area.SETUP)
async def profile_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    p = (await _current(staff, request)).profile
    values = {
        "name": p.name, "province": p.province, "tax_code": p.tax_code,
        "street": p.pickup.street, "ward": p.pickup.ward, "phone": p.pickup.phone,
    }  # fmt: skip
    return _profile_page(request, staff, values, {})


@staff_page(Area.SETUP)
async def save_profile_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    values = await form_fields(request)
    try:
        profile = profile_from_form(values, province_names())
    except CooperativeFormError as exc:
        return _profile_page(request, staff, values, exc.errors, 422)
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        await save_profile(conn, staff.tenant_id, profile)
    raise web.HTTPSeeOther(location="/cai-dat/htx?done=profile")


async def _bank_page(
    request: web.Request, staff: StaffUser, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status: int = 200,
) -> web.Response:  # fmt: skip
    current = await _current(staff, request)
    vietqr: dict[str, Any] = current.raw.get("vietqr") or {}
    if values is None:
        values = {k: str(vietqr.get(k, "")) for k in ("bank_bin", "account_no", "account_name")}
        if values["bank_bin"] and values["bank_bin"] not in dict(BANKS):
            values["other_bin"] = values["bank_bin"]
    base = request.app[SETTINGS].base_url.rstrip("/")
    context = {
        "staff": staff, "csrf": staff.csrf_token, "values": values, "errors": errors or {},
        "banks": BANKS, "providers": PROVIDER_NAMES, "vietqr": vietqr, "bank_name": bank_name,
        "connections": await bank_connections_of(request.app[STAFF_PG_POOL], staff.tenant_id),
        "notice": notice_of(request, NOTICES), "local": local,
        "hooks": {p: f"{base}/webhooks/payments/{p.value}" for p in BankProvider},
    }  # fmt: skip
    return render(request, "settings_bank.html", context, status=status)


@staff_page(Area.SETUP)
async def bank_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _bank_page(request, staff)


@staff_page(Area.SETUP)
async def save_bank(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    values = await form_fields(request)
    try:
        account = vietqr_from_form(values)
    except CooperativeFormError as exc:
        return await _bank_page(request, staff, values, exc.errors, 422)
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        await save_vietqr(conn, staff.tenant_id, account)
    raise web.HTTPSeeOther(location="/cai-dat/ngan-hang?done=vietqr")


@staff_page(Area.SETUP)
async def save_provider(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    values = await form_fields(request)
    vietqr = (await _current(staff, request)).raw.get("vietqr") or {}
    account, secret = str(vietqr.get("account_no") or ""), values.get("secret", "").strip()
    errors: dict[str, str] = {}
    if values.get("provider") not in {p.value for p in BankProvider}:
        errors["provider"] = "Hãy chọn dịch vụ báo tiền."
    if not account:
        errors["provider"] = "Hãy lưu tài khoản nhận chuyển khoản trước."
    if not secret or len(secret) > 500 or any(c.isspace() for c in secret):
        errors["secret"] = "Hãy dán khóa bí mật (API key / checksum key), không có dấu cách."
    try:
        if not errors:
            await connect_provider(
                request.app[PG_POOL], request.app[SETTINGS], staff.tenant_id,
                BankProvider(values["provider"]), account, secret,
            )  # fmt: skip
    except CooperativeFormError as exc:
        errors = exc.errors
    if errors:
        return await _bank_page(request, staff, None, errors, 422)
    raise web.HTTPSeeOther(location="/cai-dat/ngan-hang?done=provider")


@staff_page(Area.SETUP)
async def disconnect(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        if not await disconnect_provider(conn, staff.tenant_id, path_id(request)):
            raise web.HTTPNotFound()
    raise web.HTTPSeeOther(location="/cai-dat/ngan-hang?done=disconnected")


def setup(app: web.Application) -> None:
    app.router.add_get("/cai-dat", index, name="settings_index")
    app.router.add_get("/cai-dat/htx", profile_page, name="settings_profile")
    app.router.add_post("/cai-dat/htx", save_profile_page, name="settings_profile_save")
    app.router.add_get("/cai-dat/ngan-hang", bank_page, name="settings_bank")
    app.router.add_post("/cai-dat/ngan-hang", save_bank, name="settings_bank_save")
    app.router.add_post("/cai-dat/ngan-hang/bao-tien", save_provider, name="settings_provider")
    app.router.add_post(
        "/cai-dat/ngan-hang/bao-tien/{id}/ngat", disconnect, name="settings_provider_off"
    )
