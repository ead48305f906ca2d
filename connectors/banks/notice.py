"""What every bank-transfer provider's notice becomes, whatever its wire shape.

SePay, Casso and payOS each post their own JSON and sign it their own way (sepay.py, casso.py,
payos.py); once verified, each is read into one BankNotice: the provider's transaction id (the
deduplication key), the amount in VND, the content the payer typed (where the order number is),
the direction, the account that received it, and when the bank moved the money. A verified body
that is not a transfer at all (a provider's error report, a payment that did not go through) reads
as Ignored, with the note the delivery keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import orjson

from connectors.errors import PayloadError
from schema.enums import BankProvider

# The providers write the bank's local time without a zone ("2023-03-25 14:02:37"); Vietnam
# keeps UTC+7 all year.
VIETNAM = timezone(timedelta(hours=7))
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
_YEARS = (2000, 2100)  # a time outside these is nonsense, not a transfer's


class Direction(StrEnum):
    IN = "in"  # money into the cooperative's account: a buyer paying
    OUT = "out"  # money out of it: never pays an order


@dataclass(frozen=True, slots=True)
class BankNotice:
    provider: BankProvider
    transaction_id: str
    amount_vnd: int  # always positive; the direction says which way
    content: str
    direction: Direction
    account_number: str
    at: datetime | None = None

    @property
    def delivery_key(self) -> str:
        return f"{self.provider.value}:{self.transaction_id}"


@dataclass(frozen=True, slots=True)
class Ignored:
    """A verified body that reports no transfer to act on (recorded as processed, with `note`)."""

    note: str
    transaction_id: str | None = None


Reading = BankNotice | Ignored


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or PayloadError (never another exception, whatever the bytes)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise PayloadError("not a JSON object")
    return value


def clean(value: object, limit: int) -> str:
    """Text fit to store: Postgres text holds no NUL, and a provider's field has a length."""
    return str(value).replace("\x00", "").strip()[:limit]


def account_text(value: object) -> str:
    """An account number as the providers write it (a string, sometimes a number), trimmed."""
    if isinstance(value, bool) or not isinstance(value, str | int) or not clean(value, 64):
        raise PayloadError("no receiving account number")
    return clean(value, 64)


def transaction_text(value: object) -> str:
    """The provider's transaction id as text; PayloadError if there is none."""
    if isinstance(value, bool) or not clean(value, 100):
        raise PayloadError("a transaction without an id")
    return clean(value, 100)


def bank_time(value: str | None) -> datetime | None:
    """The provider's local time as an aware datetime; None if absent or unreadable (the time is
    informative only: a transfer is never refused for it)."""
    if not value:
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for pattern in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if parsed is None or not _YEARS[0] <= parsed.year <= _YEARS[1]:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)
