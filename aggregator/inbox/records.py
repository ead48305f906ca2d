"""What the inbox stores about a delivery, and the rules every source shares.

Every webhook (a platform, the relay, a courier, a bank) is recorded as one DeliveryRecord, so one
rule decides which headers are kept (a short list of harmless ones: never a signature, a token or
a cookie, whatever the sender puts there) and one rule decides what a duplicate is (a verified
delivery whose key is stored already: recorded again without its key, naming the one it repeats).
A verified delivery is kept whole; an unverified one keeps only its size, SHA-256 and the first
REFUSED_PREFIX_BYTES of its body (anyone can send one, so it must cost next to nothing to keep).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from schema.enums import DeliveryStatus
from schema.events import storable

KEPT_HEADERS = ("content-type", "content-length", "user-agent", "x-forwarded-for")
REFUSED_PREFIX_BYTES = 256  # enough to tell what a refused body was; never the whole of it


def sanitise_headers(headers: Any) -> dict[str, str]:
    """Only harmless headers, by name from a list: a new secret header can never slip through."""
    return {name: storable(str(headers[name])[:300]) for name in KEPT_HEADERS if name in headers}


def _text(value: str | None) -> str | None:
    """Postgres text holds no NUL: a sender's NUL in a key or a reason must not lose the record."""
    return None if value is None else str(storable(value))


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
    body_size: int | None = None  # of the body as it came, when `body` holds only its prefix
    body_sha256: bytes | None = None  # of the body as it came, likewise

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
        [_text(r.delivery_key) for r in records],
        [r.verified for r in records],
        [_text(r.verification_error) for r in records],
        [{k: storable(v) for k, v in r.headers.items()} for r in records],
        [r.body for r in records],
        [r.status.value for r in records],
        [_text(r.error) for r in records],
        [len(r.body) if r.body_size is None else r.body_size for r in records],
        [r.body_sha256 for r in records],
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

    def rejected(
        self, reason: str, *, error: str | None = None, size: int | None = None
    ) -> DeliveryRecord:
        """The sender is not proven (signature, token, address): unverified, so it holds no key,
        and only the body's size, hash and first bytes. `error`: anything else staff should know
        (the size of a body refused unread); `size`: the declared size of a body never read."""
        return DeliveryRecord(
            self.body[:REFUSED_PREFIX_BYTES], self.headers, False, DeliveryStatus.REJECTED,
            verification_error=reason, error=error,
            body_size=len(self.body) if size is None else size,
            body_sha256=hashlib.sha256(self.body).digest() if size is None else None,
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
    """Anything that records a delivery: True if it is new, False if a duplicate. `source` is
    webhook_deliveries.source ('facebook', 'courier:ghn', 'payments'…)."""

    @property
    def source(self) -> str: ...

    async def record(self, record: DeliveryRecord) -> bool: ...
