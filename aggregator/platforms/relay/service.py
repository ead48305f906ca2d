"""POST /relay/{channel}/comments as a service: authenticate, record, hand to the ingest queue.

Order matters: the channel's secret is looked up and the signature and timestamp are checked on
the raw bytes before anything parses them; every delivery is recorded (refused ones unverified and
without secrets); a signed request seen before is a duplicate and changes nothing; the comments of
a new one go to the Ingestor, which stores each (channel, comment id) once, and the answer waits
for their commit (a retry of a duplicate hands them over again, in case a crash came first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import structlog

from aggregator.channels.directory import ChannelDirectory
from aggregator.credentials.cipher import TokenCipher
from aggregator.inbox.answers import Answer, refuse, reject, signature_status
from aggregator.inbox.handoff import Inbox
from aggregator.inbox.records import Inbound, sanitise_headers
from connectors.errors import CredentialsError, PayloadError, SignatureError
from connectors.relay import signature
from connectors.relay.models import comment_events, parse_batch

log = structlog.get_logger()
SOURCE = "relay"
REJECTED, REFUSED = "relay.rejected", "relay.refused"


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
        kept["relay-channel"] = request.channel[:200]
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
            status = signature_status(exc)
            return await reject(self.inbox, inbound, status, str(exc), event=REJECTED)
        return await self._accept(request.channel, inbound, tenant_id, stamp)

    async def _accept(self, channel: str, inbound: Inbound, tenant_id: int, stamp: int) -> Answer:
        try:
            batch = parse_batch(inbound.body)
        except PayloadError as exc:
            return await refuse(
                self.inbox, inbound, 400, str(exc), event=REFUSED, tenant_id=tenant_id
            )
        if len(batch.comments) > self.max_comments:
            error = f"{len(batch.comments)} comments in one batch; at most {self.max_comments}"
            return await refuse(self.inbox, inbound, 413, error, event=REFUSED, tenant_id=tenant_id)
        key = signature.delivery_key(channel, stamp, inbound.body)
        events = comment_events(channel, batch)
        # Acknowledged once its comments are committed; a duplicate's are handed over again:
        # they store nothing new unless a crash came before they did.
        if not await self.inbox.take(inbound.accepted(key, tenant_id), events):
            log.info("relay.duplicate", channel=channel)
            return Answer(200, {"accepted": 0, "duplicate": True})
        log.info("relay.accepted", channel=channel, comments=len(events))
        return Answer(202, {"accepted": len(events), "duplicate": False})
