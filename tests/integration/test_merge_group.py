"""One merge transaction reads and writes all its lives at once (aggregator/orders/merge.py):
whatever the lives share (a page, a buyer, product codes, author ids, a phone), each live must end
exactly as if it had been merged on its own."""

from __future__ import annotations

import dataclasses

import asyncpg
import pytest

from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.store import store_batch
from aggregator.orders.merge import MergeConfig, merge_sessions
from schema.events import CommentEvent
from tests.support.factories import Shop, seed_shop
from tests.support.invariants import assert_consistent

# Per buyer, per live: orders, repeats (per live: the same text in another live is no repeat),
# an add, a cancel of one product, more wanted than the stock, a phone, an unclear "+1".
STORIES = {
    "lan": [["chốt A01 x2", "chốt A01 x2", "thêm 1 N01"], ["chốt A01 x2", "hủy A01"]],
    "minh": [["chốt A01 x3", "sđt em 0912 345 678"], ["chốt A01 x1", "sđt em 0912 345 678"]],
    "hoa": [["+1"], ["chốt N01 x2", "hủy"]],
    "tuan": [["chốt A01 x2"], ["chốt A01 x2", "chốt A01 x2"]],
}


async def _second_live(db: asyncpg.Connection, shop: Shop, stock: dict[str, int]) -> Shop:
    """Another live of the cooperative on the same page: same channel, same buyers' ids."""
    live = await db.fetchval(
        "INSERT INTO lives (tenant_id, title, hold_mode, started_at) "
        "VALUES ($1, 'Live sáng', 'first_comment', now() - interval '1 minute') RETURNING id",
        shop.tenant_id,
    )
    external = f"{shop.live_id}-b"
    session_id = await db.fetchval(
        "INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, live_id, "
        "started_at) VALUES ($1, $2, $3, 'Live sáng', $4, now() - interval '1 minute') "
        "RETURNING id",
        shop.tenant_id, shop.channel_id, external, live,
    )  # fmt: skip
    for code, quantity in stock.items():
        await db.execute(
            "INSERT INTO live_stock (tenant_id, live_id, product_id, quantity) "
            "VALUES ($1, $2, $3, $4)",
            shop.tenant_id, live, shop.products[code], quantity,
        )  # fmt: skip
    return dataclasses.replace(shop, session_id=session_id, live_id=external, live=live)


def _events(first: Shop, second: Shop) -> list[CommentEvent]:
    """The stories, each comment of a buyer in the first live then the same in the second."""
    events = []
    for turn in range(3):
        for buyer, (in_first, in_second) in STORIES.items():
            for shop, texts in ((first, in_first), (second, in_second)):
                if turn < len(texts):
                    events.append(shop.comment(texts[turn], buyer))
    return events


async def _state(db: asyncpg.Connection, shop: Shop) -> dict[str, object]:
    """The live as a buyer and the director see it, by names (not ids)."""
    lines = await db.fetch(
        "SELECT b.external_user_id AS buyer, o.status AS order_status, i.code, i.status, i.qty, "
        "i.unit_price_vnd, p.tenant_id = o.tenant_id AS own_product "
        "FROM orders o JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "JOIN order_items i ON i.order_id = o.id LEFT JOIN products p ON p.id = i.product_id "
        "WHERE o.live_id = $1 AND i.status <> 'removed' ORDER BY 1, 3, 4",
        shop.live,
    )
    orders = await db.fetch(
        "SELECT b.external_user_id AS buyer, o.status, o.total_vnd, o.session_id = $2 AS own "
        "FROM orders o JOIN buyer_identities b ON b.id = o.buyer_identity_id "
        "WHERE o.live_id = $1 ORDER BY 1, 2",
        shop.live, shop.session_id,
    )  # fmt: skip
    stock = await db.fetch(
        "SELECT p.code, s.reserved FROM live_stock s JOIN products p ON p.id = s.product_id "
        "WHERE s.live_id = $1 ORDER BY 1",
        shop.live,
    )
    return {
        "lines": [tuple(r) for r in lines],
        "orders": [tuple(r) for r in orders],
        "stock": [tuple(r) for r in stock],
    }


async def _writers(db: asyncpg.Connection, shops: list[Shop] | tuple[Shop, ...]) -> int:
    """How many transactions wrote these lives' orders: 1 when they merged together (not redone
    live by live after a failure)."""
    return await db.fetchval(
        "SELECT count(DISTINCT xmin::text) FROM orders WHERE live_id = ANY($1)",
        [s.live for s in shops],
    )


