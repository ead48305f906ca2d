"""SePay webhooks (developer.sepay.vn, "SePay Webhooks"): one JSON object per bank transaction.

Body: id, gateway, transactionDate, accountNumber, code, content, transferType ("in" / "out"),
transferAmount, accumulated, subAccount, referenceCode, description. SePay's own `id` is the
deduplication key it recommends; its answer is {"success": true} with a 2xx, else it retries.

Authentication is chosen per webhook in SePay's dashboard, and chotdon takes either:
- API Key: `Authorization: Apikey <key>`, compared with the stored secret;
- HMAC-SHA256: `X-SePay-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>`
  with the unix `X-SePay-Timestamp`. The timestamp is signed, so it cannot be altered; it is not
  held to a window, because a replayed notice is a duplicate by SePay's id anyway and a window
  would refuse SePay's own late retries and manual re-sends.
Both compare in constant time; the secret is the cooperative's, found by the account number.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from connectors.banks.notice import (
    BankNotice,
    Direction,
    Ignored,
    Reading,
    account_text,
    bank_time,
    clean,
    json_object,
    transaction_text,
)
from connectors.errors import PayloadError, SignatureError
from schema.enums import BankProvider

SIGNATURE_HEADER = "X-SePay-Signature"
TIMESTAMP_HEADER = "X-SePay-Timestamp"
AUTHORIZATION = "Authorization"
_PREFIX = "sha256="
_APIKEY = "apikey "
ACK = {"success": True}


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class SepayTransaction(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # SePay's own field names; any field it adds is ignored.
    id: int | str
    accountNumber: int | str
    transferType: Annotated[str, BeforeValidator(_lower)]
    transferAmount: Annotated[int, Field(ge=0)]
    content: str | None = ""
    code: str | None = None
    description: str | None = None
    transactionDate: str | None = None
    gateway: str | None = None
    referenceCode: str | None = None


def sign(body: bytes, timestamp: str, secret: str) -> str:
    """The X-SePay-Signature value for `body` sent at `timestamp` (simulator and tests)."""
    message = timestamp.encode() + b"." + body
    return _PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def account_of(body: bytes) -> str:
    """The receiving account, read before verification only to find whose secret verifies it."""
    return account_text(json_object(body).get("accountNumber"))


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """Raise SignatureError unless the HMAC signature or the API key is the cooperative's."""
    signature = headers.get(SIGNATURE_HEADER.lower())
    if signature:
        timestamp = (headers.get(TIMESTAMP_HEADER.lower()) or "").strip()
        value = signature.strip().lower()
        value = value if value.startswith(_PREFIX) else _PREFIX + value
        expected = sign(body, timestamp, secret)
        if not timestamp or not hmac.compare_digest(value.encode(), expected.encode()):
            raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")
        return
    authorization = (headers.get(AUTHORIZATION.lower()) or "").strip()
    if not authorization:
        raise SignatureError(f"no {SIGNATURE_HEADER} and no Authorization: Apikey", missing=True)
    presented = authorization[len(_APIKEY) :] if authorization.lower().startswith(_APIKEY) else ""
    if not hmac.compare_digest(presented.strip().encode(), secret.encode()):
        raise SignatureError("the API key does not match")


def parse(body: bytes) -> Reading:
    """A verified body as a notice; PayloadError if it cannot be read as a SePay transaction."""
    try:
        tx = SepayTransaction.model_validate(json_object(body))
    except ValidationError as exc:
        raise PayloadError(f"not a SePay transaction: {str(exc)[:300]}") from None
    transaction_id = transaction_text(tx.id)
    if tx.transferType not in {d.value for d in Direction}:
        raise PayloadError(f"unknown transferType {tx.transferType!r}")
    if tx.transferAmount == 0:
        return Ignored("ignored: zero amount", transaction_id)
    return BankNotice(
        provider=BankProvider.SEPAY,
        transaction_id=transaction_id,
        amount_vnd=tx.transferAmount,
        # The content the payer typed; SePay's `code` (the payment code it recognised) or the
        # bank's full description when the content is empty.
        content=clean(tx.content or tx.code or tx.description or "", 1000),
        direction=Direction(tx.transferType),
        account_number=account_text(tx.accountNumber),
        at=bank_time(tx.transactionDate),
    )
