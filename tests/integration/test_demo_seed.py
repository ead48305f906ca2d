"""The demo cooperative's live, seeded in real Postgres: one stock per variant, variants priced
apart, a picture for every product, a live named with its Vietnam date and time; a second run on
the same data folder reuses the cooperative and opens a new live."""

from __future__ import annotations

import re

import asyncpg

from aggregator.tools.demo.seed import DEFAULT_STOCK, SCARCE, VARIANT_PRICES, seed_demo


async def test_every_variant_has_its_own_stock_and_the_priced_ones_their_price(
    db: asyncpg.Connection,
) -> None:
    first = await seed_demo(db, "run1")
    live = await db.fetchval(
        "SELECT live_id FROM live_sessions WHERE id = $1", next(iter(first.session_ids.values()))
    )
    stock = {
        (r["code"], r["variant"]): r["quantity"]
        for r in await db.fetch(
            "SELECT p.code, st.variant, st.quantity FROM live_stock st "
            "JOIN products p ON p.id = st.product_id WHERE st.live_id = $1",
            live,
        )
    }
    assert stock[("V05", "1kg")] == stock[("V05", "5kg")] == DEFAULT_STOCK
    assert ("V05", "") not in stock and ("M02", "") not in stock  # no pool for "no variant"
    assert stock[("N01", "")] == SCARCE["N01"]
    prices = {
        (r["code"], r["name"]): (r["price_vnd"], r["weight_g"])
        for r in await db.fetch(
            "SELECT p.code, v.name, v.price_vnd, v.weight_g FROM product_variants v "
            "JOIN products p ON p.id = v.product_id WHERE p.tenant_id = $1",
            first.tenant_id,
        )
    }
    for key, priced in VARIANT_PRICES.items():
        assert prices[key] == priced
    assert prices[("V05", "1kg")] == (None, None)  # the product's 45.000 ₫ and 1 kg
    title = await db.fetchval("SELECT title FROM lives WHERE id = $1", live)
    assert re.search(r"\d\d:\d\d \d\d/\d\d", title), title
    photos = await db.fetch(
        "SELECT f.content_type FROM products p LEFT JOIN product_photos f ON f.product_id = p.id "
        "WHERE p.tenant_id = $1",
        first.tenant_id,
    )
    assert photos and all(r["content_type"] == "image/jpeg" for r in photos)  # every product
    again = await seed_demo(db, "run2")
    assert again.tenant_id == first.tenant_id
    assert (
        await db.fetchval("SELECT count(*) FROM lives WHERE tenant_id = $1", first.tenant_id) == 2
    )
