"""Edits and removals of stored comments: the buyer changed "chốt A01 x2" to "chốt A01 x3".

The new text is read against the same catalogue (and live keywords) as a new comment, then written
over the stored one in one statement (revise_comments) that skips a revision older than the last
one applied or one that changes nothing, so a retried webhook changes nothing twice. A comment the
merge already applied goes back to 'pending' with what it said then, and a merge job is enqueued
for its live: the merge recomputes that buyer's lines (aggregator.orders.merge).

A revision of a comment never stored is not lost either: the platform's edit carries the whole new
text, and the caller hands it to the ingest as a new comment before revising.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.core.parser import parse_comment
from aggregator.ingest.catalogs import CatalogCache
from aggregator.ingest.merge_jobs import enqueue_merges
from aggregator.runtime.db import Connection
from schema.enums import Platform
from schema.events import MAX_COMMENT_CHARS, storable
from schema.parsing import ParsedComment
from schema.queries import query

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class Revision:
    platform: Platform
    channel_external_id: str
    external_id: str
    text: str | None  # the new text; None when the author removed the comment
    at: datetime  # the platform's time of the revision: an older one never overwrites a newer


@dataclass(frozen=True, slots=True)
class _Reading:
    body: str | None
    parsed: ParsedComment | None


async def _readings(
    conn: Connection, catalogs: CatalogCache, rows: Sequence[asyncpg.Record],
    texts: dict[tuple[str, str], Revision],
) -> list[_Reading]:  # fmt: skip
    readings = []
    for row in rows:
        text = texts[(row["channel_external_id"], row["external_id"])].text
        if text is None or row["tenant_id"] is None:  # removed, or orphaned: nothing to read
            body = None if text is None else storable(text)[:MAX_COMMENT_CHARS]
            readings.append(_Reading(body, None))
            continue
        body = storable(text)[:MAX_COMMENT_CHARS]
        catalog = await catalogs.get(conn, row["tenant_id"], row["keywords"] or None)
        readings.append(_Reading(body, parse_comment(body, catalog)))
    return readings


async def revise_comments(
    pool: asyncpg.Pool, arq: ArqRedis, catalogs: CatalogCache, revisions: Sequence[Revision]
) -> int:
    """Apply edits and removals to the stored comments; returns how many comments changed."""
    newest: dict[tuple[str, str], Revision] = {}
    for revision in revisions:  # one platform's revisions, several of one comment: the newest
        key = (revision.channel_external_id, revision.external_id)
        if key not in newest or newest[key].at < revision.at:
            newest[key] = revision
    if not newest:
        return 0
    platform = next(iter(newest.values())).platform
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            query("comments_to_revise"), platform.value,
            [k[0] for k in newest], [k[1] for k in newest],
        )  # fmt: skip
        readings = await _readings(conn, catalogs, rows, newest)
        changed = await conn.fetch(
            query("revise_comments"),
            [r["id"] for r in rows],
            [x.body for x in readings],
            [x.parsed.intent.value if x.parsed else None for x in readings],
            [x.parsed.model_dump(mode="json") if x.parsed else None for x in readings],
            [x.parsed.phone if x.parsed else None for x in readings],
            [newest[(r["channel_external_id"], r["external_id"])].at for r in rows],
        )
    sessions = {r["session_id"] for r in changed if r["status"] == "pending" and r["session_id"]}
    if sessions:
        await enqueue_merges(arq, sessions)
    if changed:
        log.info("ingest.comments_revised", revised=len(changed), sessions=len(sessions))
    return len(changed)
