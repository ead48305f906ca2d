"""Tenant isolation, walked over the router: a staff member of cooperative B requests every staff
route (found on app.router, so routes added later are covered too) with cooperative A's ids — in
the path, the query string and the form (with B's valid CSRF token) — and gets 404/403 wherever
an id of A is in the path, never sees any of A's data in an answer, and changes none of A's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from aggregator.settings import Settings
from aggregator.web.app import create_app
from aggregator.web.staff_reports import KINDS as REPORT_KINDS
from aggregator.web.staff_unclear import KINDS as UNCLEAR_KINDS
from schema.enums import StaffRole
from tests.support.factories import Shop, seed_shop
from tests.support.staff import add_order, add_staff, log_in

Client = TestClient[Any, Any]
A_NAME, A_PHONE = "Bùi Thị Bí Mật", "0978111222"
A_COMMENT, A_LIVE = "chốt A01 giao Hải Phòng bí mật", "Live bí mật của HTX A"
A_CHANNEL = "Kênh riêng HTX A"
# Field names of every staff form, given A's ids (or A's buyer phone).
ID_FIELDS = ("id", "order", "merge", "product", "channel", "live", "session", "template", "item",
             "comment", "buyer", "payment", "shipment", "target", "other")  # fmt: skip
STATUS_FOR_A_PATH = {403, 404}


@dataclass(frozen=True)
class CoopA:
    shop: Shop
    ids: list[int]  # every id of A's rows worth guessing
    markers: list[str]  # text of A's that must never reach B


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def _seed_a(db: asyncpg.Connection) -> CoopA:
    shop = await seed_shop(db, slug="htx-a")
    await db.execute("UPDATE live_sessions SET title = $1 WHERE id = $2", A_LIVE, shop.session_id)
    await db.execute("UPDATE channels SET name = $1 WHERE id = $2", A_CHANNEL, shop.channel_id)
    orders = [
        await add_order(db, shop, status=status, name=A_NAME, phone=phone, comment=A_COMMENT)
        for status, phone in (("awaiting_confirmation", A_PHONE), ("confirmed", None),
                              ("packing", None), ("packed", None), ("needs_address", None))
    ]  # fmt: skip
    await db.execute(
        "INSERT INTO payments (tenant_id, transaction_id, amount_vnd, content, status) "
        "VALUES ($1, 'FT-A-1', 100000, $2, 'unmatched')", shop.tenant_id, A_COMMENT,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO blocked_phones (tenant_id, phone, reason, blocked_by) "
        "VALUES ($1, $2, 'bom hàng', 'director')", shop.tenant_id, A_PHONE,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO keyword_templates (tenant_id, name, keywords) VALUES ($1, $2, '{}')",
        shop.tenant_id, A_LIVE,
    )  # fmt: skip
    ids: set[int] = set()
    for table in ("orders", "order_items", "comments", "buyers", "products", "live_sessions",
                  "channels", "payments", "keyword_templates", "staff"):  # fmt: skip
        rows = await db.fetch(f"SELECT id FROM {table} WHERE tenant_id = $1", shop.tenant_id)
        ids |= {r["id"] for r in rows}
    order_nos = await db.fetch("SELECT order_no FROM orders WHERE id = ANY($1)", orders)
    # Not A's phone: B may type it in a form (blocking it in B's own list shows it back to B).
    markers = [A_NAME, A_COMMENT, A_LIVE, A_CHANNEL, *(r["order_no"] for r in order_nos)]
    return CoopA(shop, sorted(ids), markers)


async def _move_sequences_past_a(db: asyncpg.Connection) -> None:
    """B's rows get ids no row of A has, so an id of A in a URL can only mean A's row."""
    for row in await db.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"):
        await db.execute("SELECT setval($1, 100000)", row["sequencename"])


async def _snapshot(db: asyncpg.Connection, tenant_id: int) -> dict[str, list[str]]:
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY 1"
    )
    return {
        t["table_name"]: [
            r[0]
            for r in await db.fetch(
                f"SELECT x::text FROM {t['table_name']} x WHERE tenant_id = $1 ORDER BY 1",
                tenant_id,
            )
        ]
        for t in tables
    }


def _staff_routes(client: Client) -> list[tuple[str, str]]:
    """(method, path pattern) of every GET/POST route, except the public ones (checked below:
    the staff guard redirects them to the login page, so they are staff routes)."""
    found = []
    for route in client.server.app.router.routes():
        resource = route.resource
        if route.method in {"GET", "POST"} and resource is not None:
            found.append((route.method, resource.canonical))
    return found


def _fill(pattern: str, ids: list[int]) -> list[tuple[str, bool]]:
    """Concrete paths for a pattern: (path, has an id of A in it)."""
    names = re.findall(r"\{([^}]+)\}", pattern)
    if not names:
        return [(pattern, False)]
    choices = []
    for name in names:
        if name == "kind":
            choices.append([(k, False) for k in (*REPORT_KINDS, *UNCLEAR_KINDS)])
        else:
            choices.append([(str(i), True) for i in ids])
    paths = []
    for combo in itertools.product(*choices):
        path = pattern
        for name, (value, _) in zip(names, combo, strict=True):
            path = path.replace("{" + name + "}", value, 1)
        paths.append((path, any(is_a for _, is_a in combo)))
    return paths


async def _body(response: Any) -> str:
    if response.content_type == "text/event-stream":  # the dashboard's stream: first event only
        try:
            chunk = await asyncio.wait_for(response.content.readany(), 3)
        except TimeoutError:
            chunk = b""
        response.close()
        return chunk.decode("utf-8", "replace")
    return (await response.read()).decode("utf-8", "replace")


async def _is_staff_route(client: Client, method: str, path: str) -> bool:
    client.session.cookie_jar.clear()
    call = client.get if method == "GET" else client.post
    async with call(path, allow_redirects=False) as answer:
        return answer.status == 303 and answer.headers.get("Location") == "/dang-nhap"


@pytest.mark.parametrize("role", [StaffRole.DIRECTOR, StaffRole.STAFF])
async def test_staff_of_another_cooperative_reach_nothing_of_a_by_any_url(
    client: Client, db: asyncpg.Connection, role: StaffRole
) -> None:
    a = await _seed_a(db)
    await _move_sequences_past_a(db)
    b = await seed_shop(db, slug="htx-b")
    await add_order(db, b, status="confirmed", name="Khách của B")
    _, login = await add_staff(db, b.tenant_id, role)
    before = await _snapshot(db, a.shop.tenant_id)

    staff_paths = []
    for method, pattern in _staff_routes(client):
        probe = _fill(pattern, [a.ids[0]])[0][0]
        if await _is_staff_route(client, method, probe):
            staff_paths.append((method, pattern))
    assert len(staff_paths) >= 20  # the walk found the staff app, not an empty router

    csrf = await log_in(client, login)
    form = {"csrf": csrf, **{f: str(a.ids[0]) for f in ID_FIELDS}, "phone": A_PHONE,
            "barcode": a.markers[-1], "qty": "1", "reason": "thử"}  # fmt: skip
    # A search for part of A's buyer's name: an answer listing them would show the full name.
    query = {"live": a.shop.session_id, "q": "Bí Mật", "id": a.ids[0], "order": a.ids[0]}
    walked = 0
    for method, pattern in staff_paths:
        if pattern == "/dang-xuat":  # ends B's own session; nothing of A's to reach
            continue
        for path, a_in_path in _fill(pattern, a.ids):
            if method == "GET":
                response = await client.get(path, params=query, allow_redirects=False)
            else:
                response = await client.post(path, data=form, allow_redirects=False)
            async with response:
                text = await _body(response)
            walked += 1
            where = f"{method} {path} as {role.value} -> {response.status}"
            assert response.status < 500, where
            if a_in_path and response.status == 303:  # e.g. a form refused before any lookup
                target = response.headers["Location"]
                async with client.get(target, allow_redirects=False) as followed:
                    text += await _body(followed)
                    where += f" -> {target} -> {followed.status}"
                    assert followed.status in STATUS_FOR_A_PATH, where
            elif a_in_path:
                assert response.status in STATUS_FOR_A_PATH, where
            leaked = [m for m in a.markers if m in text]
            assert not leaked, (where, leaked)
    assert await _snapshot(db, a.shop.tenant_id) == before
    assert walked > len(staff_paths)
