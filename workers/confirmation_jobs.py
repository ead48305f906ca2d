"""Thin jobs of buyer confirmation: compose and queue the message about one order."""

from __future__ import annotations

from typing import Any

from aggregator.confirmation.messages import MessageKind, send_order_message
from aggregator.confirmation.replies import handle_buyer_reply
from aggregator.settings import Settings
from schema.enums import Platform
from workers.context import PG_POOL, SETTINGS, outbound_routers


async def send_order_message_job(ctx: dict[str, Any], order_id: int, kind: str) -> int | None:
    """Re-read the order and tell its buyer (summary or reminder); the send jobs do the sending."""
    settings: Settings = ctx[SETTINGS]
    return await send_order_message(
        ctx[PG_POOL], ctx["redis"], settings, outbound_routers(), order_id, MessageKind(kind)
    )


async def buyer_reply_job(
    ctx: dict[str, Any], platform: str, channel_external_id: str, sender_id: str, text: str
) -> bool:
    """A buyer answered our message privately: confirm their order if the reply says so."""
    outcome = await handle_buyer_reply(
        ctx[PG_POOL], Platform(platform), channel_external_id, sender_id, text
    )
    return outcome.confirmed