async def _pair(db: asyncpg.Connection, slug: str) -> tuple[Shop, Shop]:
    first = await seed_shop(db, stock={"A01": 4}, slug=slug)
    return first, await _second_live(db, first, {"A01": 3})


async def test_two_lives_on_one_page_with_the_same_buyers_and_codes_merge_apart(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    together, alone = await _pair(db, "htx-together"), await _pair(db, "htx-alone")
    for pair in (together, alone):
        await store_batch(pool, CatalogCache(), _events(*pair))
    stats = await merge_sessions(pool, [s.session_id for s in together])
    assert sum(s.comments for s in stats.values()) == 15
    assert await _writers(db, together) == 1
    for shop in alone:  # the reference: each live in its own transaction
        await merge_sessions(pool, [shop.session_id])
    for merged, reference in zip(together, alone, strict=True):
        assert await _state(db, merged) == await _state(db, reference)
    first, second = await _state(db, together[0]), await _state(db, together[1])
    # The stories differ per live, so the comparison is a real one: lan holds 2 in the first
    # live and cancelled in the second; minh and tuan wait in the first and hold in the second.
    assert first["stock"] == [("A01", 2)] and second["stock"] == [("A01", 3)]
    assert [r[0] for r in second["orders"]] == ["minh", "tuan"]
    await assert_consistent(db)


async def test_two_cooperatives_with_the_same_codes_authors_and_phone_in_one_transaction(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shops = [await seed_shop(db, stock={"A01": 4}, slug=f"htx-{i}") for i in range(2)]
    # The second cooperative sells its A01 dearer: each line must take its own cooperative's.
    await db.execute(
        "UPDATE products SET price_vnd = 200000 WHERE tenant_id = $1 AND code = 'A01'",
        shops[1].tenant_id,
    )
    first = ["chốt A01 x2", "sđt em 0912 345 678", "thêm 1 A01"]
    second = ["sđt 0912.345.678", "lấy thêm 1 hộp A01"]  # the same person on another account
    events = [shop.comment(text, "psid-1") for text in first for shop in shops]
    events += [shop.comment(text, "psid-2") for text in second for shop in shops]
    await store_batch(pool, CatalogCache(), events)
    await merge_sessions(pool, [s.session_id for s in shops], MergeConfig())
    assert await _writers(db, shops) == 1
    for shop, price in zip(shops, (180_000, 200_000), strict=True):
        state = await _state(db, shop)
        # psid-1 and psid-2 wrote one phone: one buyer, one order (psid-1's) per cooperative.
        assert state["orders"] == [("psid-1", "awaiting_confirmation", 4 * price, True)]
        assert state["lines"] == [
            ("psid-1", "awaiting_confirmation", "A01", "held", 4, price, True)
        ]
        assert state["stock"] == [("A01", 4)]
        owners = await db.fetch(
            "SELECT id FROM buyers WHERE tenant_id = $1 AND phone = '0912345678'", shop.tenant_id
        )
        assert len(owners) == 1
    await assert_consistent(db)


async def test_a_live_that_fails_while_writing_is_redone_alone_and_holds_back_only_itself(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    """The failure comes after every live's reads, from the one write all the lives share: the
    transaction rolls back whole, then each live merges in its own."""
    shops = [await seed_shop(db, stock={"A01": 5}, slug=f"htx-{i}") for i in range(3)]
    bad = shops[1]
    await db.execute(
        "CREATE FUNCTION test_refuse_lines() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.tenant_id = {bad.tenant_id} THEN RAISE EXCEPTION 'refused'; END IF; "
        "RETURN NEW; END $$"
    )
    await db.execute(
        "CREATE TRIGGER test_refuse_lines BEFORE INSERT ON order_items "
        "FOR EACH ROW EXECUTE FUNCTION test_refuse_lines()"
    )
    texts = ["chốt A01 x2", "lấy 1 hộp nem chua", "giá bao nhiêu"]
    await store_batch(
        pool,
        CatalogCache(),
        [s.comment(t, f"b{i}") for s in shops for i, t in enumerate(texts)],
    )
    with pytest.raises(asyncpg.RaiseError, match="refused"):
        await merge_sessions(pool, [s.session_id for s in shops])
    pending = dict(
        await db.fetch(
            "SELECT session_id, count(*) FROM comments WHERE status = 'pending' GROUP BY 1"
        )
    )
    assert pending == {bad.session_id: 3}
    assert await db.fetchval("SELECT count(*) FROM orders WHERE tenant_id = $1", bad.tenant_id) == 0
    good = [await _state(db, s) for s in (shops[0], shops[2])]
    assert good[0] == good[1] and good[0]["stock"] == [("A01", 2)]
    await assert_consistent(db)
