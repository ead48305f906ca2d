"""What one attempt to send a stored message came to, and how long to wait before the next."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BACKOFF_S = 300.0


class SendResult(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    FAILED = "failed"
    RETRY = "retry"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    result: SendResult
    retry_in_s: float = 0.0


def backoff_s(attempt: int, base_s: float = 2.0) -> float:
    """Doubling waits, capped: a platform that limits us gets more room on every retry."""
    return float(min(MAX_BACKOFF_S, base_s * 2 ** max(0, attempt - 1)))
