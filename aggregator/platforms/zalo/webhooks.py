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
from aggregator.inbox.answers import Answer, refuse, reject
from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.records import DeliveryRecord, sanitise_headers
from aggregator.ingest.pipeline import Ingestor
from connectors.errors import PayloadError, SignatureError
from connectors.zalo.signature import SIGNATURE_HEADER, verify
from connectors.zalo.webhook import comment_event, parse_event
from schema.enums import DeliveryStatus, Platform

log = structlog.get_logger()
SOURCE = "zalo"
OK = {"error": 0, "message": "Success"}


@dataclass
class ZaloWebhooks:
    ingestor: Ingestor
    recorder: DeliveryRecorder
    accounts: ChannelDirectory
    app_id: str
    secret: str
    arq: ArqRedis | None = None  # hands buyers' replies to the confirmation job

    async def receive(self, body: bytes, headers: Any) -> Answer:
        kept = sanitise_headers(headers)
        try:
            if not self.app_id or not self.secret:
                raise SignatureError("zalo_app_id / zalo_oa_secret_key are not configured")
            verify(body, headers.get(SIGNATURE_HEADER), self.app_id, self.secret)
        except SignatureError as exc:
            return await reject(self.recorder, "zalo.webhook_rejected", body, kept, exc)
        try:
            event = parse_event(body)
        except PayloadError as exc:
            return await refuse(self.recorder, "zalo.webhook_refused", body, kept, 400, str(exc))
        account = await self.accounts.get(event.recipient.id)
        record = DeliveryRecord(
            body=body,
            headers=kept,
            verified=True,
            status=DeliveryStatus.PROCESSED,
            tenant_id=account.tenant_id if account else None,
            delivery_key=event.delivery_key,
            error=None if account else f"unknown OA {event.recipient.id}: kept as orphaned",
        )
        comment = comment_event(event)
        if not await self.recorder.record(record):
            log.info("zalo.webhook_duplicate", key=event.delivery_key)
            # Stored again in case a crash came between the record and the comment's commit.
            await self.ingestor.store([comment] if comment is not None else [])
            return Answer(200, OK)
        if comment is not None:
            await self.ingestor.store([comment])
            if account is not None and self.arq is not None:
                # The same message may confirm the buyer's order ("ok", a phone, an address).
                await enqueue_buyer_reply(
                    self.arq, Platform.ZALO, comment.channel_external_id,
                    comment.author_external_id, comment.external_id, comment.text,
                )  # fmt: skip
        log.info("zalo.event", event_name=event.event_name, oa=event.recipient.id)
        return Answer(200, OK)
