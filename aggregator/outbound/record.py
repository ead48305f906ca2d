"""The record of what is sent to buyers: outbound_messages rows, written before anything is sent.

A row comes first, keyed by its idempotency key, so asking twice makes one row; its send job is
enqueued after the commit under a job id per row, so repeats coalesce and a retried job finds the
row 'sent' and stops. A message no platform can send is written 'unsent', with the reason, for
staff to send by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aggregator.channels.directory import ChannelRef
from aggregator.outbound.port import Buyer, BuyerMessage, Queued, kind_platform
from aggregator.outbound.sends import SendJob, Sends, enqueue_send
from aggregator.runtime import jobs
from aggregator.runtime.db import Queryable
from schema.enums import Platform
from schema.queries import query

UNSENT_KIND = "order.message"


# The send job of customer-service messages (TikTok Shop, Zalo OA and ZNS), shared by those
# platforms; Facebook has its own (platforms/facebook/outbound.py) for its per-Page rate limit.
PLATFORM_SEND_JOB = SendJob(jobs.PLATFORM_SEND, "platform-send")
SendJobs = Mapping[Platform, SendJob]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to store before sending: on which channel, of which kind, keyed how, to whom."""

    tenant_id: int
    channel_id: int
    kind: str
    key: str  # the idempotency key, unique across all outbound_messages
    body: str
    target: dict[str, Any]
    order_id: int | None = None


async def queue_outbound(db: Queryable, sends: Sends, outgoing: Outgoing, job: SendJob) -> int:
    """One row per idempotency key, then its send job after the commit (sends.py); returns the
    row id."""
    row = await db.fetchrow(
        query("insert_outbound_message"), outgoing.tenant_id, outgoing.channel_id, None,
        outgoing.order_id, outgoing.kind, outgoing.key, outgoing.body, outgoing.target,
    )  # fmt: skip
    if row is None:  # the same key was being stored at once elsewhere: it is committed by now
        key = (outgoing.tenant_id, outgoing.key)
        row = await db.fetchrow(query("outbound_message_by_key"), *key)
    assert row is not None  # one of the two statements finds the row
    if row["status"] == "pending":
        await enqueue_send(sends, job, row["id"])
    return int(row["id"])


async def queue_channel_message(
    db: Queryable, sends: Sends, channel: ChannelRef, kind: str, key: str, text: str,
    target: dict[str, Any], order_id: int | None = None,
) -> int:  # fmt: skip
    """A customer-service message on a TikTok shop or Zalo OA, keyed `kind:channel:key`."""
    outgoing = Outgoing(
        channel.tenant_id, channel.id, kind, f"{kind}:{channel.external_id}:{key}", text, target,
        order_id,
    )  # fmt: skip
    return await queue_outbound(db, sends, outgoing, PLATFORM_SEND_JOB)


async def record_unsent(db: Queryable, buyer: Buyer, message: BuyerMessage, reason: str) -> Queued:
    """Written for the record and for staff, who send it by hand; no job sends it."""
    message_id = await db.fetchval(
        query("record_unsent_message"), buyer.tenant_id, buyer.channel.id, buyer.identity_id,
        buyer.order_id, UNSENT_KIND, f"{buyer.platform.value}:{message.key}", message.text,
        {"user_id": buyer.user_id}, reason,
    )  # fmt: skip
    return Queued(int(message_id or 0), UNSENT_KIND)


def send_job_for(send_jobs: SendJobs, kind: str) -> SendJob | None:
    """The job that sends rows of this kind, None when no platform sends it."""
    platform = kind_platform(kind)
    return None if platform is None else send_jobs.get(platform)
