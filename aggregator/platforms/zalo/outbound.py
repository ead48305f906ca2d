"""Zalo's side of the outbound port: sending stored OA messages and ZNS templates.

zns.py decides which of the two reaches a buyer. Both kinds go out through the shared platform
send job; the ZNS tracking id is the row id, the same on every retry.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from aggregator.credentials.cipher import TokenCipher
from aggregator.outbound.port import StoredMessage
from aggregator.outbound.record import PLATFORM_SEND_JOB
from aggregator.outbound.sending import (
    channel_refusal,
    disconnect_channel,
    stored_access_token,
    unknown_kind,
)
from aggregator.platforms.zalo.zns import ZALO_MESSAGE, ZALO_ZNS
from connectors.errors import CredentialsError
from connectors.zalo.client import OAClient

SEND_JOB = PLATFORM_SEND_JOB


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
