"""Play the demo live across Facebook, TikTok and Zalo, with staff and couriers at work."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
import structlog
from arq.connections import ArqRedis
from rich.console import Console
from rich.live import Live

from aggregator.ingest.pipeline import Ingestor
from aggregator.rehearsal.figures import counts_by_platform, wait_until_merged
from aggregator.rehearsal.player import Send, into_ingestor, play, to_event
from aggregator.rehearsal.recording import RecordedComment, Recording
from aggregator.settings import Settings
from aggregator.tools.demo.buyers import DemoBuyers
from aggregator.tools.demo.couriers import DemoCouriers, deliver_parcels
from aggregator.tools.demo.logins import format_buyer_link
from aggregator.tools.demo.platforms import DemoPlatforms
from aggregator.tools.demo.progress import progress_table, report
from aggregator.tools.demo.script import demo_live, demo_round
from aggregator.tools.demo.seed import DemoLives, end_lives, seed_demo
from aggregator.tools.demo.staff import confirm_calls, pack_orders
from aggregator.tools.senders import (
    Buffer,
    Destination,
    Retry,
    Secrets,
    Sender,
    WireComment,
    buffered,
)
from schema.enums import Platform

log = structlog.get_logger()
REDELIVERY_SHARE = 0.05  # platforms retry webhooks: some comments arrive twice
SETTLE_S = 30.0
LOOK_FOR_LINK_S = 1.0
DEMO_OPENING_S = 60.0  # the opening burst of `make demo`'s live
# On air, the platforms gather what comes in for a moment and retry a delivery a few times (not
# one refused for good), then give it up.
FLUSH_EVERY_S = 0.2
FLUSH_AT = 50
PLATFORM_RETRY = Retry(delays_s=(0.2, 0.5, 1.0, 2.0, 4.0, 8.0), stop_on_refusal=True)


@dataclass(frozen=True)
class DemoLiveOptions:
    comments: int = 600  # in the opening burst
    live_seconds: float = DEMO_OPENING_S  # the opening burst's length
    interactive: bool = True
    # On air until the person stops the demo: after the opening burst the live goes on at a
    # pace a person can follow (demo_round), the same viewers coming back.
    until_stopped: bool = False


@dataclass(frozen=True)
class OnAir:
    """The running web app the platforms post to, and the platforms' simulators."""

    base_url: str
    platforms: DemoPlatforms
    settings: Settings

    def destinations(self, lives: DemoLives) -> dict[Platform, Destination]:
        """Where each viewer platform's comments go (TikTok's through the relay)."""
        return {
            p: Destination(t.platform, t.channel_external_id, video=t.external_live_id or "")
            for p, t in lives.targets.items()
        }

    def secrets(self) -> Secrets:
        platforms = self.platforms
        return Secrets(platforms.facebook_app_secret, platforms.relay_secret, platforms.zalo)


def _on_air(buffer: Buffer, destinations: dict[Platform, Destination], run_id: str) -> Send:
    """The player's `send` when on air: each comment as its platform carries it to chotdon."""

    async def send(index: int, comment: RecordedComment) -> None:
        to = destinations[comment.platform]
        comment_id = f"{run_id}{comment.id or index}"
        if to.platform is Platform.FACEBOOK:  # Facebook's ids are "<object>_<comment>"
            comment_id = f"{to.video}_{comment_id}"
        author = f"{comment.platform.value}-{comment.author_id}"
        await buffer.add(to, WireComment(comment_id, author, comment.author_name, comment.text))

    return send


async def _redeliver(
    ingestor: Ingestor, recording: Recording, lives: DemoLives, run_id: str
) -> int:
    """Deliver a few comments a second time, as a retrying platform would."""
    rng = random.Random(7)
    again = [(i, c) for i, c in enumerate(recording.comments) if rng.random() < REDELIVERY_SHARE]
    for index, comment in again:
        await ingestor.submit(to_event(comment, lives.targets[comment.platform], run_id, index))
    return len(again)


