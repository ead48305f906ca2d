"""POST /webhooks/facebook as a service: verify, record, hand off. Every outcome is recorded.

Order matters: the signature is checked on the raw bytes before anything parses them; the delivery
is stored before the answer, and so are its comments (the answer waits for their commit); a retry
or duplicate is recorded as such and only hands its comments over again, which stores nothing new
unless the process died before storing them the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.replies import enqueue_buyer_reply
from aggregator.core.parser import find_phone
from aggregator.inbox.answers import Answer, refuse, reject, signature_status
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.records import Inbound
from aggregator.platforms.facebook import outbound
from aggregator.platforms.facebook.events import feed_comment_event, messenger_event
from aggregator.platforms.facebook.lives import apply_live_status
from aggregator.platforms.facebook.pages import LiveIndex, PageDirectory, PageRef
from connectors.errors import PayloadError, SignatureError
from connectors.facebook.signature import verify_signature
from connectors.facebook.webhook import Delivery, FeedComment, parse_delivery
from schema.enums import Platform
from schema.events import CommentEvent
from schema.queries import query

log = structlog.get_logger()
SOURCE = "facebook"
REJECTED, REFUSED = "facebook.webhook_rejected", "facebook.webhook_refused"
RECEIVED = Answer(200, "EVENT_RECEIVED")  # plain text, as in Facebook's own webhook examples


@dataclass
class WebhookService:
    pool: asyncpg.Pool
    arq: ArqRedis
    inbox: Inbox
    app_secret: bytes | None
    pages: PageDirectory
    lives: LiveIndex

    async def receive(self, body: bytes, headers: Any, signature: str | None) -> Answer:
        inbound = Inbound.of(body, headers)
        try:
            if not self.app_secret:
                raise SignatureError("facebook_app_secret is not configured")
            verify_signature(body, signature, self.app_secret)
        except SignatureError as exc:
            status = signature_status(exc)
            return await reject(self.inbox, inbound, status, str(exc), event=REJECTED)
        try:
            delivery = parse_delivery(body)
        except PayloadError as exc:
            error = f"malformed delivery: {exc}"
            return await refuse(self.inbox, inbound, 400, error, event=REFUSED)
        pages = await self.pages.known(delivery.page_ids)
        if not pages:
            error = "no connected Page in this delivery"
            return await refuse(self.inbox, inbound, 404, error, event=REFUSED)
        unknown = sorted(delivery.page_ids - pages.keys())
        skipped = f"unknown pages skipped: {', '.join(unknown)}" if unknown else None
        record = inbound.accepted(delivery.key, _single_tenant(pages), error=skipped)
        if await self.inbox.record(record):
            await self._apply(delivery, pages)
        else:
            log.info("facebook.webhook_duplicate", key=delivery.key[:16])
            await self.inbox.hand_on(await self._events(delivery, pages))
        return RECEIVED

    async def _apply(self, delivery: Delivery, pages: dict[str, PageRef]) -> None:
        for live in delivery.lives:
            if live.page_id in pages:
                await apply_live_status(self.pool, pages[live.page_id], live.live_id, live.status)
        await self.inbox.hand_on(await self._events(delivery, pages))
        for page in pages.values():
            await self._comments(page, [c for c in delivery.comments if c.page_id == page.page_id])
        for message in delivery.messages:
            if message.page_id in pages:
                await enqueue_buyer_reply(self.arq, Platform.FACEBOOK, message.page_id,
                                          message.sender_id, message.mid, message.text)  # fmt: skip

    async def _events(self, delivery: Delivery, pages: dict[str, PageRef]) -> list[CommentEvent]:
        """The delivery's comments and Messenger texts on connected Pages, as ingest events."""
        events = []
        for page in pages.values():
            added = [
                c for c in delivery.comments if c.page_id == page.page_id and c.verb != "remove"
            ]
            if added:
                posts = {c.post_id for c in added}
                live_ids = await self.lives.lives_for_posts(page.channel_id, posts)
                events += [feed_comment_event(c, live_ids.get(c.post_id)) for c in added]
        messages = [m for m in delivery.messages if m.page_id in pages]
        return events + [messenger_event(m) for m in messages]

    async def _comments(self, page: PageRef, comments: list[FeedComment]) -> None:
        """After the comments are stored: hide those showing a phone, ignore removed ones."""
        removed = [c.comment_id for c in comments if c.verb == "remove"]
        for comment in comments:
            if comment.verb == "remove":
                continue
            if page.hide_phone_comments and find_phone(comment.message):
                await outbound.queue_hide_comment(self.pool, self.arq, page, comment.comment_id)
        if removed:
            await self.pool.execute(
                query("ignore_removed_facebook_comments"), page.page_id, removed
            )


def _single_tenant(pages: dict[str, PageRef]) -> int | None:
    tenants = {p.tenant_id for p in pages.values()}
    return tenants.pop() if len(tenants) == 1 else None
