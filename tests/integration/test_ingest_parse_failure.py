"""A comment whose text the parser cannot read is stored as a plain comment: the rest of its
batch is stored and read as usual, and the batch is not failed (and retried for ever) for it."""

from __future__ import annotations

import asyncpg
import pytest

import aggregator.ingest.store as store_module
from aggregator.core.parser import Catalog, parse_comment
from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.store import store_batch
from schema.parsing import ParsedComment
from tests.support.factories import seed_shop

POISON = "chốt A01 văn bản làm hỏng bộ đọc"


def _parser_failing_on_poison(text: str, catalog: Catalog) -> ParsedComment:
    if text == POISON:  # stands for a parser bug on one text (as a run of 5,000 digits once was)
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")
    return parse_comment(text, catalog)


async def test_a_comment_the_parser_fails_on_is_kept_and_its_batch_stored(
    db: asyncpg.Connection, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "parse_comment", _parser_failing_on_poison)
    shop = await seed_shop(db)
    batch = [
        shop.comment("chốt A01 x2", "u1", cid="before"),
        shop.comment(POISON, "u2", cid="poison"),
        shop.comment("chốt A01", "u3", cid="after"),
    ]
    result = await store_batch(pool, CatalogCache(), batch)
    assert (result.stored, result.duplicates) == (3, 0)
    rows = await db.fetch("SELECT external_id, intent, body FROM comments ORDER BY id")
    assert [(r["external_id"], r["intent"]) for r in rows] == [
        ("before", "order"),
        ("poison", "other"),
        ("after", "order"),
    ]
    assert rows[1]["body"] == POISON  # nothing of it is lost
