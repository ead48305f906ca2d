"""The demo's buyers: they read the private message chotdon sent them and confirm on the order page.

Facebook and Zalo buyers get their link by Messenger / OA message (here: what the platform
simulators received). Half of them open it and confirm with their address, exactly as a phone's
browser posts the form; the others leave it to staff calling them, and every fourth order's buyer
never answers anyone, so its hold expires and the stock goes back to the waitlist.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiohttp
import orjson
import structlog

from aggregator.confirmation.addresses import divisions
from aggregator.confirmation.links import open_token
from aggregator.core.links import LinkError
from aggregator.settings import Settings
from aggregator.tools.demo.platforms import DemoPlatforms

log = structlog.get_logger()
LINK = re.compile(r"/o/([A-Za-z0-9_-]{40,})")
HIDDEN = re.compile(r'<input type="hidden" name="(proof|digest)" value="([^"]*)"')
QUANTITY = re.compile(r'name="(qty_\d+)"[^>]*value="(\d+)"')
READ_AFTER_S = 2.0
LOOK_EVERY_S = 0.5
BUYER_PROVINCE = "Hưng Yên"  # Thái Bình joined Hưng Yên in the 2025 reorganisation


def confirms_on_page(order_id: int) -> bool:
    """Orders 1 and 2 of every four: the buyer confirms on the page (3: staff call, 0: nobody)."""
    return order_id % 4 in (1, 2)


def order_form(html: str, order_id: int) -> dict[str, str]:
    """What the buyer submits: the page's hidden fields and quantities, their address, COD."""
    places = divisions()
    province = next(p for p in places.provinces if p.name.endswith(BUYER_PROVINCE))
    ward = places.wards[province.code][order_id % len(places.wards[province.code])]
    form = dict(HIDDEN.findall(html)) | dict(QUANTITY.findall(html))
    form.update(
        name=f"Khách {order_id}", phone=f"09{order_id % 100_000_000:08d}",
        province=province.code, ward=ward.code, address=f"Số {order_id % 200 + 1} đường Lê Lợi",
        payment="cod", action="confirm", consent="yes",  # read the notice, ticked the box
    )  # fmt: skip
    return form


@dataclass
class DemoBuyers:
    platforms: DemoPlatforms
    settings: Settings  # with this run's app secret: the buyer's phone opens the link, no more
    base_url: str
    confirmed: int = 0
    seen: set[str] = field(default_factory=set)
    # Links of orders no robot confirms (order id % 4 == 0): alive for the person to try.
    left_for_person: list[tuple[str, int]] = field(default_factory=list)

    def _new_links(self) -> Iterable[tuple[str, int]]:
        sent = [*self.platforms.facebook.sent, *self.platforms.zalo.sent]
        for token in LINK.findall(orjson.dumps(sent).decode()):
            if token in self.seen:
                continue
            self.seen.add(token)
            with contextlib.suppress(LinkError):
                yield token, open_token(self.settings, token)

    async def confirm(self, token: str, order_id: int) -> None:
        await asyncio.sleep(READ_AFTER_S)
        try:
            await self._open_and_confirm(token, order_id)
        except (aiohttp.ClientError, OSError, TimeoutError, StopIteration) as exc:
            log.info("demo.buyer_page_failed", order_id=order_id, error=type(exc).__name__)

    async def _open_and_confirm(self, token: str, order_id: int) -> None:
        url = f"{self.base_url}/o/{token}"
        # Its own cookies, like a phone's browser (the demo's address is an IP: cookies allowed).
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone:
            async with phone.get(url) as page:
                html = await page.text()
            form = order_form(html, order_id)
            async with phone.post(url, data=form, allow_redirects=False) as answer:
                if answer.status == 303 and "done=ok" in answer.headers.get("Location", ""):
                    self.confirmed += 1
                else:
                    log.info("demo.buyer_not_confirmed", order_id=order_id, status=answer.status)

    async def run(self) -> None:
        """Run until cancelled: answer each new link the way its buyer would."""
        working: set[asyncio.Task[None]] = set()
        try:
            while True:
                for token, order_id in self._new_links():
                    if confirms_on_page(order_id):
                        task = asyncio.create_task(self.confirm(token, order_id))
                        working.add(task)
                        task.add_done_callback(working.discard)
                    elif order_id % 4 == 0:
                        self.left_for_person.append((token, order_id))
                await asyncio.sleep(LOOK_EVERY_S)
        finally:
            for task in working:
                task.cancel()
