"""Zalo order updates: an OA message when the buyer can be reached there, else a ZNS template.

Zalo lets an OA send customer-service messages only to a follower (a Zalo user id) who messaged
it recently (ZALO_CS_WINDOW_S). A buyer who never messaged the OA, or not lately, is reached by ZNS:
a pre-approved template sent to the phone number. The template id is the OA channel's setting
`zns_order_update_template` (each OA registers its own templates with Zalo). Both go through
outbound_messages with an idempotency key, so a retried job never sends twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import structlog

from aggregator.channels.directory import ChannelRef
from aggregator.core.parser.phone import normalize_phone
from aggregator.outbound.record import queue_channel_message
from aggregator.outbound.sends import Sends
from aggregator.runtime.db import Queryable

log = structlog.get_logger()
ZALO_MESSAGE = "zalo.cs_message"  # target {user_id}
ZALO_ZNS = "zalo.zns"  # target {phone (84…), template_id, template_data}
ZNS_TEMPLATE_SETTING = "zns_order_update_template"
ZALO_CS_WINDOW_S = 7 * 86_400


class ZaloRoute(enum.StrEnum):
    OA_MESSAGE = "oa_message"
    ZNS = "zns"
    NONE = "none"  # no follower in the window, and no phone or no template: nothing to send


@dataclass(frozen=True, slots=True)
class ZaloRecipient:
    user_id: str | None  # the buyer's Zalo user id for this OA, if they ever messaged it
    last_message_at: float | None  # unix seconds of their last message to the OA
    phone: str | None


def zns_phone(phone: str | None) -> str | None:
    """A Vietnamese mobile in ZNS form (84 + 9 digits), or None."""
    normalised = normalize_phone(phone or "")
    return "84" + normalised[1:] if normalised else None


def zalo_route(recipient: ZaloRecipient, template_id: str, now: float) -> ZaloRoute:
    last = recipient.last_message_at
    if recipient.user_id and last is not None and now - last <= ZALO_CS_WINDOW_S:
        return ZaloRoute.OA_MESSAGE
    if zns_phone(recipient.phone) and template_id:
        return ZaloRoute.ZNS
    return ZaloRoute.NONE


async def queue_zalo_order_update(
    db: Queryable, sends: Sends, channel: ChannelRef, order_id: int | None, key: str,
    recipient: ZaloRecipient, text: str, template_data: dict[str, Any], now: float,
) -> tuple[ZaloRoute, int | None]:  # fmt: skip
    """Queue one order update by the route that reaches the buyer; (route, outbound id)."""
    template_id = str(channel.settings.get(ZNS_TEMPLATE_SETTING) or "")
    route = zalo_route(recipient, template_id, now)
    if route is ZaloRoute.OA_MESSAGE:
        target: dict[str, Any] = {"user_id": recipient.user_id}
        kind = ZALO_MESSAGE
    elif route is ZaloRoute.ZNS:
        target = {
            "phone": zns_phone(recipient.phone), "template_id": template_id,
            "template_data": template_data,
        }  # fmt: skip
        kind = ZALO_ZNS
    else:
        log.info("zalo.order_update_unreachable", order_id=order_id, has_template=bool(template_id))
        return route, None
    message_id = await queue_channel_message(db, sends, channel, kind, key, text, target, order_id)
    return route, message_id
