"""POST /webhooks/zalo as a service: verify, record, hand off, answer within Zalo's 2 s.

The answer waits for the delivery record and the comment's commit (both batched with other
requests), so an acknowledged message is never only in memory. msg_id is the delivery key, so a
repeated event is a duplicate and changes nothing. A text from a buyer joins the live the OA's
channel has on air; with none on air (or an OA we do not know) it is kept as an orphaned comment
for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from arq.connections import ArqRedis

from aggregator.channels.directory import ChannelDirectory
from aggregator.confirmation.replies import enqueue_buyer_reply
from aggregator.inbox.answers import Answer, refuse, reject, signature_status
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.records import Inbound
from connectors.errors import PayloadError, SignatureError
from connectors.zalo.signature import SIGNATURE_HEADER, verify
from connectors.zalo.webhook import comment_event, parse_event
from schema.enums import Platform

log = structlog.get_logger()
SOURCE = "zalo"
REJECTED, REFUSED = "zalo.webhook_rejected", "zalo.webhook_refused"
OK = Answer(200, {"error": 0, "message": "Success"})


@dataclass
class ZaloWebhooks:
    inbox: Inbox
    accounts: ChannelDirectory
    app_id: str
    secret: str
    arq: ArqRedis | None = None  # hands buyers' replies to the confirmation job

    async def receive(self, body: bytes, headers: Any) -> Answer:
        inbound = Inbound.of(body, headers)
        try:
            if not self.app_id or not self.secret:
                raise SignatureError("zalo_app_id / zalo_oa_secret_key are not configured")
            verify(body, headers.get(SIGNATURE_HEADER), self.app_id, self.secret)
        except SignatureError as exc:
            status = signature_status(exc)
            return await reject(self.inbox, inbound, status, str(exc), event=REJECTED)
        try:
            event = parse_event(body)
        except PayloadError as exc:
            return await refuse(self.inbox, inbound, 400, str(exc), event=REFUSED)
        account = await self.accounts.get(event.recipient.id)
        orphaned = None if account else f"unknown OA {event.recipient.id}: kept as orphaned"
        record = inbound.accepted(
            event.delivery_key, account.tenant_id if account else None, error=orphaned
        )
        comment = comment_event(event)
        # A duplicate's comment is stored again, in case a crash came between record and commit.
        if not await self.inbox.take(record, [comment] if comment is not None else []):
            log.info("zalo.webhook_duplicate", key=event.delivery_key)
            return OK
        if comment is not None and account is not None and self.arq is not None:
            # The same message may confirm the buyer's order ("ok", a phone, an address).
            await enqueue_buyer_reply(
                self.arq, Platform.ZALO, comment.channel_external_id,
                comment.author_external_id, comment.external_id, comment.text,
            )  # fmt: skip
        log.info("zalo.event", event_name=event.event_name, oa=event.recipient.id)
        return OK
