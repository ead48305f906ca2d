"""Follow one live: its SSE stream for speed, the comments edge every few seconds for gaps.

The stream hands comments to the ingest queue without waiting (speed); the poller stores what it
read and waits for the commit (`Ingestor.store`). Only then does the resume point
(live_sessions.last_comment_at) move to the newest comment of that poll, so a Postgres outage or a
kill -9 with a backlog in the queue cannot lose a comment: whatever the queue lost, the next poll
(or the restarted follower, from the resume point minus an overlap) reads and stores again. The
poller skips only ids it knows are committed, never ids the stream merely queued; the database's
unique key makes storing twice harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import asyncpg
import structlog
from arq.connections import ArqRedis
from redis.exceptions import RedisError

from aggregator.core.parser import find_phone
from aggregator.errors import ServiceUnavailableError
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.facebook import outbound
from aggregator.platforms.facebook.pages import PageRef
from aggregator.runtime.db import CONNECTION_LOST
from aggregator.settings import Settings
from connectors.errors import RateLimitedError, TransportError
from connectors.facebook.graph import GraphClient
from connectors.facebook.models import GraphComment
from connectors.facebook.stream import follow_stream, poll_since
from schema.queries import query

log = structlog.get_logger()
SEEN_MAX = 200_000
MAX_BACKOFF_S = 5.0
# What a poll may meet when Postgres or Redis drops its connection: the resume point stays put and
# the next poll reads the same comments again (storing twice is harmless).
STORE_LOST = (ServiceUnavailableError, RedisError, *CONNECTION_LOST)
CATCH_UP_ATTEMPTS = 6  # 0.2 s doubling: ~12 s of outage before a live's end is put off


@dataclass(frozen=True, slots=True)
class PullConfig:
    graph_url: str
    streaming_url: str
    comment_rate: str = "one_hundred_per_second"
    poll_interval_s: float = 3.0
    discover_interval_s: float = 15.0
    overlap_s: float = 2.0
    page_limit: int = 100
    min_backoff_s: float = 0.2

    @classmethod
    def from_settings(cls, settings: Settings) -> PullConfig:
        return cls(
            graph_url=settings.facebook_graph_url,
            streaming_url=settings.facebook_streaming_url,
            comment_rate=settings.facebook_comment_rate,
            poll_interval_s=settings.facebook_poll_interval_s,
            discover_interval_s=settings.facebook_discover_interval_s,
        )


@dataclass(frozen=True, slots=True)
class Wiring:
    """What every follower shares: pools, the ingest queue, HTTP, the Graph client, settings."""

    pool: asyncpg.Pool
    arq: ArqRedis
    ingestor: Ingestor
    http: aiohttp.ClientSession
    graph: GraphClient
    config: PullConfig


class LiveFollower:
    def __init__(
        self, wiring: Wiring, page: PageRef, token: str, session_id: int, live_id: str
    ) -> None:
        self.w, self.page, self.token = wiring, page, token
        self.session_id, self.live_id = session_id, live_id
        self.watermark: datetime | None = None
        self.resumed_from: datetime | None = None
        self._seen: dict[str, None] = {}  # queued by the stream (maybe not stored yet)
        self._stored: dict[str, None] = {}  # committed through a poll's store
        self.submitted = 0
        self._resumed = False  # the resume point was read from Postgres
        self.caught_up = False  # the last poll, after the stream stopped, stored everything

    def __repr__(self) -> str:
        return f"LiveFollower(live_id={self.live_id!r}, session_id={self.session_id})"

    async def run(self, stop: asyncio.Event) -> None:
        if not await self._resume(stop):
            return
        config = self.w.config
        stream = asyncio.create_task(
            follow_stream(
                self.w.http,
                config.streaming_url,
                self.live_id,
                self.token,
                config.comment_rate,
                self._take,
                min_backoff_s=config.min_backoff_s,
            )
        )
        try:
            while not stop.is_set():
                await self._poll_safely()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), config.poll_interval_s)
        finally:
            stream.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stream
        self.caught_up = await self.catch_up()  # the tail the stream may have dropped
        await self.w.ingestor.drain()
        log.info("facebook.follow_stopped", live_id=self.live_id, submitted=self.submitted,
                 caught_up=self.caught_up)  # fmt: skip

    async def _resume(self, stop: asyncio.Event) -> bool:
        """Read the resume point, retrying through a Postgres outage; False if stopped first."""
        delay = self.w.config.min_backoff_s
        while True:
            try:
                await self._load_resume_point()
            except STORE_LOST as exc:
                log.warning("facebook.resume_retry", live_id=self.live_id, error=str(exc))
                if stop.is_set():
                    return False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(MAX_BACKOFF_S, delay * 2)
                continue
            log.info("facebook.follow_started", live_id=self.live_id, resume_at=str(self.watermark))
            return True

    async def _load_resume_point(self) -> None:
        resume_at = await self.w.pool.fetchval(query("facebook_resume_point"), self.session_id)
        self.watermark = self.resumed_from = resume_at
        self._resumed = True

    async def catch_up(self) -> bool:
        """Read the comments edge from the resume point and store what is new, retrying through
        an outage; True once stored. A live whose end is seen while no follower ran (the puller
        was down) is caught up this way before its session ends, or its tail is never read."""
        delay = self.w.config.min_backoff_s
        for attempt in range(1, CATCH_UP_ATTEMPTS + 1):
            try:
                if not self._resumed:
                    await self._load_resume_point()
                await self._poll()
                return True
            except (RateLimitedError, TransportError, *STORE_LOST) as exc:
                log.warning("facebook.catch_up_retry", live_id=self.live_id, attempt=attempt,
                            error=str(exc))  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(MAX_BACKOFF_S, delay * 2)
        return False

    async def _take(self, comment: GraphComment) -> None:
        """From the stream: queued, not awaited; the poller makes sure it is stored."""
        if not _remember(self._seen, comment.id):
            return
        self.submitted += 1
        await self.w.ingestor.submit(comment.event(self.page.page_id, self.live_id))
        try:
            await self._hide_phone(comment)
        except STORE_LOST as exc:  # the poll meets it again and queues the hiding then
            del self._seen[comment.id]
            self.submitted -= 1
            log.warning("facebook.hide_not_queued", live_id=self.live_id, error=str(exc))

    async def _hide_phone(self, comment: GraphComment) -> None:
        if self.page.hide_phone_comments and find_phone(comment.message):
            await outbound.queue_hide_comment(self.w.pool, self.w.arq, self.page, comment.id)

    async def _poll_safely(self) -> None:
        try:
            await self._poll()
        except (RateLimitedError, TransportError) as exc:
            log.warning("facebook.poll_failed", live_id=self.live_id, error=str(exc))
        except STORE_LOST as exc:  # resume point stays put
            log.warning("facebook.poll_not_stored", live_id=self.live_id, error=str(exc))

    async def _poll(self) -> None:
        overlap = timedelta(seconds=self.w.config.overlap_s)
        since = self.watermark - overlap if self.watermark is not None else None
        comments = await poll_since(
            self.w.graph, self.live_id, self.token, since, page_limit=self.w.config.page_limit
        )
        fresh = [c for c in reversed(comments) if c.id not in self._stored]  # oldest first
        await self.w.ingestor.store([c.event(self.page.page_id, self.live_id) for c in fresh])
        for comment in fresh:  # committed now
            _remember(self._stored, comment.id)
            if _remember(self._seen, comment.id):
                self.submitted += 1
                await self._hide_phone(comment)
        if comments:
            newest = max(c.created_time for c in comments)
            self.watermark = max(newest, self.watermark) if self.watermark else newest
            await self._save(self.watermark)

    async def _save(self, covered: datetime | None) -> None:
        if covered is not None:
            await self.w.pool.execute(query("set_facebook_resume_point"), self.session_id, covered)


def _remember(ids: dict[str, None], comment_id: str) -> bool:
    """Add to a bounded insertion-ordered set; False when it was already there."""
    if comment_id in ids:
        return False
    ids[comment_id] = None
    if len(ids) > SEEN_MAX:
        del ids[next(iter(ids))]
    return True
