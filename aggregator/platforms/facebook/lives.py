"""Live sessions of Facebook Pages: created when a live starts, ended when it stops."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog

from aggregator.platforms.facebook.pages import PageRef
from schema.queries import query

log = structlog.get_logger()
ON_AIR = frozenset({"live"})
OFF_AIR = frozenset({"live_stopped", "vod", "processing", "unpublished"})


async def start_live(
    pool: asyncpg.Pool,
    page: PageRef,
    live_id: str,
    *,
    title: str = "",
    started_at: datetime | None = None,
    video_id: str | None = None,
) -> int | None:
    """Create the session once (None when it already ended: a late 'live' changes nothing)."""
    session_id: int | None = await pool.fetchval(
        query("upsert_facebook_live"),
        page.tenant_id,
        page.channel_id,
        live_id,
        title,
        started_at,
        video_id,
    )
    if session_id is not None:
        log.debug("facebook.live_on_air", page_id=page.page_id, live_id=live_id)
    return session_id


async def end_live(pool: asyncpg.Pool, page: PageRef, live_id: str) -> bool:
    ended = await pool.fetchval(query("end_facebook_live"), page.channel_id, live_id)
    if ended is not None:
        log.info("facebook.live_ended", page_id=page.page_id, live_id=live_id, session_id=ended)
    return ended is not None


async def apply_live_status(pool: asyncpg.Pool, page: PageRef, live_id: str, status: str) -> None:
    """A live_videos status (webhook or listing) moves the session; other statuses are ignored."""
    status = status.lower()
    if status in ON_AIR:
        await start_live(pool, page, live_id)
    elif status in OFF_AIR:
        await end_live(pool, page, live_id)
