"""Thin jobs of buyer confirmation: compose and queue the message about one order."""

from __future__ import annotations

from typing import Any

from aggregator.confirmation.messages import MessageKind, send_order_message
from aggregator.settings import Settings
from workers.context import PG_POOL, SETTINGS


async def send_order_message_job(ctx: dict[str, Any], order_id: int, kind: str) -> int | None:
    """Re-read the order and tell its buyer (summary or reminder); the send jobs do the sending."""
    settings: Settings = ctx[SETTINGS]
    return await send_order_message(
        ctx[PG_POOL], ctx["redis"], settings, order_id, MessageKind(kind)
    )
