"""Messages about an order go to its buyer on the platform the order came from.

The buyer is read once per message from Postgres (order_for_message); the registry of routers,
built by the composition root, decides how the message goes out on that platform. A platform
with no router (relay, manual) gets its messages recorded 'unsent', for staff to send by hand.
"""

from __future__ import annotations

import asyncpg
import structlog

from aggregator.channels.directory import ChannelRef
from aggregator.outbound.port import Buyer, BuyerMessage, Queued, Routers
from aggregator.outbound.record import record_unsent
from aggregator.outbound.sends import Sends
from aggregator.runtime.db import Queryable
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
SANDBOX_KIND = "sandbox.not_sent"


async def load_buyer(pool: asyncpg.Pool, order_id: int) -> Buyer | None:
    row = await pool.fetchrow(query("order_for_message"), order_id)
    if row is None:
        return None
    last = row["last_message_at"]
    channel = ChannelRef(
        id=row["channel_id"],
        tenant_id=row["tenant_id"],
        external_id=row["external_id"],
        name=row["channel_name"],
        active=row["channel_status"] == "active",
        settings=dict(row["settings"] or {}),
        credentials_encrypted=row["credentials_encrypted"],
    )
    return Buyer(
        order_id=row["id"],
        order_no=row["order_no"],
        tenant_id=row["tenant_id"],
        platform=Platform(row["platform"]),
        channel=channel,
        identity_id=row["buyer_identity_id"],
        user_id=row["external_user_id"],
        display_name=row["display_name"] or "",
        phone=row["buyer_phone"],
        last_message_at=float(last) if last is not None else None,
        first_comment_id=row["first_comment_id"],
        facebook_messages=row["facebook_messages"],
        sandbox=row["sandbox"],
    )


async def queue_for_buyer(
    db: Queryable, sends: Sends, routers: Routers, buyer: Buyer, message: BuyerMessage
) -> Queued:
    """Queue the message on the buyer's platform; returns the row and how it goes out.

    A rehearsal's message is neither sent nor stored as a message (so no send job, sweeper or
    "to send by hand" list can pick it up): replayed ids and phones may be real people's.
    """
    if buyer.sandbox:
        log.info("outbound.sandbox_not_sent", order_id=buyer.order_id, key=message.key)
        return Queued(0, SANDBOX_KIND)
    router = routers.get(buyer.platform)
    if router is None:
        reason = (
            f"not yet sent: no sender for {buyer.platform.value} channels; staff send it by hand"
        )
        return await record_unsent(db, buyer, message, reason)
    return await router.queue(db, sends, buyer, message)
