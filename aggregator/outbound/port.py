"""The port between the order flow and the platforms: one Protocol per concern.

A BuyerRouter queues a message to a buyer about their order on one platform (a Facebook private
reply, a Zalo OA message or ZNS template, or an 'unsent' record where the platform has no way to
write to the buyer). A StoredSender sends one stored outbound_messages row on one platform. Each
platform package implements them; workers build the registries (Routers, Senders) and pass them
in, so the order flow never imports a platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from aggregator.channels.directory import ChannelRef
from aggregator.outbound.sends import Sends
from aggregator.runtime.db import Queryable
from schema.enums import Platform


@dataclass(frozen=True, slots=True)
class BuyerMessage:
    key: str  # idempotency: one message per key, whoever asks and however often
    text: str


@dataclass(frozen=True, slots=True)
class Queued:
    message_id: int  # the outbound_messages row (0 when an unsent record already existed)
    kind: str  # its kind: how it goes out (facebook.private_reply, zalo.zns, order.message…)


@dataclass(frozen=True, slots=True)
class Buyer:
    """Where messages about one order go: the buyer's identity on the channel they ordered from."""

    order_id: int
    order_no: str
    tenant_id: int
    platform: Platform
    channel: ChannelRef
    identity_id: int
    user_id: str  # the buyer's id on the platform (page-scoped id, Zalo user id…)
    display_name: str
    phone: str | None
    last_message_at: float | None  # unix seconds of their last comment or message to us
    first_comment_id: str | None  # the comment (or Messenger message) that opened the order
    facebook_messages: int  # messages already queued to them on Facebook about this order
    sandbox: bool = False  # an order of a rehearsal: nothing may reach a real buyer


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One outbound_messages row with what its channel needs to send it."""

    id: int
    channel_id: int
    kind: str
    body: str
    target: dict[str, Any]  # where it goes: comment id, PSID, user id, phone and template…
    status: str
    channel_external_id: str  # the Page id, shop id or OA id
    channel_active: bool
    credentials_encrypted: bytes | None


class BuyerRouter(Protocol):
    """One platform's way to reach a buyer about their order: its statements on `db`, alone or in
    the caller's transaction, and its send jobs to `sends` (outbound/sends.py)."""

    async def queue(
        self, db: Queryable, sends: Sends, buyer: Buyer, message: BuyerMessage
    ) -> Queued: ...


class StoredSender(Protocol):
    """One platform's way to send a stored row; errors are connectors.errors, mapped by the loop."""

    async def send(self, message: StoredMessage) -> str:
        """Send it; returns the platform's id for what was sent ('' when it gives none)."""
        ...

    def refusal(self, message: StoredMessage, detail: str) -> str:
        """The staff-facing sentence when the platform refused the stored credentials."""
        ...

    async def disconnect(self, pool: asyncpg.Pool, message: StoredMessage, reason: str) -> None:
        """Stop using the channel until staff reconnect it (its token was refused)."""
        ...


Routers = Mapping[Platform, BuyerRouter]
Senders = Mapping[Platform, StoredSender]


def kind_platform(kind: str) -> Platform | None:
    """The platform a message kind belongs to: kinds are named `<platform>.<what>`."""
    try:
        return Platform(kind.partition(".")[0])
    except ValueError:
        return None
