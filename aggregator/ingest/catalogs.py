"""Each cooperative's compiled catalogue, loaded from Postgres and kept for a few seconds."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import asyncpg

from aggregator.core.parser.catalog import Catalog
from aggregator.db import Connection
from schema.parsing import CatalogProduct
from schema.queries import query

CATALOG_TTL_S = 5.0


@dataclass
class CatalogCache:
    """Compiling a catalogue costs far more than parsing a comment: do it once per TTL."""

    ttl_s: float = CATALOG_TTL_S
    _entries: dict[int, tuple[float, Catalog]] = field(default_factory=dict)

    async def get(self, conn: Connection | asyncpg.Pool, tenant_id: int) -> Catalog:
        cached = self._entries.get(tenant_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        rows = await conn.fetch(query("catalog_products"), tenant_id)
        catalog = Catalog([_product(row) for row in rows])
        self._entries[tenant_id] = (now, catalog)
        return catalog

    def forget(self, tenant_id: int) -> None:
        self._entries.pop(tenant_id, None)


def _product(row: asyncpg.Record) -> CatalogProduct:
    return CatalogProduct(
        code=row["code"],
        name=row["name"],
        aliases=list(row["aliases"]),
        price=row["price_vnd"],
        variants=list(row["variants"]),
    )
