"""The adapters and webhook readers of every courier, by Courier."""

from __future__ import annotations

import aiohttp

from connectors.couriers import ghn, ghtk, viettelpost
from connectors.couriers.port import CourierConfig, CourierPort, WebhookSpec
from schema.enums import Courier

WEBHOOKS: dict[Courier, WebhookSpec] = {
    Courier.GHN: ghn.WEBHOOK,
    Courier.GHTK: ghtk.WEBHOOK,
    Courier.VIETTELPOST: viettelpost.WEBHOOK,
}


def build_adapter(
    courier: Courier, config: CourierConfig, session: aiohttp.ClientSession
) -> CourierPort:
    if courier is Courier.GHN:
        return ghn.GhnAdapter(config, session)
    if courier is Courier.GHTK:
        return ghtk.GhtkAdapter(config, session)
    return viettelpost.ViettelPostAdapter(
        config, session, print_base=config.print_url or viettelpost.PRINT_BASE
    )
