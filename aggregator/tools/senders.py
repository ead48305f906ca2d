"""Comments delivered to chotdon the way each platform delivers them: signed HTTP POSTs to its real
endpoints, several comments per delivery, retried until acknowledged, now and then sent twice.

Facebook posts Page `feed` webhooks (up to 50 comments per delivery, signed with the app secret); a
TikTok LIVE bridge posts relay batches (signed with the channel's secret and a timestamp, afresh
on each try); Zalo posts one user_send_text event per message (signed with the OA secret). The
demo, the chaos run and the webhook bench all send through here; what differs between them is a
parameter: comments per delivery, the retry policy, how often a delivery goes twice, and the
pacing (a buffer flushed as a live plays, lanes of deliveries in flight, or pre-built deliveries
fired as fast as they are answered). `Tally` counts what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import aiohttp
import orjson

from connectors.relay.signature import signed_headers as relay_headers
from connectors.simulators import facebook_webhooks as facebook_sim, zalo as zalo_sim
from schema.enums import Platform

JSON = "application/json"
# Comments per delivery: Facebook's webhook batches, a bridge's relay batches, Zalo's one message.
BATCH: Mapping[Platform, int] = {Platform.FACEBOOK: 50, Platform.RELAY: 50, Platform.ZALO: 1}


@dataclass(frozen=True, slots=True)
class WireComment:
    """One comment as the platform carries it to chotdon."""

    id: str
    author_id: str
    author_name: str
    text: str


@dataclass(frozen=True, slots=True)
class Destination:
    """One live as its platform addresses chotdon."""

    platform: Platform  # FACEBOOK, RELAY (the TikTok LIVE bridge) or ZALO
    channel: str  # Page id, relay channel, OA id
    video: str = ""  # Facebook: the live video, in each comment's post id
    live_id: str | None = None  # relay: the live the bridge names; None: the channel's live on air


@dataclass(frozen=True)
class Secrets:
    """What the platforms sign with: the other side of chotdon's settings and sealed channels."""

    facebook_app_secret: str = ""
    relay_secret: str = ""
    zalo: zalo_sim.ZaloState | None = None


@dataclass(frozen=True)
class Delivery:
    """One signed POST; `resign` signs the body afresh for another try (a relay timestamp)."""

    platform: Platform
    url: str
    body: bytes
    headers: Mapping[str, str]
    comment_ids: tuple[str, ...]
    resign: Callable[[bytes], dict[str, str]] | None = None

    def signed_again(self) -> Delivery:
        return self if self.resign is None else replace(self, headers=self.resign(self.body))


def delivery(
    base_url: str,
    to: Destination,
    comments: Sequence[WireComment],
    secrets: Secrets,
    *,
    at_ms: int | None = None,
) -> Delivery:
    """The platform's delivery of `comments` (one, for Zalo) to chotdon at `base_url`, signed.

    `at_ms` is the delivery's time (Facebook's entry time; now if not given); the comments were
    written now.
    """
    ids = tuple(c.id for c in comments)
    if to.platform is Platform.FACEBOOK:
        now = time.time()
        changes = [
            facebook_sim.feed_comment(
                to.channel, to.video, c.id, author_id=c.author_id, author_name=c.author_name,
                message=c.text, created_time=int(now),
            )
            for c in comments
        ]  # fmt: skip
        at = int(now * 1000) if at_ms is None else at_ms
        body = facebook_sim.page_delivery(to.channel, changes, at)
        headers = facebook_sim.webhook_headers(secrets.facebook_app_secret, body)
        return Delivery(to.platform, f"{base_url}/webhooks/facebook", body, headers, ids)
    if to.platform is Platform.ZALO:
        assert secrets.zalo is not None, "Zalo deliveries need the OA's simulator state"
        (one,) = comments
        body = zalo_sim.user_text(secrets.zalo, to.channel, one.author_id, one.text, one.id)
        headers = zalo_sim.webhook_headers(secrets.zalo, body)
        return Delivery(to.platform, f"{base_url}/webhooks/zalo", body, headers, ids)
    assert to.platform is Platform.RELAY, f"no wire format for {to.platform}"
    body = orjson.dumps({"comments": [_relay_comment(to, c) for c in comments]})
    secret = secrets.relay_secret.encode()

    def sign(signed: bytes) -> dict[str, str]:
        return relay_headers(secret, int(time.time()), signed)

    url = f"{base_url}/relay/{to.channel}/comments"
    return Delivery(to.platform, url, body, sign(body), ids, resign=sign)


def _relay_comment(to: Destination, comment: WireComment) -> dict[str, str]:
    item = {"id": comment.id, "author_id": comment.author_id, "author_name": comment.author_name,
            "text": comment.text}  # fmt: skip
    if to.live_id is not None:
        item["live_id"] = to.live_id
    return item