@dataclass
class DemoRun:
    """One demo live: seeded lives, the staff and couriers working, the comments playing.

    With `on_air` the comments go through the platforms' signed webhooks and relay to the web
    app and buyers confirm on their order page; without it they go straight into the ingest
    pipeline (a rehearsal in one process).
    """

    pool: asyncpg.Pool
    arq: ArqRedis
    options: DemoLiveOptions
    console: Console
    couriers: DemoCouriers | None = None
    on_air: OnAir | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    sent: int = 0
    duplicates: int = 0
    played_s: float = 0.0
    _lives: DemoLives | None = None
    _buyers: DemoBuyers | None = None
    _helpers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def session_ids(self) -> list[int]:
        """The lives of this run; none until start() has seeded them (Ctrl-C may come first)."""
        return list(self._lives.session_ids.values()) if self._lives is not None else []

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._helpers.append(asyncio.create_task(work))

    async def start(self) -> None:
        async with self.pool.acquire() as conn:
            self._lives = await seed_demo(conn, self.run_id)
        if self.on_air is not None:
            await self.on_air.platforms.connect(self.pool, self.on_air.settings, self._lives)
            self._buyers = DemoBuyers(
                self.on_air.platforms,
                self.on_air.platforms.settings(self.on_air.settings),
                self.on_air.base_url,
            )
            self._spawn(self._buyers.run())
            self._spawn(self._offer_buyer_link(self._buyers, self.on_air.base_url))
        self._spawn(confirm_calls(self.pool, self.session_ids))
        if self.couriers is not None:
            self._spawn(pack_orders(self.pool, self.arq, self.session_ids))
            self._spawn(deliver_parcels(self.pool, self.couriers, self.session_ids))

    async def _offer_buyer_link(self, buyers: DemoBuyers, base_url: str) -> None:
        """Print the link of the first order no robot will confirm: the person's to try."""
        while not buyers.left_for_person:
            await asyncio.sleep(LOOK_FOR_LINK_S)
        token, order_id = buyers.left_for_person[0]
        self.console.print(format_buyer_link(base_url, token, order_id), soft_wrap=True)

    async def play(self) -> None:
        """Play the live (until cancelled when `until_stopped`), then let the merges settle."""
        assert self._lives is not None, "start() first"
        started = time.monotonic()
        playing = asyncio.create_task(self._play_rounds())
        try:
            if self.options.interactive:
                await self._show(playing)
            await playing
        finally:
            playing.cancel()
            self.played_s = time.monotonic() - started
        await wait_until_merged(self.pool, self.session_ids, SETTLE_S)
        self.played_s = time.monotonic() - started

    async def _play_rounds(self) -> None:
        round_no = 0
        while True:
            if round_no == 0:
                comments = demo_live(self.options.comments, self.options.live_seconds)
            else:
                comments = demo_round(round_no)
            if self.on_air is None:
                await self._play_into_ingest(Recording(comments=comments))
            else:
                await self._play_on_air(Recording(comments=comments), self.on_air)
            if not self.options.until_stopped:
                return
            round_no += 1

    def _counted(self, send: Send) -> Send:
        async def counting(index: int, comment: RecordedComment) -> None:
            await send(index, comment)
            self.sent += 1  # counted as it goes: a round stopped half-way is reported right

        return counting

    async def _play_into_ingest(self, recording: Recording) -> None:
        assert self._lives is not None
        async with Ingestor(self.pool, self.arq) as ingestor:
            send = into_ingestor(ingestor, self._lives.targets, self.run_id)
            await play(recording, self._counted(send), speed=1.0)
            await _redeliver(ingestor, recording, self._lives, self.run_id)
        self.duplicates += ingestor.stats.duplicates

    async def _play_on_air(self, recording: Recording, on_air: OnAir) -> None:
        assert self._lives is not None
        destinations = on_air.destinations(self._lives)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            sender = Sender(
                http, on_air.base_url, on_air.secrets(), retry=PLATFORM_RETRY,
                duplicate_share=REDELIVERY_SHARE,
            )  # fmt: skip
            try:
                async with buffered(sender, FLUSH_AT, FLUSH_EVERY_S) as buffer:
                    send = _on_air(buffer, destinations, self.run_id)
                    await play(recording, self._counted(send), speed=1.0)
            finally:
                self.duplicates += sender.tally.comments_sent_twice
        if sender.tally.given_up:
            log.warning("demo.deliveries_given_up", comments=sender.tally.given_up)

    async def _show(self, until: asyncio.Task[None]) -> None:
        with Live(console=self.console, refresh_per_second=4, transient=False) as live:
            while not until.done():
                async with self.pool.acquire() as conn:
                    figures = await counts_by_platform(conn, self.session_ids)
                live.update(progress_table(figures, "Phiên live"))
                await asyncio.sleep(0.5)

    async def stop(self) -> dict[str, Any]:
        """Stop the staff, buyers and couriers, end the lives, and say what happened."""
        for task in self._helpers:
            task.cancel()
        outcomes = await asyncio.gather(*self._helpers, return_exceptions=True)
        for outcome in outcomes:  # a stand-in that died early would leave its step undone
            if isinstance(outcome, Exception):
                log.error("demo.helper_failed", error=repr(outcome)[:500])
        async with self.pool.acquire() as conn:
            await end_lives(conn, self.session_ids)
            figures = await counts_by_platform(conn, self.session_ids)
        self.console.print(progress_table(figures, "Kết thúc phiên live"))
        return report(
            figures,
            sent=self.sent,
            duplicates=self.duplicates,
            timings={
                "live_s": round(self.played_s, 1),
                "comments_per_s": round(self.sent / self.played_s, 1) if self.played_s else 0,
            },
            buyers_confirmed_on_page=self._buyers.confirmed if self._buyers else 0,
        )
