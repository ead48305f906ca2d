"""Each cooperative's own courier accounts (courier_accounts, 0025): saved sealed, opened only in
memory for one call, never shown again.

A cooperative that saved an account books, prints, tracks and hears webhooks with it: its COD
lands in its own courier account. Without one, the installation-wide Settings (CHOTDON_GHN_TOKEN
and friends) serve, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import asyncpg
import structlog

from aggregator.core.cooperative import CooperativeFormError
from aggregator.credentials.keyring import courier_cipher
from aggregator.runtime.db import Connection
from aggregator.settings import Settings
from schema.enums import Courier
from schema.queries import query

log = structlog.get_logger()
_SHOP_ID = re.compile(r"^[0-9A-Za-z_.-]{0,64}$")
MAX_SECRET = 500
COURIER_NAMES = {
    Courier.GHN: "Giao Hàng Nhanh (GHN)",
    Courier.GHTK: "Giao Hàng Tiết Kiệm (GHTK)",
    Courier.VIETTELPOST: "Viettel Post",
}
# What the shop id field is called at each courier (None: that courier has none).
SHOP_ID_LABEL = {
    Courier.GHN: "Mã cửa hàng (ShopId)",
    Courier.GHTK: "Mã đối tác (X-Client-Source)",
    Courier.VIETTELPOST: None,
}


@dataclass(frozen=True, slots=True)
class CourierAccount:
    """An account opened for one call: its token and webhook secret in memory only."""

    tenant_id: int
    courier: Courier
    token: str = field(repr=False)
    shop_id: str
    webhook_secret: str = field(repr=False, default="")


@dataclass(frozen=True, slots=True)
class AccountForm:
    """What the director typed: blank secrets keep the stored ones."""

    courier: Courier
    token: str = field(repr=False)
    shop_id: str
    webhook_secret: str = field(repr=False)


def account_from_form(courier: Courier, form: dict[str, str]) -> AccountForm:
    errors: dict[str, str] = {}
    token, secret = form.get("token", "").strip(), form.get("webhook_secret", "").strip()
    shop_id = form.get("shop_id", "").strip()
    if len(token) > MAX_SECRET or any(c.isspace() for c in token):
        errors["token"] = "Mã truy cập (token) không được có dấu cách và dài tối đa 500 ký tự."
    if len(secret) > MAX_SECRET or any(c.isspace() for c in secret):
        errors["webhook_secret"] = "Khóa webhook không được có dấu cách và dài tối đa 500 ký tự."
    if SHOP_ID_LABEL[courier] is None:
        shop_id = ""
    elif not _SHOP_ID.match(shop_id):
        errors["shop_id"] = "Mã cửa hàng chỉ gồm chữ không dấu và số."
    if errors:
        raise CooperativeFormError(errors)
    return AccountForm(courier, token, shop_id, secret)


async def save_account(
    conn: Connection | asyncpg.Pool, settings: Settings, tenant_id: int, form: AccountForm
) -> bool:
    """Create or update; False when there is nothing to update and no token to create with."""
    sealer = courier_cipher(settings)
    token = sealer.encrypt(form.token) if form.token else None
    secret = sealer.encrypt(form.webhook_secret) if form.webhook_secret else None
    args = (tenant_id, form.courier.value, token, form.shop_id, secret)
    saved = await conn.fetchval(query("update_courier_account"), *args)
    if saved is None and token is not None:
        saved = await conn.fetchval(query("insert_courier_account"), *args)
    if saved is not None:
        log.info(
            "courier.account_saved", tenant_id=tenant_id, courier=form.courier.value,
            token_changed=token is not None, webhook_secret_changed=secret is not None,
        )  # fmt: skip
    return saved is not None


async def remove_account(conn: Connection | asyncpg.Pool, tenant_id: int, courier: Courier) -> bool:
    removed = await conn.fetchval(query("delete_courier_account"), tenant_id, courier.value)
    log.info("courier.account_removed", tenant_id=tenant_id, courier=courier.value)
    return removed is not None


async def account_for(
    conn: Connection | asyncpg.Pool, settings: Settings, tenant_id: int, courier: Courier
) -> CourierAccount | None:
    """The cooperative's own account at this courier, opened; None: the installation's serves."""
    row = await conn.fetchrow(query("courier_account"), tenant_id, courier.value)
    if row is None:
        return None
    sealer = courier_cipher(settings)
    hook = row["webhook_secret_encrypted"]
    return CourierAccount(
        tenant_id, courier, sealer.decrypt(row["token_encrypted"]), row["shop_id"],
        sealer.decrypt(hook) if hook else "",
    )  # fmt: skip


async def accounts_listing(
    conn: Connection | asyncpg.Pool, tenant_id: int
) -> dict[str, dict[str, object]]:
    """What the settings page shows: per courier, the shop id and whether secrets are stored."""
    rows = await conn.fetch(query("courier_accounts_of_tenant"), tenant_id)
    return {r["courier"]: dict(r) for r in rows}
