"""The platforms' side of a chaos run: what each live's buyers write, and how their platform posts
it to chotdon's real endpoints (aggregator.tools.senders).

Facebook posts signed feed webhooks of up to 50 comments, TikTok comments come through the signed
relay in batches (a bridge), Zalo posts one signed user_send_text event per message. Like the real
senders, each retries a delivery until it is acknowledged (connection refused while the web
process is down, a 5xx while Postgres is unreachable), and now and then sends one twice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from aggregator.tools.bench.corpus import CODES, ORDER_TEXTS, OTHER_TEXTS
from aggregator.tools.chaos.world import Live, Simulators
from aggregator.tools.senders import Destination, Retry, Secrets, Sender, WireComment
from schema.enums import Platform

BATCH = {Platform.FACEBOOK: 50, Platform.RELAY: 100, Platform.ZALO: 1}
IN_FLIGHT = {Platform.FACEBOOK: 3, Platform.RELAY: 3, Platform.ZALO: 24}
# Until acknowledged, however long the fault lasts (within reason).
UNTIL_ACKNOWLEDGED = Retry(backoff_s=0.05, cap_s=2.0, give_up_after_s=300.0)
REPEAT_SHARE = 0.15  # a buyer repeating their last comment word for word
ORDER_SHARE = 0.7
AUTHOR_NAME = {Platform.FACEBOOK: "Khách Facebook", Platform.RELAY: "Khách TikTok",
               Platform.ZALO: ""}  # fmt: skip


def signing(sims: Simulators) -> Secrets:
    """What the simulated platforms sign with."""
    return Secrets(sims.facebook_secret, sims.relay_secret, sims.zalo)


def destination(live: Live) -> Destination:
    if live.platform is Platform.RELAY:  # the bridge names the live each comment belongs to
        return Destination(live.platform, live.channel, live_id=live.live_id)
    return Destination(live.platform, live.channel, video=live.video_id)


def comments(live: Live, count: int, buyers: int, seed: int) -> Iterator[WireComment]:
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
        yield WireComment(f"{live.video_id}_{n}", author, AUTHOR_NAME[live.platform], text)


async def play(sender: Sender, live: Live, stream: Iterator[WireComment], busier: float) -> None:
    """The live's comments, a few deliveries in flight at once; a live `busier` times the
    average has sqrt(busier) times the lanes (more viewers), so it ends later but not last
    by far."""
    lanes = max(1, round(IN_FLIGHT[live.platform] * busier**0.5))
    await sender.in_lanes(sender.deliveries(destination(live), stream), lanes)
