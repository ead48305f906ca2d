"""Play the demo live across Facebook, TikTok and Zalo and show it happening."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from arq.connections import ArqRedis
from rich.console import Console
from rich.live import Live

from aggregator.ingest.pipeline import Ingestor
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
from aggregator.rehearsal.staff import confirm_calls

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


async def _show(
    pool: asyncpg.Pool, lives: DemoLives, until: asyncio.Task[Any], console: Console
) -> None:
    sessions = list(lives.session_ids.values())
    with Live(console=console, refresh_per_second=4, transient=False) as live:
        while not until.done():
            async with pool.acquire() as conn:
                live.update(progress_table(await counts_by_platform(conn, sessions), "Phiên live"))
            await asyncio.sleep(0.5)


async def run_demo_live(
    pool: asyncpg.Pool, arq: ArqRedis, options: DemoLiveOptions, console: Console
) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    async with pool.acquire() as conn:
        lives = await seed_demo(conn, run_id)
    recording = Recording(comments=demo_live(options.comments, options.live_seconds))
    started = time.monotonic()
    staff = asyncio.create_task(confirm_calls(pool, list(lives.session_ids.values())))
    try:
        async with Ingestor(pool, arq) as ingestor:
            playing = asyncio.create_task(
                play(recording, lives.targets, ingestor, speed=1.0, run_id=run_id)
            )
            shown = (
                asyncio.create_task(_show(pool, lives, playing, console))
                if options.interactive
                else None
            )
            sent = await playing
            await _redeliver(ingestor, recording, lives, run_id)
            if shown is not None:
                await shown
        await wait_until_merged(pool, list(lives.session_ids.values()), SETTLE_S)
        played_s = time.monotonic() - started
    finally:
        staff.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await staff
    async with pool.acquire() as conn:
        figures = await counts_by_platform(conn, lives.session_ids.values())
    console.print(progress_table(figures, "Kết thúc phiên live"))
    return report(
        figures,
        sent=sent,
        duplicates=ingestor.stats.duplicates,
        timings={"live_s": round(played_s, 1), "comments_per_s": round(sent / played_s, 1)},
    )
