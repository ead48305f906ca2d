"""Zalo's side of the outbound port: order updates to a buyer, and sending the stored rows.

A buyer who messaged the OA lately gets an OA customer-service message, anyone else with a phone
number a ZNS template (when the OA has one); a buyer neither reaches gets the message recorded
'unsent' for staff (zns.py decides the route). Both kinds go out through the shared platform send
job; the ZNS tracking id is the row id, the same on every retry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

from aggregator.credentials.cipher import TokenCipher
from aggregator.outbound.port import Buyer, BuyerMessage, Queued, StoredMessage
from aggregator.outbound.record import PLATFORM_SEND_JOB, record_unsent
from aggregator.outbound.sending import (
    channel_refusal,
    disconnect_channel,
    stored_access_token,
    unknown_kind,
)
from aggregator.outbound.sends import Sends
from aggregator.platforms.zalo.zns import (
    ZALO_MESSAGE,
    ZALO_ZNS,
    ZaloRecipient,
    ZaloRoute,
    queue_zalo_order_update,
)
from aggregator.runtime.db import Queryable
from connectors.errors import CredentialsError
from connectors.zalo.client import OAClient

SEND_JOB = PLATFORM_SEND_JOB
UNREACHABLE = "not sent: the buyer left Zalo's message window and no phone or ZNS template"


class ZaloRouter:
    """An OA message inside Zalo's window, else a ZNS template by phone (port.BuyerRouter)."""

    async def queue(
        self, db: Queryable, sends: Sends, buyer: Buyer, message: BuyerMessage
    ) -> Queued:
        recipient = ZaloRecipient(buyer.user_id, buyer.last_message_at, buyer.phone)
        data = {"order_code": buyer.order_no, "customer_name": buyer.display_name}
        route, mid = await queue_zalo_order_update(
            db, sends, buyer.channel, buyer.order_id, message.key, recipient, message.text, data,
            time.time(),
        )  # fmt: skip
        if mid is None:
            return await record_unsent(db, buyer, message, UNREACHABLE)
        return Queued(mid, ZALO_ZNS if route is ZaloRoute.ZNS else ZALO_MESSAGE)


@dataclass(frozen=True, slots=True)
class ZaloSender:
    """OA messages and ZNS templates from stored rows (port.StoredSender)."""

    client: OAClient
    cipher: TokenCipher

    async def send(self, message: StoredMessage) -> str:
        if message.kind not in (ZALO_MESSAGE, ZALO_ZNS):
            raise unknown_kind(message.kind)
        if not message.channel_active:
            raise CredentialsError("the zalo channel is not connected")
        token, target = stored_access_token(self.cipher, message), message.target
        if message.kind == ZALO_ZNS:
            return await self.client.send_zns(
                token, target["phone"], target["template_id"], target["template_data"],
                f"chotdon-{message.id}",
            )  # fmt: skip
        return await self.client.send_text(token, target["user_id"], message.body)

    def refusal(self, message: StoredMessage, detail: str) -> str:
        return channel_refusal(message, detail)

    async def disconnect(self, pool: asyncpg.Pool, message: StoredMessage, reason: str) -> None:
        await disconnect_channel(pool, message, reason)
