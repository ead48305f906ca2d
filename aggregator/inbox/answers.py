"""What every webhook service answers, and the one way a delivery is turned away.

A service returns an Answer (an HTTP status and a JSON object, or plain text where a platform
expects it); the web layer only translates it. A delivery we do not take is still recorded,
through whichever recorder the service uses, before the answer goes out: staff can see every
refusal, and the sender's retry meets the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from aggregator.inbox.records import Inbound, Recorder
from aggregator.inbox.refusals import admit_refusal, record_refusal
from connectors.errors import SignatureError

log = structlog.get_logger()
Body = dict[str, Any] | str  # a str is sent as text/plain (Facebook's EVENT_RECEIVED)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Body = field(default_factory=dict)


def signature_status(exc: SignatureError) -> int:
    """401 when nothing was presented, 403 when what was presented is wrong."""
    return 401 if exc.missing else 403


async def reject(
    recorder: Recorder, inbound: Inbound, status: int, reason: str, *,
    event: str, body: Body | None = None, **context: Any,
) -> Answer:  # fmt: skip
    """The sender is not proven: recorded unverified (reason, size, hash and a short prefix of the
    body, no secret), answered 401/403. Past the client address's limit, only counted: anyone can
    send these, as fast as they like (aggregator/inbox/refusals.py)."""
    if admit_refusal():
        await record_refusal(recorder, inbound.rejected(reason))
        log.warning(event, status=status, reason=reason, **context)
    return Answer(status, {"error": reason} if body is None else body)


async def keep_unreadable(
    recorder: Recorder, inbound: Inbound, reason: str, *,
    event: str, body: Body, tenant_id: int | None = None, **context: Any,
) -> Answer:  # fmt: skip
    """A proven delivery we cannot read: kept as a dead letter and answered 200 with the
    sender's usual acknowledgement `body`, because a 4xx would make it retry and then give up
    (Zalo disables the webhook, Facebook retries for 36 hours) and the next delivery is lost too.
    Only a bad signature, an oversized body or an unknown receiver is refused."""
    await recorder.record(inbound.unreadable(reason, tenant_id))
    log.warning(event, reason=reason, **context)
    return Answer(200, body)


async def refuse(
    recorder: Recorder, inbound: Inbound, status: int, error: str, *,
    event: str, tenant_id: int | None = None, body: Body | None = None, **context: Any,
) -> Answer:  # fmt: skip
    """A proven delivery we cannot take (malformed, too big, unknown channel): recorded, 4xx."""
    await recorder.record(inbound.refused(error, tenant_id))
    log.warning(event, status=status, error=error, **context)
    return Answer(status, {"error": error} if body is None else body)
