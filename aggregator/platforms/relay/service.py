"""POST /relay/{channel}/comments as a service: authenticate, record, hand to the ingest queue.

Order matters: the channel's secret is looked up and the signature and timestamp are checked on
the raw bytes before anything parses them; every delivery is recorded (refused ones unverified and
without secrets); a signed request seen before is a duplicate and changes nothing; the comments of
a new one go to the Ingestor, which stores each (channel, comment id) once, and the answer waits
for their commit (a retry of a duplicate hands them over again, in case a crash came first).

A signed batch chotdon cannot read (not JSON, not shaped like the published schema) is kept as a
dead letter and answered 200, like every platform's: a bridge that retries it for ever would hold
back the batches behind it. A readable batch past a documented limit (no comments: 400, more than
CHOTDON_RELAY_MAX_COMMENTS: 413, a text past its length: 400) is still refused: the bridge is ours
to fix, and splitting a batch is its job. The live route and the replayer share `_events`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import structlog

from aggregator.channels.directory import ChannelDirectory
from aggregator.credentials.cipher import TokenCipher
from aggregator.inbox.answers import Answer, keep_unreadable, refuse, reject
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.records import Inbound, sanitise_headers
from aggregator.inbox.replay import Replayed, StoredDelivery
from connectors.errors import CredentialsError, PayloadError, SignatureError
from connectors.relay import signature
from connectors.relay.models import OverLimit, comment_events, parse_batch
from schema.enums import DeliveryStatus
from schema.errors import ChotdonError
from schema.events import CommentEvent

log = structlog.get_logger()
SOURCE = "relay"
REJECTED, REFUSED = "relay.rejected", "relay.refused"
UNREADABLE = "relay.unreadable"
CHANNEL_HEADER = "relay-channel"  # kept with the delivery: the replayer needs the channel
KEPT = {"accepted": 0, "duplicate": False, "unreadable": True}
NOT_PROVEN = {"error": "not signed by this channel's secret"}
SIGNED_HEADERS = (signature.TIMESTAMP_HEADER, signature.SIGNATURE_HEADER)
MAX_CHANNEL_CHARS = 200  # a channel name is never longer; Postgres text holds no NUL


class Refused(ChotdonError):
    """A readable batch chotdon will not take: refused with `status`."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class RelayRequest:
    channel: str
    body: bytes
    headers: Any


@dataclass
class RelayService:
    inbox: Inbox
    channels: ChannelDirectory
    cipher: TokenCipher | None
    window_s: int
    max_comments: int

    async def _secret(self, channel: str) -> tuple[int, bytes]:
        if not channel or "\x00" in channel or len(channel) > MAX_CHANNEL_CHARS:
            raise SignatureError(f"no active relay channel {channel[:MAX_CHANNEL_CHARS]!r}")
        ref = await self.channels.get(channel)
        if ref is None or not ref.active:
            raise SignatureError(f"no active relay channel {channel!r}")
        if self.cipher is None:
            raise SignatureError("CHOTDON_APP_SECRET is not configured: relay secrets are sealed")
        try:
            return ref.tenant_id, self.cipher.decrypt(ref.credentials_encrypted).encode()
        except CredentialsError as exc:
            raise SignatureError(f"relay channel {channel!r} has no usable secret: {exc}") from None

    async def receive(self, request: RelayRequest) -> Answer:
        kept = sanitise_headers(request.headers)
        kept[CHANNEL_HEADER] = request.channel[:MAX_CHANNEL_CHARS]
        inbound = Inbound(request.body, kept)
        try:
            tenant_id, secret = await self._secret(request.channel)
            stamp = signature.verify(
                secret,
                request.body,
                timestamp=request.headers.get(signature.TIMESTAMP_HEADER),
                signature=request.headers.get(signature.SIGNATURE_HEADER),
                now=time.time(),
                window_s=self.window_s,
            )
        except SignatureError as exc:
            # One answer for an unknown channel and a bad signature, so the relay does not tell
            # which channels exist: the status depends only on what the request presented.
            presented = all(request.headers.get(h) for h in SIGNED_HEADERS)
            return await reject(
                self.inbox, inbound, 403 if presented else 401, str(exc), event=REJECTED,
                body=NOT_PROVEN,
            )  # fmt: skip
        return await self._accept(request.channel, inbound, tenant_id, stamp)

    def _events(self, channel: str, body: bytes) -> list[CommentEvent]:
        """The batch's comments; Refused past a limit, PayloadError when it cannot be read."""
        try:
            batch = parse_batch(body)
        except OverLimit as exc:
            raise Refused(str(exc), 400) from None
        if len(batch.comments) > self.max_comments:
            error = f"{len(batch.comments)} comments in one batch; at most {self.max_comments}"
            raise Refused(error, 413)
        return comment_events(channel, batch)

    async def replay(self, delivery: StoredDelivery) -> Replayed:
        """A dead letter read again (its signature was proven when it came): its comments are
        handed on, without recording a second delivery."""
        channel = delivery.headers.get(CHANNEL_HEADER, "")
        if not channel:
            return Replayed(DeliveryStatus.UNREADABLE, "no relay channel recorded with it")
        try:
            events = self._events(channel, delivery.body)
        except Refused as exc:
            return Replayed(DeliveryStatus.REJECTED, str(exc), delivery.tenant_id)
        except PayloadError as exc:
            return Replayed(DeliveryStatus.UNREADABLE, str(exc))
        await self.inbox.hand_on(events)
        return Replayed(DeliveryStatus.PROCESSED, None, delivery.tenant_id)

    async def _accept(self, channel: str, inbound: Inbound, tenant_id: int, stamp: int) -> Answer:
        try:
            events = self._events(channel, inbound.body)
        except Refused as exc:
            return await refuse(
                self.inbox, inbound, exc.status, str(exc), event=REFUSED, tenant_id=tenant_id
            )
        except PayloadError as exc:
            return await keep_unreadable(
                self.inbox, inbound, str(exc), event=UNREADABLE, body=KEPT, tenant_id=tenant_id
            )
        key = signature.delivery_key(channel, stamp, inbound.body)
        # Acknowledged once its comments are committed; a duplicate's are handed over again:
        # they store nothing new unless a crash came before they did.
        if not await self.inbox.take(inbound.accepted(key, tenant_id), events):
            log.info("relay.duplicate", channel=channel)
            return Answer(200, {"accepted": 0, "duplicate": True})
        log.info("relay.accepted", channel=channel, comments=len(events))
        return Answer(202, {"accepted": len(events), "duplicate": False})
