"""The platforms' side of a chaos run: each live's comments posted to chotdon's real endpoints.

Facebook posts signed feed webhooks of up to 50 comments, TikTok comments come through the signed
relay in batches (a bridge), Zalo posts one signed user_send_text event per message. Like the real
senders, each retries a delivery until it is acknowledged (connection refused while the web
process is down, a 5xx while Postgres is unreachable), and now and then sends one twice.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import aiohttp
import orjson

from aggregator.tools.bench.corpus import CODES, ORDER_TEXTS, OTHER_TEXTS
from aggregator.tools.chaos.world import Live, Simulators
from connectors.facebook.signature import SIGNATURE_HEADER, sign
from connectors.relay.signature import signed_headers
from connectors.simulators import zalo as zalo_sim
from schema.enums import Platform

BATCH = {Platform.FACEBOOK: 50, Platform.RELAY: 100, Platform.ZALO: 1}
IN_FLIGHT = {Platform.FACEBOOK: 3, Platform.RELAY: 3, Platform.ZALO: 24}
GIVE_UP_AFTER_S = 300.0
REPEAT_SHARE = 0.15  # a buyer repeating their last comment word for word
ORDER_SHARE = 0.7


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    author_id: str
    text: str


@dataclass
class Tally:
    """What the senders did; `ids` are the comment ids acknowledged, per platform."""

    sent: int = 0
    posts: int = 0
    retries: int = 0
    posted_twice: int = 0
    given_up: int = 0
    ids: dict[Platform, set[str]] = field(default_factory=dict)


def comments(live: Live, count: int, buyers: int, seed: int) -> Iterator[Comment]:
    rng = random.Random(f"{seed}:{live.index}")
    last: dict[int, str] = {}
    for n in range(count):
        buyer = rng.randrange(buyers)
        if buyer in last and rng.random() < REPEAT_SHARE:
            text = last[buyer]
        else:
            templates = ORDER_TEXTS if rng.random() < ORDER_SHARE else OTHER_TEXTS
            text = rng.choice(templates).format(
                code=rng.choice(CODES), qty=rng.randint(1, 3),
                phone=f"0912.{live.index % 1000:03d}.{buyer % 1000:03d}",
            )  # fmt: skip
        last[buyer] = text
        author = f"{live.platform.value}-{live.index}-{buyer}"
        yield Comment(f"{live.video_id}_{n}", author, text)


def _chunks(items: Iterator[Comment], size: int) -> Iterator[list[Comment]]:
    chunk: list[Comment] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class Sender:
    http: aiohttp.ClientSession
    base_url: str
    sims: Simulators
    tally: Tally
    duplicate_share: float
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    def request(self, live: Live, chunk: list[Comment]) -> tuple[str, bytes, dict[str, str]]:
        """(url, body, headers) of one delivery, as the platform builds it."""
        if live.platform is Platform.FACEBOOK:
            changes = [_feed_change(live, c) for c in chunk]
            entry = {"id": live.channel, "time": int(time.time() * 1000), "changes": changes}
            body = orjson.dumps({"object": "page", "entry": [entry]})
            headers = {SIGNATURE_HEADER: sign(body, self.sims.facebook_secret.encode()),
                       "Content-Type": "application/json"}  # fmt: skip
            return f"{self.base_url}/webhooks/facebook", body, headers
        if live.platform is Platform.RELAY:
            batch = [{"id": c.id, "author_id": c.author_id, "author_name": "Khách TikTok",
                      "text": c.text, "live_id": live.live_id} for c in chunk]  # fmt: skip
            body = orjson.dumps({"comments": batch})
            headers = signed_headers(self.sims.relay_secret.encode(), int(time.time()), body)
            return f"{self.base_url}/relay/{live.channel}/comments", body, headers
        (one,) = chunk
        body = zalo_sim.user_text(self.sims.zalo, live.channel, one.author_id, one.text, one.id)
        headers = zalo_sim.webhook_headers(self.sims.zalo, body)
        return f"{self.base_url}/webhooks/zalo", body, headers

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> bool:
        try:
            async with self.http.post(url, data=body, headers=headers) as response:
                await response.read()
                return response.status in (200, 202)
        except (aiohttp.ClientError, OSError, TimeoutError):
            return False

    async def deliver(self, live: Live, chunk: list[Comment]) -> None:
        """Until acknowledged: the same body again (a relay bridge signs each try afresh)."""
        url, body, headers = self.request(live, chunk)
        deadline, attempt = time.monotonic() + GIVE_UP_AFTER_S, 0
        while not await self._post(url, body, headers):
            attempt += 1
            self.tally.retries += 1
            if time.monotonic() > deadline:
                self.tally.given_up += len(chunk)
                return
            await asyncio.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + self.rng.random()))
            if live.platform is Platform.RELAY:
                url, body, headers = self.request(live, chunk)
        self.tally.posts += 1
        self.tally.sent += len(chunk)
        self.tally.ids.setdefault(live.platform, set()).update(c.id for c in chunk)
        if self.rng.random() < self.duplicate_share:
            self.tally.posted_twice += 1
            await self._post(url, body, headers)

    async def play(self, live: Live, stream: Iterator[Comment], busier: float = 1.0) -> None:
        """The live's comments, a few deliveries in flight at once; a live `busier` times the
        average has sqrt(busier) times the lanes (more viewers), so it ends later but not last
        by far."""
        chunks = _chunks(stream, BATCH[live.platform])
        lanes = max(1, round(IN_FLIGHT[live.platform] * busier**0.5))

        async def lane() -> None:
            for chunk in chunks:
                await self.deliver(live, chunk)

        await asyncio.gather(*(lane() for _ in range(lanes)))


def _feed_change(live: Live, comment: Comment) -> dict[str, object]:
    return {
        "field": "feed",
        "value": {
            "item": "comment", "verb": "add", "comment_id": comment.id,
            "post_id": f"{live.channel}_{live.video_id}",
            "from": {"id": comment.author_id, "name": "Khách Facebook"},
            "message": comment.text, "created_time": int(time.time()),
        },
    }  # fmt: skip
