"""Demo batches and certificates (taxorigin): each demo product gets a batch harvested a few
weeks ago and its certificates, so the demo's lives draw stock from batches, the buyer page links
an origin page and the slips carry an origin QR. Called once when the demo cooperative is made."""

from __future__ import annotations

from datetime import date, timedelta

from aggregator.core.origin import public_code
from aggregator.runtime.db import Connection
from schema.queries import query

BATCH_QUANTITY = 20_000  # enough for many demo runs (ended lives keep only what they sold)
SHELF_LIFE_DAYS = {"N01": 10}  # nem chua keeps days, rice and honey months
VIETGAP = {"A01": "VietGAP-TT-14-01-0123"}


async def seed_origin(conn: Connection, tenant_id: int, today: date | None = None) -> None:
    day = today or date.today()
    products = await conn.fetch(
        "SELECT id, code, variants, ocop_stars, origin_province FROM products "
        "WHERE tenant_id = $1 ORDER BY code",
        tenant_id,
    )
    for p in products:
        packed = day - timedelta(days=5 if p["code"] == "N01" else 15)
        expires = packed + timedelta(days=SHELF_LIFE_DAYS.get(p["code"], 365))
        for variant in [*p["variants"]] or [""]:
            await conn.execute(
                query("add_batch"), tenant_id, p["id"], variant,
                f"L{packed:%Y%m%d}-{p['code']}", public_code(), packed - timedelta(days=3),
                packed, expires, BATCH_QUANTITY, p["origin_province"] or "", "",
            )  # fmt: skip
        if p["ocop_stars"]:
            await conn.execute(
                query("add_certificate"), tenant_id, p["id"], "ocop", f"OCOP-{p['code']}-2025",
                "UBND tỉnh", p["ocop_stars"], date(2025, 6, 1), date(2028, 6, 1), None, None, None,
            )  # fmt: skip
        if p["code"] in VIETGAP:
            await conn.execute(
                query("add_certificate"), tenant_id, p["id"], "vietgap", VIETGAP[p["code"]],
                "Trung tâm chứng nhận VietGAP", None, date(2025, 3, 1), date(2027, 3, 1),
                None, None, None,
            )  # fmt: skip
