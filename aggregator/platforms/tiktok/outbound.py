"""TikTok's side of the outbound port: customer-service messages, and none yet about orders.

TikTok Shop's customer-service API writes into a conversation, and a live commenter has no
conversation id we know: messages about their order are recorded 'unsent', with the reason, for
staff to send by hand. Messages queued with a conversation id (queue_channel_message with
TIKTOK_MESSAGE) are sent by the shared platform send job.
"""

from __future__ import annotations

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
from aggregator.runtime.db import Queryable
from connectors.errors import CredentialsError
from connectors.tiktok.client import ShopClient

TIKTOK_MESSAGE = "tiktok.cs_message"  # target {shop_cipher, conversation_id}
SEND_JOB = PLATFORM_SEND_JOB
NO_CONVERSATION = "not yet sent: TikTok needs a customer-service conversation id for this buyer"


class TikTokRouter:
    """Records the message unsent: there is no conversation to write into (port.BuyerRouter)."""

    async def queue(
        self, db: Queryable, sends: Sends, buyer: Buyer, message: BuyerMessage
    ) -> Queued:
        return await record_unsent(db, buyer, message, NO_CONVERSATION)


@dataclass(frozen=True, slots=True)
class TikTokSender:
    """Customer-service messages from stored rows (port.StoredSender); no client, no app keys."""

    client: ShopClient | None
    cipher: TokenCipher

    async def send(self, message: StoredMessage) -> str:
        if message.kind != TIKTOK_MESSAGE:
            raise unknown_kind(message.kind)
        if not message.channel_active:
            raise CredentialsError("the tiktok channel is not connected")
        token, target = stored_access_token(self.cipher, message), message.target
        if self.client is None:
            raise CredentialsError("TikTok app key/secret are not configured")
        return await self.client.send_message(
            token, target["shop_cipher"], target["conversation_id"], message.body
        )

    def refusal(self, message: StoredMessage, detail: str) -> str:
        return channel_refusal(message, detail)

    async def disconnect(self, pool: asyncpg.Pool, message: StoredMessage, reason: str) -> None:
        await disconnect_channel(pool, message, reason)
