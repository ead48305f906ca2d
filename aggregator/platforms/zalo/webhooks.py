"""POST /webhooks/zalo as a service: verify, record, hand off, answer within Zalo's 2 s.

Zalo retries an event that is not answered 200 and then disables the OA's webhook, so once the
signature is proven the answer is always 200: a buyer's text (user_send_text) becomes a comment,
every other documented or unknown event is recorded and ignored (a follow, a sticker, the OA's own
messages echoed back, receipts), and a body chotdon cannot read is kept as a dead letter for
`chotdon deliveries replay`. The live route and the replayer share `_work` and `_after`.

The answer waits for the delivery record and the comment's commit (both batched with other
requests), so an acknowledged message is never only in memory. msg_id is a text's delivery key, so
a repeated event is a duplicate and changes nothing. A text joins the live the OA's channel has on
air; with none on air (or an OA we do not know) it is kept as an orphaned comment for staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog
from arq.connections import ArqRedis

from aggregator.channels.directory import ChannelDirectory
from aggregator.confirmation.replies import enqueue_buyer_reply
from aggregator.inbox.answers import Answer, keep_unreadable, reject, signature_status
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import Replayed, StoredDelivery
from connectors.errors import PayloadError, SignatureError
from connectors.zalo.signature import SIGNATURE_HEADER, verify
from connectors.zalo.webhook import ZaloEvent, comment_event, parse_event
from schema.enums import DeliveryStatus, Platform
from schema.events import CommentEvent

log = structlog.get_logger()
SOURCE = "zalo"
REJECTED, UNREADABLE = "zalo.webhook_rejected", "zalo.webhook_unreadable"
OK = Answer(200, {"error": 0, "message": "Success"})


@dataclass(frozen=True, slots=True)
class Work:
    """What a readable event comes to: its tenant, a note for staff, the comment it makes."""

    tenant_id: int | None
    note: str | None
    comments: list[CommentEvent] = field(default_factory=list)
    reply: CommentEvent | None = None  # also handed to the confirmation job


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
            return await keep_unreadable(
                self.inbox, inbound, str(exc), event=UNREADABLE, body=OK.body
            )
        work = await self._work(event)
        record = inbound.accepted(event.delivery_key, work.tenant_id, error=work.note)
        # A duplicate's comment is stored again, in case a crash came between record and commit.
        if not await self.inbox.take(record, work.comments):
            log.info("zalo.webhook_duplicate", key=event.delivery_key)
            return OK
        await self._after(work)
        log.info("zalo.event", event_name=event.event_name, oa=event.oa_id)
        return OK

    async def replay(self, delivery: StoredDelivery) -> Replayed:
        """A dead letter read again (its signature was proven when it came): the same work as
        the live route, without recording a second delivery."""
        try:
            event = parse_event(delivery.body)
        except PayloadError as exc:
            return Replayed(DeliveryStatus.UNREADABLE, str(exc))
        work = await self._work(event)
        await self.inbox.hand_on(work.comments)
        await self._after(work)
        return Replayed(DeliveryStatus.PROCESSED, work.note, work.tenant_id)

    async def _work(self, event: ZaloEvent) -> Work:
        account = await self.accounts.get(event.oa_id) if event.oa_id else None
        tenant_id = account.tenant_id if account else None
        comment = comment_event(event)
        if comment is None:  # documented or not, only a buyer's text is used
            return Work(tenant_id, f"ignored: {event.event_name}"[:200])
        orphaned = None if account else f"unknown OA {event.oa_id}: kept as orphaned"
        return Work(tenant_id, orphaned, [comment], comment if account else None)

    async def _after(self, work: Work) -> None:
        if work.reply is None or self.arq is None:
            return
        # The same message may confirm the buyer's order ("ok", a phone, an address).
        reply = work.reply
        await enqueue_buyer_reply(
            self.arq, Platform.ZALO, reply.channel_external_id,
            reply.author_external_id, reply.external_id, reply.text,
        )  # fmt: skip
