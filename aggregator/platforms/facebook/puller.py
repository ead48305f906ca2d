"""`chotdon facebook-pull`: discover the lives of every connected Page and follow each one.

Discovery lists GET /{page-id}/live_videos every few seconds (the live_videos webhook creates and
ends sessions too); the set of sessions on air in Postgres decides which lives are followed, so
both sources agree. When a live leaves the air its follower makes a last poll and stops; a live
the webhook ended while no follower ran (the puller was down) is read to its end on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import structlog

from aggregator.credentials.cipher import TokenCipher
from aggregator.platforms.facebook.follower import MAX_BACKOFF_S, STORE_LOST, LiveFollower, Wiring
from aggregator.platforms.facebook.lives import end_live, start_live
from aggregator.platforms.facebook.pages import PageRef, load_pages
from aggregator.platforms.facebook.tokens import disconnect_page, token_problem
from connectors.errors import ConnectorError, CredentialsError, TokenError
from schema.queries import query

log = structlog.get_logger()


@dataclass
class _Running:
    follower: LiveFollower
    stop: asyncio.Event
    task: asyncio.Task[None]


class FacebookPuller:
    def __init__(self, wiring: Wiring, cipher: TokenCipher) -> None:
        self.w, self.cipher = wiring, cipher
        self.followers: dict[int, _Running] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop`; a tick that meets a dropped Postgres or Redis connection is tried
        again sooner, with backoff (the followers keep running meanwhile)."""
        retry_in = self.w.config.min_backoff_s
        try:
            while not stop.is_set():
                wait = self.w.config.discover_interval_s
                try:
                    await self.tick()
                    retry_in = self.w.config.min_backoff_s
                except STORE_LOST as exc:
                    wait = min(wait, retry_in)
                    log.warning("facebook.tick_failed", error=str(exc), retry_in_s=wait)
                    retry_in = min(MAX_BACKOFF_S, retry_in * 2)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
        finally:
            await self.close()

    async def tick(self) -> None:
        pages = {p.channel_id: p for p in (await load_pages(self.w.pool)).values() if p.active}
        on_air = {r["id"]: r for r in await self.w.pool.fetch(query("facebook_lives_on_air"))}
        for page in pages.values():
            followed = {
                r["external_live_id"]: session_id
                for session_id, r in on_air.items()
                if r["channel_id"] == page.channel_id
            }
            await self._discover(page, followed)
        on_air = {r["id"]: r for r in await self.w.pool.fetch(query("facebook_lives_on_air"))}
        await self._reap(pages)
        for session_id, row in on_air.items():
            owner = pages.get(row["channel_id"])
            if session_id not in self.followers and owner is not None:
                self._start(owner, session_id, row["external_live_id"])
        for session_id in [s for s in self.followers if s not in on_air]:
            await self._stop(session_id)
        await self._read_tails(pages)

    async def close(self) -> None:
        for session_id in list(self.followers):
            await self._stop(session_id)

    async def _discover(self, page: PageRef, followed: dict[str, int]) -> None:
        """Start the lives on air; end those that left the air once their tail is stored.
        `followed`: this Page's sessions on air in Postgres, by live id."""
        try:
            lives = await self.w.graph.live_videos(page.page_id, self._token(page))
        except TokenError as exc:
            await disconnect_page(self.w.pool, page.channel_id, token_problem(page.name, str(exc)))
            return
        except ConnectorError as exc:
            log.warning("facebook.discover_failed", page_id=page.page_id, error=str(exc))
            return
        for live in lives:
            if live.status.upper() == "LIVE":
                video_id = live.video.id if live.video else None
                await start_live(
                    self.w.pool,
                    page,
                    live.id,
                    title=live.title,
                    started_at=live.creation_time,
                    video_id=video_id,
                )
            elif live.id in followed and await self._caught_up(page, followed[live.id], live.id):
                await end_live(self.w.pool, page, live.id)
                await self._mark_tail_read(followed[live.id])

    async def _caught_up(self, page: PageRef, session_id: int, live_id: str) -> bool:
        """Whether every comment of a live that left the air is stored: its follower's last
        poll, or, when none ran (the puller was down as it ended), a poll from its resume point.
        Until then the session stays on air and the next tick tries again."""
        running = self.followers.get(session_id)
        if running is not None:
            await self._stop(session_id)
            caught_up = running.follower.caught_up
        else:
            caught_up = await self._catch_up_unfollowed(page, session_id, live_id)
        if not caught_up:
            log.warning("facebook.live_end_put_off", live_id=live_id, session_id=session_id)
        return caught_up

    async def _catch_up_unfollowed(self, page: PageRef, session_id: int, live_id: str) -> bool:
        """One poll from the session's resume point by a follower of its own; True once stored,
        or when nothing can ever read it (no token, refused): there is nothing more to wait for."""
        try:
            follower = LiveFollower(self.w, page, self._token(page), session_id, live_id)
        except CredentialsError as exc:
            log.warning("facebook.no_token", page_id=page.page_id, error=str(exc))
            return True
        try:
            return await follower.catch_up()
        except ConnectorError as exc:  # refused (token, permission): nothing more to read
            log.warning("facebook.catch_up_refused", live_id=live_id, error=str(exc))
            return True

    async def _read_tails(self, pages: dict[int, PageRef]) -> None:
        """Lives the live_videos webhook ended while no follower ran: their last comments are
        read now (the session stays ended; the merge takes its late comments as usual)."""
        for row in await self.w.pool.fetch(query("facebook_lives_tail_unread")):
            page = pages.get(row["channel_id"])
            if page is None or row["id"] in self.followers:
                continue
            session_id, live_id = row["id"], row["external_live_id"]
            if await self._catch_up_unfollowed(page, session_id, live_id):
                await self._mark_tail_read(session_id)
                log.info("facebook.tail_read", live_id=live_id, session_id=session_id)

    async def _mark_tail_read(self, session_id: int) -> None:
        try:
            await self.w.pool.execute(query("mark_facebook_tail_read"), session_id)
        except STORE_LOST as exc:  # unmarked, a later tick reads the tail again: stored once
            log.warning("facebook.tail_mark_failed", session_id=session_id, error=str(exc))

    def _token(self, page: PageRef) -> str:
        return self.cipher.decrypt(page.credentials_encrypted)

    def _start(self, page: PageRef, session_id: int, live_id: str) -> None:
        try:
            token = self._token(page)
        except CredentialsError as exc:
            log.warning("facebook.no_token", page_id=page.page_id, error=str(exc))
            return
        follower = LiveFollower(self.w, page, token, session_id, live_id)
        stop = asyncio.Event()
        task = asyncio.create_task(follower.run(stop), name=f"facebook-live-{live_id}")
        self.followers[session_id] = _Running(follower, stop, task)

    async def _stop(self, session_id: int) -> None:
        running = self.followers.pop(session_id)
        running.stop.set()
        try:
            await running.task
        except Exception as exc:  # a dead follower must not stop the others; its page is logged
            log.error("facebook.follower_failed", session_id=session_id, error=repr(exc))
        if running.follower.caught_up:  # its last poll read the tail (counts once it ended)
            await self._mark_tail_read(session_id)

    async def _reap(self, pages: dict[int, PageRef]) -> None:
        """A follower that died (token revoked, bug) is logged and restarted by the next tick."""
        for session_id, running in list(self.followers.items()):
            if not running.task.done():
                continue
            del self.followers[session_id]
            exc = running.task.exception()
            page = pages.get(running.follower.page.channel_id)
            if isinstance(exc, TokenError) and page is not None:
                reason = token_problem(page.name, str(exc))
                await disconnect_page(self.w.pool, page.channel_id, reason)
            elif exc is not None:
                log.error("facebook.follower_crashed", session_id=session_id, error=repr(exc))