def chunks(items: Iterable[WireComment], size: int) -> Iterator[list[WireComment]]:
    chunk: list[WireComment] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class Retry:
    """When a delivery that was not acknowledged (2xx) is tried again.

    After each of `delays_s` in turn; then, with `backoff_s`, after waits that double from it
    (capped at `cap_s`, jittered by ±50 %) until `give_up_after_s` have passed since the first
    try. With `stop_on_refusal` a 4xx other than 429 ends the tries: the platform would not retry
    a delivery refused for good either. The default tries once.
    """

    delays_s: tuple[float, ...] = ()
    backoff_s: float = 0.0
    cap_s: float = 2.0
    give_up_after_s: float = 0.0
    stop_on_refusal: bool = False

    def waits(self, rng: random.Random, started: float) -> Iterator[float]:
        yield from self.delays_s
        if not self.backoff_s:
            return
        attempt = 1
        while time.monotonic() <= started + self.give_up_after_s:
            yield min(self.cap_s, self.backoff_s * 2**attempt) * (0.5 + rng.random())
            attempt += 1

    def refused_for_good(self, status: int | None) -> bool:
        return self.stop_on_refusal and status is not None and 400 <= status < 500 and status != 429


@dataclass
class Tally:
    """What a sender did.

    `deliveries` and `sent` count the deliveries and comments acknowledged (`ids`: the comments'
    ids, per platform), `retries` the tries after a first, `given_up` the comments never
    acknowledged, `sent_twice` the deliveries (`comments_sent_twice` their comments) posted again.
    """

    deliveries: int = 0
    sent: int = 0
    retries: int = 0
    given_up: int = 0
    sent_twice: int = 0
    comments_sent_twice: int = 0
    ids: dict[Platform, set[str]] = field(default_factory=dict)


@dataclass
class Sender:
    """Delivers to chotdon at `base_url` as the platforms do, with their batch sizes and retries.

    An acknowledged delivery is posted once more, exactly as signed, with `duplicate_share`
    probability: platforms deliver some webhooks twice, and chotdon must store each comment once.
    """

    http: aiohttp.ClientSession
    base_url: str
    secrets: Secrets
    batch: Mapping[Platform, int] = field(default_factory=lambda: BATCH)
    retry: Retry = field(default_factory=Retry)
    duplicate_share: float = 0.0
    tally: Tally = field(default_factory=Tally)
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    def deliveries(self, to: Destination, comments: Iterable[WireComment]) -> Iterator[Delivery]:
        """Built as they are taken, so each carries the time it leaves."""
        for chunk in chunks(comments, self.batch[to.platform]):
            yield delivery(self.base_url, to, chunk, self.secrets)

    async def send(self, to: Destination, comments: Sequence[WireComment]) -> None:
        """All of `comments`, their deliveries at once."""
        await asyncio.gather(*(self.deliver(d) for d in self.deliveries(to, comments)))

    async def in_lanes(self, deliveries: Iterator[Delivery], lanes: int) -> None:
        """`lanes` deliveries in flight at a time, each lane taking the next when one is done."""

        async def lane() -> None:
            for one in deliveries:
                await self.deliver(one)

        await asyncio.gather(*(lane() for _ in range(lanes)))

    async def deliver(self, one: Delivery) -> None:
        accepted = await self._until_acknowledged(one)
        count = len(one.comment_ids)
        if accepted is None:
            self.tally.given_up += count
            return
        self.tally.deliveries += 1
        self.tally.sent += count
        self.tally.ids.setdefault(one.platform, set()).update(one.comment_ids)
        if self.duplicate_share and self.rng.random() < self.duplicate_share:
            self.tally.sent_twice += 1
            self.tally.comments_sent_twice += count
            await self._post(accepted)

    async def _until_acknowledged(self, one: Delivery) -> Delivery | None:
        """The try that was acknowledged, or None once the retry policy gives up."""
        waits = self.retry.waits(self.rng, time.monotonic())
        while True:
            status = await self._post(one)
            if status is not None and 200 <= status < 300:
                return one
            wait = None if self.retry.refused_for_good(status) else next(waits, None)
            if wait is None:
                return None
            self.tally.retries += 1
            await asyncio.sleep(wait)
            one = one.signed_again()

    async def _post(self, one: Delivery) -> int | None:
        try:
            async with self.http.post(one.url, data=one.body, headers=one.headers) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            return None


@dataclass
class Buffer:
    """Comments held per destination as a live plays, sent together when any destination holds
    `flush_at` of them and whenever `flush` is called (a platform gathers what came meanwhile)."""

    sender: Sender
    flush_at: int
    _pending: dict[Destination, list[WireComment]] = field(default_factory=dict)

    async def add(self, to: Destination, comment: WireComment) -> None:
        self._pending.setdefault(to, []).append(comment)
        if len(self._pending[to]) >= self.flush_at:
            await self.flush()

    async def flush(self) -> None:
        pending, self._pending = self._pending, {}
        await asyncio.gather(*(self.sender.send(to, items) for to, items in pending.items()))


@contextlib.asynccontextmanager
async def buffered(sender: Sender, flush_at: int, every_s: float) -> AsyncIterator[Buffer]:
    """A buffer flushed every `every_s` seconds, and a last time on leaving."""
    buffer = Buffer(sender, flush_at)

    async def flush_regularly() -> None:
        while True:
            await asyncio.sleep(every_s)
            await buffer.flush()

    flusher = asyncio.create_task(flush_regularly())
    try:
        yield buffer
    finally:
        flusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flusher
        await buffer.flush()
