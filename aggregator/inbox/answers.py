"""What a webhook or relay service answers, and the records it writes for refused deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from aggregator.inbox.deliveries import DeliveryRecorder
from aggregator.inbox.records import DeliveryRecord
from connectors.errors import SignatureError
from schema.enums import DeliveryStatus

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


async def reject(
    recorder: DeliveryRecorder,
    event: str,
    body: bytes,
    headers: dict[str, str],
    exc: SignatureError,
) -> Answer:
    """A delivery whose signature failed: recorded unverified, without secrets; 401 or 403."""
    await recorder.record(
        DeliveryRecord(
            body=body,
            headers=headers,
            verified=False,
            status=DeliveryStatus.REJECTED,
            verification_error=str(exc),
        )
    )
    log.warning(event, reason=str(exc))
    return Answer(401 if exc.missing else 403, {"error": str(exc)})


async def refuse(
    recorder: DeliveryRecorder,
    event: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    error: str,
    tenant_id: int | None = None,
) -> Answer:
    """A signed delivery we cannot take (malformed, too big, unknown channel): recorded, 4xx."""
    await recorder.record(
        DeliveryRecord(
            body=body,
            headers=headers,
            verified=True,
            status=DeliveryStatus.REJECTED,
            tenant_id=tenant_id,
            error=error,
        )
    )
    log.warning(event, status=status, error=error)
    return Answer(status, {"error": error})
