"""What a staff page shows a person, and the checks that it is Vietnamese (issue 20).

`visible_text` keeps what a reader sees or hears: text outside <script>/<style>/<code>, the page
title, and the placeholder, aria-label, title and alt attributes, and button captions. Links in
text are dropped (a buyer's link is a token, not words). `foreign_words` lists what must never
reach a staff screen: snake_case codes, actor codes (system:merge, courier:ghn) and English.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import asyncpg
from aiohttp import web

from tests.support.factories import Shop
from tests.support.sales import seed_sales

SKIPPED = {"script", "style", "code"}
SPOKEN = ("placeholder", "aria-label", "title", "alt")
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
ACTOR_CODE = re.compile(r"\b(?:system|courier|staff|buyer|cli):[a-z]", re.IGNORECASE)
URL = re.compile(r"https?://\S+|/o/\S+")
# English words that are not also Vietnamese words (so not "in", "to", "do", "me", "live").
ENGLISH = frozenset(
    {
        "the",
        "and",
        "of",
        "from",
        "with",
        "for",
        "order",
        "orders",
        "created",
        "status",
        "pending",
        "confirmed",
        "packed",
        "shipped",
        "delivered",
        "cancelled",
        "canceled",
        "expired",
        "returned",
        "buyer",
        "comment",
        "comments",
        "by",
        "not",
        "found",
        "error",
        "none",
        "null",
        "true",
        "false",
        "relay",
        "system",
        "merge",
        "merged",
        "courier",
        "payment",
        "paid",
        "items",
        "changed",
        "added",
        "reason",
        "unknown",
        "staff",
        "packer",
        "director",
        "stock",
        "shipping",
        "claimed",
        "packing",
        "transfer",
        "bank",
        "draft",
        "sent",
        "failed",
        "skipped",
        "summary",
        "reminder",
        "unmatched",
        "partial",
        "overpaid",
        "matched",
        "internal",
        "server",
        "forbidden",
        "method",
        "allowed",
        "request",
    }
)
WORD = re.compile(r"[A-Za-z]+")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        named = dict(attrs)
        self.parts.extend(named[a] or "" for a in SPOKEN if named.get(a))
        if tag == "input" and named.get("type") in {"submit", "button"}:
            self.parts.append(named.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return URL.sub(" ", " ".join(" ".join(parser.parts).split()))


def foreign_words(text: str) -> list[str]:
    """Codes and English words in `text`, each once, in order of appearance."""
    found = SNAKE.findall(text) + ACTOR_CODE.findall(text)
    found += [w for w in WORD.findall(text) if w.lower() in ENGLISH]
    return list(dict.fromkeys(found))


async def rich_shop(db: asyncpg.Connection) -> Shop:
    """The report tests' orders in every status (shipments, a TikTok live, March 2026), plus the
    history the issue saw in English: the merge's and the courier's events, a buyer's change."""
    shop = await seed_sales(db)
    # this shop's own orders: another shop's may be in the database (an order's events carry its
    # cooperative, and the composite keys of 0035 refuse an event naming another's order)
    orders = [
        r["id"]
        for r in await db.fetch(
            "SELECT id FROM orders WHERE tenant_id = $1 ORDER BY id", shop.tenant_id
        )
    ]
    # a buyer's return of a delivered order, so the return page is walked too
    await db.execute(
        "INSERT INTO returns (tenant_id, order_id, cause, status) SELECT tenant_id, id, "
        "'spoiled', 'requested' FROM orders WHERE status = 'delivered' ORDER BY id LIMIT 1"
    )
    # wide figures, as a good live makes them: nine-digit totals must fit a 360 px phone too
    await db.execute(
        "UPDATE orders SET subtotal_vnd = 123456000, total_vnd = 123456000 "
        "WHERE id = (SELECT min(id) FROM orders WHERE status = 'delivered')"
    )
    events = [
        ("system:merge", "status", None, "awaiting_confirmation", "order from comments"),
        ("system:merge", "items_changed", None, None, "buyer changed a confirmed order"),
        ("buyer:order_page", "status", "awaiting_confirmation", "confirmed",
         "buyer changed quantities"),
        ("courier:ghn", "status", "packed", "shipped", "delivering "),
        ("courier:ghtk", "status", "shipped", "delivered", "5 Đã giao"),
        ("system:payments", "payment_received", None, None, "bank transfer partial"),
        ("system:tiktok", "status", "confirmed", "packing", "TikTok's carrier"),
        ("cli", "cod_reconciled", None, None, ""),
    ]  # fmt: skip
    for order_id in orders:
        for actor, kind, before, after, reason in events:
            await db.execute(
                "INSERT INTO order_events (tenant_id, order_id, actor, kind, from_status, "
                "to_status, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                shop.tenant_id, order_id, actor, kind, before, after, reason,
            )  # fmt: skip
    return shop


# GET routes that are not pages a person reads: files, streams, machine endpoints, buyer pages.
NOT_PAGES = re.compile(
    r"\.(pdf|csv|png|ico|json|xml|webmanifest)$"
    r"|^/(api|webhooks|relay|static|healthz|metrics|o|su-kien)\b"
    r"|/su-kien$|/anh$|/nhan-van-chuyen$|^/$"
    r"|^/thiet-lap$"  # the first-run page exists only on an empty installation (its own tests)
)


def page_routes(app: web.Application) -> list[str]:
    paths = set()
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter") or ""
        methods = {route.method for route in resource}
        if "GET" in methods and path and not NOT_PAGES.search(path):
            paths.add(path)
    return sorted(paths)


async def ids(db: asyncpg.Connection, tenant_id: int) -> dict[str, list[int]]:
    """Ids to open each page with an {id}: every order of the cooperative (every status)."""
    orders = [
        r["id"] for r in await db.fetch("SELECT id FROM orders WHERE tenant_id = $1 ORDER BY id",
                                        tenant_id)
    ]  # fmt: skip
    packing = await db.fetchval(
        "SELECT id FROM orders WHERE status = 'confirmed' AND tenant_id = $1 ORDER BY id",
        tenant_id,
    )
    lives = await db.fetch("SELECT id FROM lives WHERE tenant_id = $1 ORDER BY id", tenant_id)
    products = await db.fetch(
        "SELECT id FROM products WHERE tenant_id = $1 ORDER BY id LIMIT 2", tenant_id
    )
    returns = await db.fetch("SELECT id FROM returns WHERE tenant_id = $1 ORDER BY id", tenant_id)
    return {
        "/don/{id}": orders,
        "/dong-goi/{id}": [packing],
        "/phien-live/{id}": [r["id"] for r in lives],
        "/phien-live/{id}/tra-loi-tu-dong": [r["id"] for r in lives],
        "/san-pham/{id}": [r["id"] for r in products],
        "/san-pham/{id}/nguon-goc": [r["id"] for r in products],
        "/doi-tra/{id}": [r["id"] for r in returns],
    }


# Pages with a query that shows more: the reports over the fixture's March days.
WITH_QUERY = ["/bao-cao?tu=2026-03-01&den=2026-03-02", "/don?status=delivered"]
