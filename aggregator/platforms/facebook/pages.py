"""Connected Pages and known lives, cached briefly so the webhook hot path rarely asks Postgres."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from schema.queries import query

HIDE_PHONES_SETTING = "hide_phone_comments"
PAGES_TTL_S = 5.0
LIVE_MISS_TTL_S = 2.0


@dataclass(frozen=True, slots=True)
class PageRef:
    channel_id: int
    tenant_id: int
    page_id: str
    name: str
    active: bool
    hide_phone_comments: bool
    credentials_encrypted: bytes | None


def page_ref(row: Any) -> PageRef:
    settings = row["settings"] or {}
    return PageRef(
        channel_id=row["id"],
        tenant_id=row["tenant_id"],
        page_id=row["external_id"],
        name=row["name"],
        active=row["status"] == "active",
        hide_phone_comments=bool(settings.get(HIDE_PHONES_SETTING, True)),
        credentials_encrypted=row["credentials_encrypted"],
    )


async def load_pages(pool: asyncpg.Pool) -> dict[str, PageRef]:
    rows = await pool.fetch(query("facebook_pages"))
    return {row["external_id"]: page_ref(row) for row in rows}


class PageDirectory:
    """Page id → PageRef, reloaded at most every PAGES_TTL_S (a new Page waits at most that)."""

    def __init__(self, pool: asyncpg.Pool, ttl_s: float = PAGES_TTL_S) -> None:
        self.pool, self.ttl_s = pool, ttl_s
        self._pages: dict[str, PageRef] = {}
        self._loaded_at = float("-inf")
        self._loading: asyncio.Future[None] | None = None

    async def known(self, page_ids: Iterable[str]) -> dict[str, PageRef]:
        wanted = set(page_ids)
        now = time.monotonic()
        stale = now - self._loaded_at > self.ttl_s
        if stale or (not wanted <= self._pages.keys() and now - self._loaded_at > 0.2):
            await self._reload(now)
        return {p: self._pages[p] for p in wanted if p in self._pages}

    async def _reload(self, now: float) -> None:
        """One load at a time: the requests that find the directory stale while a load is on
        its way wait for that one (64 requests in flight made 64 identical queries each time
        the TTL ran out, taking pool connections from the delivery writer)."""
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load(now))
        loading = self._loading
        await asyncio.shield(loading)

    async def _load(self, now: float) -> None:
        try:
            self._pages = await load_pages(self.pool)
            self._loaded_at = now
        finally:
            self._loading = None


class LiveIndex:
    """(channel, post or video id) → live video id; misses are re-asked after LIVE_MISS_TTL_S."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._hits: dict[tuple[int, str], str] = {}
        self._misses: dict[tuple[int, str], float] = {}

    async def lives_for_posts(self, channel_id: int, post_ids: Iterable[str]) -> dict[str, str]:
        now = time.monotonic()
        found: dict[str, str] = {}
        ask: set[str] = set()
        for post_id in set(post_ids):
            key = (channel_id, post_id)
            if key in self._hits:
                found[post_id] = self._hits[key]
            elif now - self._misses.get(key, float("-inf")) > LIVE_MISS_TTL_S:
                ask.add(post_id)
        if ask:
            found.update(await self._ask(channel_id, ask, now))
        return found

    async def _ask(self, channel_id: int, post_ids: set[str], now: float) -> dict[str, str]:
        candidates = {c: p for p in post_ids for c in post_candidates(p)}
        rows = await self.pool.fetch(query("facebook_lives_by_post"), channel_id, list(candidates))
        found = {candidates[r["candidate"]]: r["external_live_id"] for r in rows}
        for post_id in post_ids:
            key = (channel_id, post_id)
            if post_id in found:
                self._hits[key] = found[post_id]
            else:
                self._misses[key] = now
        return found


def post_candidates(post_id: str) -> list[str]:
    """A feed post id is `<page id>_<object id>`; the object is the live's video (or the live)."""
    tail = post_id.rsplit("_", 1)[-1]
    return [post_id] if tail == post_id else [post_id, tail]
