"""POST /webhooks/facebook as a service: verify, record, act. Every outcome is recorded.

Order matters: the signature is checked on the raw bytes before anything reads them. A verified
delivery is never refused for its shape: events chotdon does not use (reads, deliveries, echoes of
our own messages, postbacks, reactions, standby traffic of another app) are recorded as processed
with a note naming them; a body that cannot be read is kept whole as a dead letter and answered
like any other, so Facebook neither retries it for 36 hours nor drops the next one. Only a bad
signature, an oversized body or a delivery for no connected Page is refused.

The delivery is stored before the answer, and so are its comments (the answer waits for their
commit); a retry or duplicate is recorded as such and only hands its comments over again, which
stores nothing new unless the process died before storing them the first time. `replay` does
what the live route does after recording, for `chotdon deliveries replay`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.confirmation.replies import enqueue_buyer_reply
from aggregator.core.parser import find_phone
from aggregator.inbox.answers import Answer, keep_unreadable, refuse, reject, signature_status
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.records import Inbound
from aggregator.inbox.replay import Replayed, StoredDelivery
from aggregator.ingest.revisions import revise_comments
from aggregator.ingest.store import CommentKey
from aggregator.platforms.facebook import outbound
from aggregator.platforms.facebook.events import (
    comment_revision,
    feed_comment_event,
    message_revision,
    messenger_event,
)
from aggregator.platforms.facebook.lives import apply_live_status
from aggregator.platforms.facebook.pages import LiveIndex, PageDirectory, PageRef
from connectors.errors import PayloadError, SignatureError
from connectors.facebook.signature import verify_signature
from connectors.facebook.webhook import (
    Delivery,
    FeedComment,
    MessengerEdit,
    MessengerMessage,
    page_ids_of,
    parse_delivery,
)
from schema.enums import DeliveryStatus, Platform
from schema.events import CommentEvent

log = structlog.get_logger()
SOURCE = "facebook"
REJECTED, REFUSED = "facebook.webhook_rejected", "facebook.webhook_refused"
UNREADABLE = "facebook.webhook_unreadable"
ACK = "EVENT_RECEIVED"  # plain text, as in Facebook's own webhook examples
RECEIVED = Answer(200, ACK)
NO_PAGE = "no connected Page in this delivery"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a verified body says, before anything is recorded or done."""

    delivery: Delivery | None
    pages: dict[str, PageRef] = field(default_factory=dict)
    unreadable: str | None = None  # why the body cannot be read (kept as a dead letter)

    @property
    def tenant_id(self) -> int | None:
        tenants = {p.tenant_id for p in self.pages.values()}
        return tenants.pop() if len(tenants) == 1 else None

    @property
    def for_no_page(self) -> bool:
        """A Page delivery none of whose Pages is connected here (the one 404)."""
        return self.delivery is not None and self.delivery.object == "page" and not self.pages

    @property
    def note(self) -> str | None:
        assert self.delivery is not None
        unknown = sorted(self.delivery.page_ids - self.pages.keys()) if self.pages else []
        skipped = f"unknown pages skipped: {', '.join(unknown)}" if unknown else None
        return "; ".join(n for n in (self.delivery.note, skipped) if n) or None


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
        reading = await self.read(body)
        if reading.unreadable is not None:
            return await keep_unreadable(
                self.inbox, inbound, reading.unreadable, event=UNREADABLE, body=ACK,
                tenant_id=reading.tenant_id,
            )  # fmt: skip
        if reading.for_no_page:
            return await refuse(self.inbox, inbound, 404, NO_PAGE, event=REFUSED)
        assert reading.delivery is not None
        record = inbound.accepted(reading.delivery.key, reading.tenant_id, error=reading.note)
        if self._changes_lives(reading):  # the live first, then the comments that join it
            new = await self.inbox.record(record)
            if new:
                await self.apply(reading)
            else:
                await self.inbox.hand_on(await self._events_of(reading))
        else:  # the common delivery: recorded and its comments stored side by side
            taken = await self.inbox.taken(record, await self._events_of(reading))
            new = taken.new
            if new:
                await self._after_stored(reading, taken.phones)
        if not new:
            log.info("facebook.webhook_duplicate", key=reading.delivery.key[:16])
        return RECEIVED

    async def replay(self, delivery: StoredDelivery) -> Replayed:
        """A dead letter read again (its signature was checked when it came): done like a new
        delivery, without recording a second one. port: aggregator.inbox.replay.Replayer."""
        reading = await self.read(delivery.body)
        if reading.unreadable is not None:
            return Replayed(DeliveryStatus.UNREADABLE, reading.unreadable, reading.tenant_id)
        if reading.for_no_page:
            return Replayed(DeliveryStatus.UNREADABLE, f"{NO_PAGE} (yet)")
        await self.apply(reading)
        return Replayed(DeliveryStatus.PROCESSED, reading.note, reading.tenant_id)

    async def read(self, body: bytes) -> Reading:
        """The body read, with the connected Pages it names; never raises for its shape."""
        try:
            delivery = parse_delivery(body)
        except PayloadError as exc:
            pages = await self.pages.known(page_ids_of(body))
            return Reading(None, pages, unreadable=f"unreadable delivery: {exc}")
        pages = await self.pages.known(delivery.page_ids) if delivery.object == "page" else {}
        return Reading(delivery, pages)

    async def apply(self, reading: Reading) -> None:
        """What a recorded delivery asks: live status, comments and edits, buyers' messages."""
        delivery, pages = reading.delivery, reading.pages
        assert delivery is not None
        for live in delivery.lives:
            if live.page_id in pages:
                await apply_live_status(self.pool, pages[live.page_id], live.live_id, live.status)
        await self.inbox.hand_on(await self._events_of(reading))
        await self._after_stored(reading)

    @staticmethod
    def _changes_lives(reading: Reading) -> bool:
        """A live's status in the delivery: it is applied before the comments are read against
        the lives (a comment may belong to the live this very delivery starts)."""
        assert reading.delivery is not None
        return any(live.page_id in reading.pages for live in reading.delivery.lives)

    async def _events_of(self, reading: Reading) -> list[CommentEvent]:
        assert reading.delivery is not None
        return await self._events(reading.delivery, reading.pages)

    async def _after_stored(
        self, reading: Reading, phones: Mapping[CommentKey, str | None] | None = None
    ) -> None:
        """Once a new delivery's comments are stored: edits and removals, hiding comments that
        show a phone (`phones`: what the store read of their texts, where it did), answering
        buyers' messages."""
        delivery, pages = reading.delivery, reading.pages
        assert delivery is not None
        revisions = [comment_revision(c) for c in delivery.comments if c.verb != "add"]
        revisions += [message_revision(e) for e in delivery.edits]
        await revise_comments(
            self.pool, self.arq, self.inbox.ingestor.catalogs,
            [r for r in revisions if r.channel_external_id in pages],
        )  # fmt: skip
        for page in pages.values():
            mine = [c for c in delivery.comments if c.page_id == page.page_id]
            await self._hide_phones(page, mine, phones or {})
        for message in delivery.messages:
            if message.page_id in pages:
                await enqueue_buyer_reply(self.arq, Platform.FACEBOOK, message.page_id,
                                          message.sender_id, message.mid, message.text)  # fmt: skip

    async def _events(self, delivery: Delivery, pages: dict[str, PageRef]) -> list[CommentEvent]:
        """The delivery's comments (new or edited) and Messenger texts on connected Pages."""
        events = []
        for page in pages.values():
            written = [
                c for c in delivery.comments if c.page_id == page.page_id and c.verb != "remove"
            ]
            if written:
                live_ids = await self.lives.lives_for_posts(
                    page.channel_id, {c.post_id for c in written}
                )
                events += [feed_comment_event(c, live_ids.get(c.post_id)) for c in written]
        chats: list[MessengerMessage | MessengerEdit] = [*delivery.messages, *delivery.edits]
        return events + [messenger_event(m) for m in chats if m.page_id in pages]

    async def _hide_phones(
        self, page: PageRef, comments: list[FeedComment], phones: Mapping[CommentKey, str | None]
    ) -> None:
        """After the comments are stored: hide those showing a phone (an edit can add one)."""
        if not page.hide_phone_comments:
            return
        for comment in comments:
            if comment.verb != "remove" and _shows_phone(comment, phones):
                await outbound.queue_hide_comment(self.pool, self.arq, page, comment.comment_id)


def _shows_phone(comment: FeedComment, phones: Mapping[CommentKey, str | None]) -> bool:
    """As the store read the comment's text when it read that very text (the parser's reading,
    phone included, is what find_phone gives); otherwise read here."""
    key = (Platform.FACEBOOK.value, comment.page_id, comment.comment_id, comment.message)
    return bool(phones[key] if key in phones else find_phone(comment.message))
