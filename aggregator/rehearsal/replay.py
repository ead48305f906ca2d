"""`chotdon replay`: play a past or recorded live into a rehearsal copy, to train and to test.

The copy is a sandbox live (live_sessions.sandbox) on the cooperative's rehearsal channel, with
the stock of the live it copies (or no stock limits for a file). Real work never sees it: its
orders stay out of the queue, packing, dashboard, reports and tax exports, its buyers are sandbox
buyers that phone numbers never link to real ones, nothing is sent to a buyer and no courier is
booked. The live ends when the replay ends, however it ends.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from arq.connections import ArqRedis

from aggregator.errors import BadInputError, NotFoundError
from aggregator.ingest.pipeline import Ingestor
from aggregator.rehearsal.figures import counts_by_platform, wait_until_merged
from aggregator.rehearsal.player import Target, into_ingestor, play
from aggregator.rehearsal.recording import (
    Recording,
    load_recorded_session,
    load_recording_file,
)
from aggregator.runtime.db import Connection
from schema.enums import HoldMode, Platform
from schema.queries import query

SETTLE_S = 30.0


@dataclass(frozen=True)
class ReplaySource:
    file: Path | None = None
    session_id: int | None = None
    tenant_slug: str | None = None  # for a file: whose catalogue and channel

    @classmethod
    def parse(cls, source: str, tenant_slug: str | None) -> ReplaySource:
        if source.isdecimal():
            return cls(session_id=int(source), tenant_slug=tenant_slug)
        if tenant_slug is None:
            raise BadInputError("replaying a file needs --tenant: whose catalogue to use")
        return cls(file=Path(source), tenant_slug=tenant_slug)


async def _tenant_id(conn: Connection, slug: str) -> int:
    row = await conn.fetchrow(query("tenant_by_slug"), slug)
    if row is None:
        raise NotFoundError(f"no cooperative with slug {slug!r}")
    return int(row["id"])


async def create_rehearsal(
    conn: Connection, tenant_id: int, tenant_slug: str, copy_of: int | None
) -> tuple[int, Target]:
    """A new live on the tenant's rehearsal channel, with the stock of `copy_of` if given."""
    external_id = f"rehearsal-{tenant_slug}"
    channel_id = await conn.fetchval(query("rehearsal_channel"), tenant_id, external_id)
    live_id = f"rehearsal-{uuid.uuid4().hex[:8]}"
    original = await conn.fetchrow(query("session_to_copy"), copy_of) if copy_of else None
    session_id = await conn.fetchval(
        query("create_sandbox_session"),
        tenant_id, channel_id, live_id,
        f"Tập dượt: {original['title']}" if original else "Tập dượt",
        original["hold_mode"] if original else HoldMode.FIRST_COMMENT.value,
        original["promotion"] if original else {},
    )  # fmt: skip
    if copy_of is not None:
        await conn.execute(query("copy_session_stock"), copy_of, session_id)
    return int(session_id), Target(Platform.MANUAL, external_id, live_id)


async def _load(conn: Connection, source: ReplaySource) -> tuple[Recording, int, str]:
    if source.session_id is not None:
        original = await conn.fetchrow(query("session_to_copy"), source.session_id)
        if original is None:
            raise NotFoundError(f"no live session {source.session_id}")
        slug = await conn.fetchval("SELECT slug FROM tenants WHERE id = $1", original["tenant_id"])
        return await load_recorded_session(conn, source.session_id), original["tenant_id"], slug
    assert source.file is not None and source.tenant_slug is not None
    try:
        recording = load_recording_file(source.file)
    except OSError as exc:
        raise BadInputError(f"cannot read {source.file}: {exc}") from exc
    return recording, await _tenant_id(conn, source.tenant_slug), source.tenant_slug


async def replay(
    pool: asyncpg.Pool, arq: ArqRedis, source: ReplaySource, speed: float
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        recording, tenant_id, slug = await _load(conn, source)
        session_id, target = await create_rehearsal(conn, tenant_id, slug, source.session_id)
    started = time.monotonic()
    try:
        async with Ingestor(pool, arq) as ingestor:
            send = into_ingestor(ingestor, {Platform.MANUAL: target}, target.external_live_id or "")
            sent = await play(recording, send, speed=speed)
        await wait_until_merged(pool, [session_id], SETTLE_S)
    finally:  # an interrupted rehearsal ends too: no sandbox live stays on air
        await pool.execute(query("end_sandbox_session"), session_id)
    async with pool.acquire() as conn:
        figures = await counts_by_platform(conn, [session_id])
    return {
        "rehearsal_session": session_id,
        "comments_sent": sent,
        "bad_lines": [{"line": n, "error": e} for n, e in recording.bad_lines],
        "played_s": round(time.monotonic() - started, 1),
        "figures": figures,
    }
