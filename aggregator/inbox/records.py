"""What the inbox stores about a delivery, and the rules every source shares.

Every webhook (a platform, the relay, a courier, a bank) is recorded as one DeliveryRecord, so one
rule decides which headers are kept (a short list of harmless ones: never a signature, a token or
a cookie, whatever the sender puts there) and one rule decides what a duplicate is (a verified
delivery whose key is stored already: recorded again without its key, naming the one it repeats).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from schema.enums import DeliveryStatus

KEPT_HEADERS = ("content-type", "content-length", "user-agent", "x-forwarded-for")


def sanitise_headers(headers: Any) -> dict[str, str]:
    """Only harmless headers, by name from a list: a new secret header can never slip through."""
    return {name: str(headers[name])[:300] for name in KEPT_HEADERS if name in headers}


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    body: bytes
    headers: dict[str, str]
    verified: bool
    status: DeliveryStatus
    tenant_id: int | None = None
    delivery_key: str | None = None
    verification_error: str | None = None
    error: str | None = None

    @property
    def keyed(self) -> bool:
        """Only a verified delivery claims its key: a forged one cannot block the real one."""
        return self.verified and self.delivery_key is not None


def as_duplicate(record: DeliveryRecord) -> DeliveryRecord:
    """The row of a delivery seen before: kept for the record, its key left to the first."""
    return DeliveryRecord(
        body=record.body,
        headers=record.headers,
        verified=True,
        status=DeliveryStatus.DUPLICATE,
        tenant_id=record.tenant_id,
        error=f"duplicate of delivery {record.delivery_key}",
    )


def columns(records: list[DeliveryRecord]) -> list[list[object]]:
    """The arrays record_webhook_deliveries unnests, in its parameter order."""
    return [
        [r.tenant_id for r in records],
        [r.delivery_key for r in records],
        [r.verified for r in records],
        [r.verification_error for r in records],
        [r.headers for r in records],
        [r.body for r in records],
        [r.status.value for r in records],
        [r.error for r in records],
    ]


@dataclass(frozen=True, slots=True)
class Inbound:
    """A delivery as it arrived, already fit to store: the body and the harmless headers.

    Its three fates are the three kinds of record, so no service spells out the columns."""

    body: bytes
    headers: dict[str, str]

    @classmethod
    def of(cls, body: bytes, headers: Any) -> Inbound:
        return cls(body, sanitise_headers(headers))

    def accepted(
        self,
        key: str,
        tenant_id: int | None,
        *,
        status: DeliveryStatus = DeliveryStatus.PROCESSED,
        error: str | None = None,
    ) -> DeliveryRecord:
        """Verified and taken; status RECEIVED when the work is finished later, in a transaction."""
        return DeliveryRecord(self.body, self.headers, True, status, tenant_id, key, error=error)

    def rejected(self, reason: str, *, error: str | None = None) -> DeliveryRecord:
        """The sender is not proven (signature, token, address): unverified, so it holds no key.
        `error`: anything else staff should know (the size of a body refused unread)."""
        return DeliveryRecord(
            self.body, self.headers, False, DeliveryStatus.REJECTED,
            verification_error=reason, error=error,
        )  # fmt: skip

    def refused(self, error: str, tenant_id: int | None = None) -> DeliveryRecord:
        """Proven, but not something we can take (malformed, too many comments, unknown shop)."""
        return DeliveryRecord(
            self.body, self.headers, True, DeliveryStatus.REJECTED, tenant_id, error=error
        )

    def unreadable(self, reason: str, tenant_id: int | None = None) -> DeliveryRecord:
        """Proven, but its body is not understood (yet): kept whole as a dead letter for
        `chotdon deliveries replay`, never refused, so the sender does not retry or give up."""
        return DeliveryRecord(
            self.body, self.headers, True, DeliveryStatus.UNREADABLE, tenant_id, error=reason
        )


class Recorder(Protocol):
    """Anything that records a delivery: True if it is new, False if a duplicate."""

    async def record(self, record: DeliveryRecord) -> bool: ...
