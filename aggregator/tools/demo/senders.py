"""Deliver a live's comments to chotdon the way each platform does: signed HTTP, batched, retried.

Facebook posts feed-change webhooks (several comments per delivery, signed with the app secret);
the TikTok LIVE bridge posts relay batches (signed with the channel's secret and a timestamp);
Zalo posts one user_send_text event per message. All three retry a delivery that was not answered
2xx, and Facebook sometimes delivers the same batch twice: chotdon must store each comment once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
import structlog

from aggregator.rehearsal.player import Send
from aggregator.rehearsal.recording import RecordedComment
from aggregator.tools.demo.platforms import DemoPlatforms
from connectors.facebook.signature import (
    SIGNATURE_HEADER as FACEBOOK_SIGNATURE,
    sign as facebook_sign,
)
from connectors.relay.signature import signed_headers as relay_headers
from connectors.simulators.zalo import user_text, webhook_headers as zalo_headers
from schema.enums import Platform

log = structlog.get_logger()
FLUSH_EVERY_S = 0.2
BATCH = 50
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)  # then the delivery is given up and counted
REDELIVERY_SHARE = 0.05
JSON = "application/json"


@dataclass(frozen=True)
class Destination:
    """One platform's live as the sender addresses it."""

    platform: Platform
    channel: str  # Page id, relay channel, OA id
    live: str  # the live video id (Facebook), unused by the relay and Zalo (the live on air)


@dataclass
class SenderStats:
    deliveries: int = 0
    redelivered_comments: int = 0
    retries: int = 0
    given_up: int = 0


@dataclass
class Delivery:
    url: str
    body: bytes
    headers: Callable[[bytes], dict[str, str]]
    comments: int


@dataclass
class PlatformSender:
    """Buffers comments per platform and flushes them as that platform's deliveries."""

    http: aiohttp.ClientSession
    base_url: str
    platforms: DemoPlatforms
    destinations: dict[Platform, Destination]
    run_id: str
    stats: SenderStats = field(default_factory=SenderStats)
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    _pending: dict[Platform, list[tuple[str, RecordedComment]]] = field(default_factory=dict)

    async def send(self, index: int, comment: RecordedComment) -> None:
        comment_id = f"{self.run_id}{comment.id or index}"
        if comment.platform is Platform.FACEBOOK:  # Facebook's ids are "<object>_<comment>"
            comment_id = f"{self.destinations[Platform.FACEBOOK].live}_{comment_id}"
        self._pending.setdefault(comment.platform, []).append((comment_id, comment))
        if len(self._pending[comment.platform]) >= BATCH:
            await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        deliveries = [d for p, items in pending.items() for d in self._deliveries(p, items)]
        await asyncio.gather(*(self._deliver(d) for d in deliveries))

    def _deliveries(
        self, platform: Platform, items: list[tuple[str, RecordedComment]]
    ) -> list[Delivery]:
        destination = self.destinations[platform]
        if platform is Platform.FACEBOOK:
            batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
            return [self._facebook(destination, batch) for batch in batches]
        if platform is Platform.ZALO:
            return [self._zalo(destination, cid, c) for cid, c in items]
        return [self._relay(destination, items)]

    def _facebook(self, to: Destination, items: list[tuple[str, RecordedComment]]) -> Delivery:
        changes = [_feed_change(to, cid, c) for cid, c in items]
        entry = {"id": to.channel, "time": int(time.time() * 1000), "changes": changes}
        body = orjson.dumps({"object": "page", "entry": [entry]})
        secret = self.platforms.facebook_app_secret.encode()

        def headers(signed: bytes) -> dict[str, str]:
            return {FACEBOOK_SIGNATURE: facebook_sign(signed, secret), "Content-Type": JSON}

        return Delivery(f"{self.base_url}/webhooks/facebook", body, headers, len(items))

    def _zalo(self, to: Destination, comment_id: str, comment: RecordedComment) -> Delivery:
        zalo = self.platforms.zalo
        body = user_text(zalo, to.channel, _author(comment), comment.text, msg_id=comment_id)
        return Delivery(f"{self.base_url}/webhooks/zalo", body, lambda b: zalo_headers(zalo, b), 1)

    def _relay(self, to: Destination, items: list[tuple[str, RecordedComment]]) -> Delivery:
        comments = [
            {"id": cid, "author_id": _author(c), "author_name": c.author_name, "text": c.text}
            for cid, c in items
        ]
        secret = self.platforms.relay_secret.encode()
        return Delivery(
            f"{self.base_url}/relay/{to.channel}/comments",
            orjson.dumps({"comments": comments}),
            lambda b: relay_headers(secret, int(time.time()), b),
            len(items),
        )

    async def _deliver(self, delivery: Delivery) -> None:
        times = 2 if self.rng.random() < REDELIVERY_SHARE else 1
        self.stats.redelivered_comments += delivery.comments * (times - 1)
        for _ in range(times):
            await self._post_until_accepted(delivery)

    async def _post_until_accepted(self, delivery: Delivery) -> None:
        for delay in (*RETRY_DELAYS_S, None):
            self.stats.deliveries += 1
            status = await self._post(delivery)
            if status is not None and 200 <= status < 300:
                return
            if status is not None and 400 <= status < 500 and status != 429:
                break  # refused for good: the platform would not retry either
            if delay is None:
                break
            self.stats.retries += 1
            await asyncio.sleep(delay)
        self.stats.given_up += 1
        log.warning("demo.delivery_given_up", url=delivery.url, comments=delivery.comments)

    async def _post(self, delivery: Delivery) -> int | None:
        try:
            async with self.http.post(
                delivery.url, data=delivery.body, headers=delivery.headers(delivery.body)
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            return None


def _author(comment: RecordedComment) -> str:
    return f"{comment.platform.value}-{comment.author_id}"


def _feed_change(to: Destination, comment_id: str, comment: RecordedComment) -> dict[str, Any]:
    return {
        "field": "feed",
        "value": {
            "item": "comment", "verb": "add", "comment_id": comment_id,
            "post_id": f"{to.channel}_{to.live}",
            "from": {"id": _author(comment), "name": comment.author_name},
            "message": comment.text, "created_time": int(time.time()),
        },
    }  # fmt: skip


async def _flush_regularly(sender: PlatformSender) -> None:
    while True:
        await asyncio.sleep(FLUSH_EVERY_S)
        await sender.flush()


@contextlib.asynccontextmanager
async def platform_sender(
    base_url: str, platforms: DemoPlatforms, destinations: dict[Platform, Destination], run_id: str
) -> AsyncIterator[tuple[Send, SenderStats]]:
    """A `send` for the player that delivers through the platforms' webhooks; leaving flushes."""
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        sender = PlatformSender(http, base_url, platforms, destinations, run_id)
        flusher = asyncio.create_task(_flush_regularly(sender))
        try:
            yield sender.send, sender.stats
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await sender.flush()
