"""Play a recording through the real ingest path, keeping its timing (at 1x or faster)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from aggregator.ingest.pipeline import Ingestor
from aggregator.rehearsal.recording import RecordedComment, Recording
from schema.enums import Platform
from schema.events import CommentEvent


@dataclass(frozen=True, slots=True)
class Target:
    """Where comments of one platform land: a channel and its live."""

    platform: Platform
    channel_external_id: str
    external_live_id: str | None


def to_event(comment: RecordedComment, target: Target, run_id: str, index: int) -> CommentEvent:
    return CommentEvent(
        platform=target.platform,
        channel_external_id=target.channel_external_id,
        external_id=f"{run_id}:{comment.id or index}",
        external_live_id=target.external_live_id,
        author_external_id=f"{comment.platform.value}:{comment.author_id}",
        author_name=comment.author_name,
        text=comment.text,
        commented_at=datetime.now(UTC),
    )


Send = Callable[[int, RecordedComment], Awaitable[None]]


def into_ingestor(ingestor: Ingestor, targets: Mapping[Platform, Target], run_id: str) -> Send:
    """Send straight into the ingest pipeline (rehearsals and replays in one process).

    A platform without a target falls back to the first target (a replay into one rehearsal
    live takes every platform's comments).
    """
    fallback = next(iter(targets.values()))

    async def send(index: int, comment: RecordedComment) -> None:
        target = targets.get(comment.platform, fallback)
        await ingestor.submit(to_event(comment, target, run_id, index))

    return send


async def play(recording: Recording, send: Send, *, speed: float) -> int:
    """Send each comment at its time divided by `speed`; returns how many were sent."""
    started = time.monotonic()
    for index, comment in enumerate(recording.comments):
        delay = started + comment.t / speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(index, comment)
    return len(recording.comments)
