"""The harness's one sender: each platform's deliveries are signed so chotdon's own verifiers accept
them, batched as the platform batches, retried by the policy given, and sometimes sent twice."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import orjson
import pytest
from aiohttp import web

from aggregator.tools.senders import Destination, Retry, Secrets, Sender, WireComment
from connectors.facebook.signature import SIGNATURE_HEADER, verify_signature
from connectors.relay import signature as relay_signature
from connectors.simulators.zalo import ZaloState
from connectors.zalo import signature as zalo_signature
from schema.enums import Platform

SECRETS = Secrets("fb-app-secret", "relay-secret", ZaloState("zalo-app", "zalo-oa-secret"))
COMMENTS = [WireComment(f"c{i}", f"buyer{i}", f"Khách {i}", f"chốt A01 x{i}") for i in range(5)]
FACEBOOK = Destination(Platform.FACEBOOK, "page-1", video="video-1")
RELAY = Destination(Platform.RELAY, "bridge-1", live_id="live-7")
ZALO = Destination(Platform.ZALO, "oa-1")
FAST_RETRY = Retry(delays_s=(0.01, 0.01, 0.01))


@dataclass
class Received:
    """What the fake chotdon was sent, and the statuses it answers with (then 200)."""

    answers: list[int] = field(default_factory=list)
    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    def verified(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        """Checked with chotdon's own verifiers; raises SignatureError if one refuses."""
        if path == "/webhooks/facebook":
            verify_signature(body, headers.get(SIGNATURE_HEADER), b"fb-app-secret")
        elif path == "/webhooks/zalo":
            zalo_signature.verify(
                body, headers.get(zalo_signature.SIGNATURE_HEADER), "zalo-app", "zalo-oa-secret"
            )
        else:
            relay_signature.verify(
                b"relay-secret", body, now=time.time(), window_s=300,
                timestamp=headers.get(relay_signature.TIMESTAMP_HEADER),
                signature=headers.get(relay_signature.SIGNATURE_HEADER),
            )  # fmt: skip


@pytest.fixture
async def chotdon() -> AsyncIterator[tuple[str, Received]]:
    received = Received()

    async def accept(request: web.Request) -> web.Response:
        body, headers = await request.read(), dict(request.headers)
        received.verified(request.path, body, headers)
        received.posts.append((request.path, body, headers))
        return web.Response(status=received.answers.pop(0) if received.answers else 200)

    app = web.Application()
    app.router.add_post("/{tail:.*}", accept)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", received
    finally:
        await runner.cleanup()


async def test_each_platform_signs_and_batches_as_it_does(
    chotdon: tuple[str, Received],
) -> None:
    base_url, received = chotdon
    batch = {Platform.FACEBOOK: 2, Platform.RELAY: 10, Platform.ZALO: 1}
    async with aiohttp.ClientSession() as http:
        sender = Sender(http, base_url, SECRETS, batch=batch)
        for to in (FACEBOOK, RELAY, ZALO):
            await sender.send(to, COMMENTS)
    paths = [path for path, _, _ in received.posts]
    assert paths.count("/webhooks/facebook") == 3  # 2 + 2 + 1 comments
    assert paths.count("/relay/bridge-1/comments") == 1
    assert paths.count("/webhooks/zalo") == 5
    facebook = [orjson.loads(b) for p, b, _ in received.posts if p == "/webhooks/facebook"]
    changes = [c["value"] for body in facebook for c in body["entry"][0]["changes"]]
    assert sorted(c["comment_id"] for c in changes) == [c.id for c in COMMENTS]
    assert {c["post_id"] for c in changes} == {"page-1_video-1"}
    (relay,) = [orjson.loads(b) for p, b, _ in received.posts if p.startswith("/relay/")]
    assert [c["live_id"] for c in relay["comments"]] == ["live-7"] * 5
    zalo = [orjson.loads(b) for p, b, _ in received.posts if p == "/webhooks/zalo"]
    assert sorted(z["message"]["msg_id"] for z in zalo) == [c.id for c in COMMENTS]
    tally = sender.tally
    assert (tally.deliveries, tally.sent, tally.retries, tally.given_up) == (9, 15, 0, 0)
    assert tally.ids[Platform.RELAY] == {c.id for c in COMMENTS}


async def test_a_delivery_is_retried_until_acknowledged(
    chotdon: tuple[str, Received],
) -> None:
    base_url, received = chotdon
    received.answers = [503, 503]
    async with aiohttp.ClientSession() as http:
        sender = Sender(http, base_url, SECRETS, retry=FAST_RETRY)
        await sender.send(RELAY, COMMENTS[:2])
    assert len(received.posts) == 3  # every try signed (a relay try afresh) and verified
    assert (sender.tally.sent, sender.tally.retries, sender.tally.given_up) == (2, 2, 0)


async def test_a_delivery_refused_for_good_is_not_retried_when_the_platform_would_not(
    chotdon: tuple[str, Received],
) -> None:
    base_url, received = chotdon
    async with aiohttp.ClientSession() as http:
        received.answers = [403]
        refusing = Sender(http, base_url, SECRETS, retry=Retry((0.01,), stop_on_refusal=True))
        await refusing.send(FACEBOOK, COMMENTS[:2])
        received.answers = [403]
        insisting = Sender(http, base_url, SECRETS, retry=FAST_RETRY)
        await insisting.send(FACEBOOK, COMMENTS[:2])
    assert (refusing.tally.given_up, refusing.tally.retries) == (2, 0)
    assert (insisting.tally.sent, insisting.tally.retries) == (2, 1)
    received.answers = [503] * 4
    async with aiohttp.ClientSession() as http:
        giving_up = Sender(http, base_url, SECRETS, retry=FAST_RETRY)
        await giving_up.send(ZALO, COMMENTS[:1])
    assert (giving_up.tally.given_up, giving_up.tally.retries, giving_up.tally.sent) == (1, 3, 0)


async def test_a_delivery_sent_twice_is_the_same_signed_request(
    chotdon: tuple[str, Received],
) -> None:
    base_url, received = chotdon
    async with aiohttp.ClientSession() as http:
        sender = Sender(http, base_url, SECRETS, duplicate_share=1.0)
        await sender.send(RELAY, COMMENTS)
    (path, body, headers), again = received.posts
    assert again == (path, body, headers)
    assert (sender.tally.sent_twice, sender.tally.comments_sent_twice) == (1, 5)
    assert sender.tally.sent == 5  # the second copy is not counted as more comments
