"""Facebook's sender of stored outbound_messages rows (port.StoredSender): the Graph API call.

The send loop itself (attempts, retries, failures) is outbound/sending.py's, the same for every
platform; this says how each Facebook kind goes out and what a refused Page token means.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from aggregator.credentials.cipher import TokenCipher
from aggregator.outbound.port import StoredMessage
from aggregator.outbound.sending import unknown_kind
from aggregator.platforms.facebook import outbound
from aggregator.platforms.facebook.tokens import disconnect_page, token_problem
from connectors.errors import AlreadyDoneError, CredentialsError
from connectors.facebook.graph import GraphClient


async def _dispatch(graph: GraphClient, message: StoredMessage, token: str) -> str:
    target, page_id = message.target, message.channel_external_id
    if message.kind == outbound.PRIVATE_REPLY:
        return await graph.private_reply(page_id, target["comment_id"], message.body, token)
    if message.kind == outbound.MESSAGE:
        return await graph.send_message(
            page_id,
            target["psid"],
            message.body,
            token,
            messaging_type=target["messaging_type"],
            tag=target.get("tag"),
        )
    if message.kind == outbound.HIDE_COMMENT:
        await graph.hide_comment(target["comment_id"], token)
        return ""
    raise unknown_kind(message.kind)


@dataclass(frozen=True, slots=True)
class FacebookSender:
    graph: GraphClient
    cipher: TokenCipher

    async def send(self, message: StoredMessage) -> str:
        if not message.channel_active:
            raise CredentialsError("the Facebook Page is not connected")
        token = self.cipher.decrypt(message.credentials_encrypted)
        try:
            return await _dispatch(self.graph, message, token)
        except AlreadyDoneError:
            return ""  # an earlier attempt got through before a crash: it counts as sent

    def refusal(self, message: StoredMessage, detail: str) -> str:
        return token_problem(message.channel_external_id, detail)

    async def disconnect(self, pool: asyncpg.Pool, message: StoredMessage, reason: str) -> None:
        await disconnect_page(pool, message.channel_id, reason)
