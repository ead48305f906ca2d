"""Staff accounts, orders in a given status, and a logged-in test client for the staff web app."""

from __future__ import annotations

import itertools
import re

import asyncpg
from aiohttp.test_utils import TestClient

from aggregator.staff.accounts import hash_password
from schema.enums import StaffRole
from tests.support.factories import Shop

PASSWORD = "mat-khau-HTX-2026"
_counter = itertools.count(1)
_HASH: dict[str, str] = {}


async def add_staff(
    db: asyncpg.Connection, tenant_id: int, role: StaffRole, login: str | None = None
) -> tuple[int, str]:
    """A staff member with PASSWORD; returns (id, login)."""
    name = login or f"{role.value}{next(_counter)}"
    if PASSWORD not in _HASH:
        _HASH[PASSWORD] = hash_password(PASSWORD)
    staff_id = await db.fetchval(
        "INSERT INTO staff (tenant_id, login, display_name, role, password_hash) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        tenant_id, name, f"Chị {name}", role.value, _HASH[PASSWORD],
    )  # fmt: skip
    return int(staff_id), name


async def add_order(
    db: asyncpg.Connection,
    shop: Shop,
    *,
    status: str = "awaiting_confirmation",
    name: str = "Nguyễn Thị Lan",
    phone: str | None = None,
    comment: str | None = None,
) -> int:
    """An order of the shop's live with one line of A01 (and the comment that made it)."""
    n = next(_counter)
    buyer = await db.fetchval(
        "INSERT INTO buyers (tenant_id, display_name, phone) VALUES ($1, $2, $3) RETURNING id",
        shop.tenant_id, name, phone,
    )  # fmt: skip
    order_id = await db.fetchval(
        "INSERT INTO orders (tenant_id, session_id, buyer_id, source, status, subtotal_vnd, "
        "total_vnd) VALUES ($1, $2, $3, 'manual', $4, 360000, 360000) RETURNING id",
        shop.tenant_id, shop.session_id, buyer, status,
    )  # fmt: skip
    comment_id = None
    if comment is not None:
        comment_id = await db.fetchval(
            "INSERT INTO comments (tenant_id, platform, channel_external_id, external_id, "
            "channel_id, session_id, author_external_id, author_name, body, commented_at, intent) "
            "VALUES ($1, 'facebook', $2, $3, $4, $5, $6, $7, $8, now(), 'order') RETURNING id",
            shop.tenant_id, shop.page_id, f"sc{n}", shop.channel_id, shop.session_id, f"u{n}",
            name, comment,
        )  # fmt: skip
    await db.execute(
        "INSERT INTO order_items (tenant_id, order_id, product_id, code, qty, unit_price_vnd, "
        "status, source_comment_id) VALUES ($1, $2, $3, 'A01', 2, 180000, 'held', $4)",
        shop.tenant_id, order_id, shop.products["A01"], comment_id,
    )  # fmt: skip
    return int(order_id)


def hidden(html: str, name: str = "csrf") -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def log_in(client: TestClient, login: str, password: str = PASSWORD) -> str:  # type: ignore[type-arg]
    """Log in (dropping any earlier session); returns the session's CSRF token."""
    client.session.cookie_jar.clear()
    form = await client.get("/dang-nhap")
    answer = await client.post(
        "/dang-nhap",
        data={"csrf": hidden(await form.text()), "login": login, "password": password},
    )
    assert answer.status == 200, await answer.text()
    return hidden(await answer.text())
