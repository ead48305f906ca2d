"""Each cooperative's compiled catalogue, loaded from Postgres and kept for a few seconds.

A live started with keyword templates reads its comments against the catalogue plus its own
keywords (aggregator.core.keywords.with_keywords); those catalogues are cached alongside.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
import orjson

from aggregator.core.keywords import with_keywords
from aggregator.core.parser.catalog import Catalog
from aggregator.runtime.db import Connection
from schema.parsing import CatalogProduct
from schema.queries import query

CATALOG_TTL_S = 5.0


@dataclass
class CatalogCache:
    """Compiling a catalogue costs far more than parsing a comment: do it once per TTL."""

    ttl_s: float = CATALOG_TTL_S
    _entries: dict[int, tuple[float, Catalog]] = field(default_factory=dict)
    _products: dict[int, list[CatalogProduct]] = field(default_factory=dict)
    _with_keywords: dict[tuple[int, bytes], Catalog] = field(default_factory=dict)

    async def get(
        self,
        conn: Connection | asyncpg.Pool,
        tenant_id: int,
        keywords: Mapping[str, Sequence[str]] | None = None,
    ) -> Catalog:
        """The tenant's catalogue, or with a live's extra keywords when it has some."""
        cached = self._entries.get(tenant_id)
        now = time.monotonic()
        if cached is None or now - cached[0] >= self.ttl_s:
            rows = await conn.fetch(query("catalog_products"), tenant_id)
            products = [_product(row) for row in rows]
            if cached is not None and products == self._products.get(tenant_id):
                cached = (now, cached[1])  # unchanged: keep what was compiled (the costly part)
            else:
                cached = (now, Catalog(products))
                self._products[tenant_id] = products
                for key in [k for k in self._with_keywords if k[0] == tenant_id]:
                    del self._with_keywords[key]
            self._entries[tenant_id] = cached
        if not keywords:
            return cached[1]
        key = (tenant_id, orjson.dumps(keywords, option=orjson.OPT_SORT_KEYS))
        catalog = self._with_keywords.get(key)
        if catalog is None:
            catalog = Catalog(with_keywords(self._products[tenant_id], keywords))
            self._with_keywords[key] = catalog
        return catalog


def _product(row: asyncpg.Record) -> CatalogProduct:
    return CatalogProduct(
        code=row["code"],
        name=row["name"],
        aliases=list(row["aliases"]),
        price=row["price_vnd"],
        variants=list(row["variants"]),
    )
