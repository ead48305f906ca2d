"""Play the demo live across Facebook, TikTok and Zalo, with staff and couriers at work."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from arq.connections import ArqRedis
from rich.console import Console
from rich.live import Live

from aggregator.ingest.pipeline import Ingestor
from aggregator.rehearsal.couriers import DemoCouriers, deliver_parcels
from aggregator.rehearsal.player import play, to_event
from aggregator.rehearsal.progress import (
    counts_by_platform,
    progress_table,
    report,
    wait_until_merged,
)
from aggregator.rehearsal.recording import Recording
from aggregator.rehearsal.script import demo_live
from aggregator.rehearsal.seed import DemoLives, seed_demo
from aggregator.rehearsal.staff import confirm_calls, pack_orders

REDELIVERY_SHARE = 0.05  # platforms retry webhooks: some comments arrive twice
SETTLE_S = 30.0


@dataclass(frozen=True)
class DemoLiveOptions:
    comments: int = 600
    live_seconds: float = 60.0
    interactive: bool = True


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
    """One demo live: seeded lives, the staff and couriers working, the comments playing."""

    pool: asyncpg.Pool
    arq: ArqRedis
    options: DemoLiveOptions
    console: Console
    couriers: DemoCouriers | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    sent: int = 0
    duplicates: int = 0
    played_s: float = 0.0
    _lives: DemoLives | None = None
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
        self._spawn(confirm_calls(self.pool, self.session_ids))
        if self.couriers is not None:
            self._spawn(pack_orders(self.pool, self.arq, self.session_ids))
            self._spawn(deliver_parcels(self.pool, self.couriers, self.session_ids))

    async def play(self) -> None:
        assert self._lives is not None, "start() first"
        recording = Recording(comments=demo_live(self.options.comments, self.options.live_seconds))
        started = time.monotonic()
        async with Ingestor(self.pool, self.arq) as ingestor:
            playing = asyncio.create_task(
                play(recording, self._lives.targets, ingestor, speed=1.0, run_id=self.run_id)
            )
            if self.options.interactive:
                await self._show(playing)
            self.sent = await playing
            await _redeliver(ingestor, recording, self._lives, self.run_id)
        await wait_until_merged(self.pool, self.session_ids, SETTLE_S)
        self.duplicates = ingestor.stats.duplicates
        self.played_s = time.monotonic() - started

    async def _show(self, until: asyncio.Task[int]) -> None:
        with Live(console=self.console, refresh_per_second=4, transient=False) as live:
            while not until.done():
                async with self.pool.acquire() as conn:
                    figures = await counts_by_platform(conn, self.session_ids)
                live.update(progress_table(figures, "Phiên live"))
                await asyncio.sleep(0.5)

    async def stop(self) -> dict[str, Any]:
        """Stop the staff and couriers and say what happened."""
        for task in self._helpers:
            task.cancel()
        await asyncio.gather(*self._helpers, return_exceptions=True)
        async with self.pool.acquire() as conn:
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
        )
