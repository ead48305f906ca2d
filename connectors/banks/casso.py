"""Casso webhook v2 (developer.casso.vn, "Xử lý sự kiện Webhook"; CassoHQ's published samples).

Body: {"error": 0, "data": {id, reference, description, amount, runningBalance,
transactionDateTime, accountNumber, bankName, bankAbbreviation, virtualAccountNumber,
virtualAccountName, counterAccountName, counterAccountNumber, counterAccountBankId,
counterAccountBankName}}. Casso writes money out of the account as a negative amount (as its
transactions API shows it); `data.id` is Casso's transaction id.

Signature: `X-Casso-Signature: t=<timestamp ms>,v1=<hex>` where v1 is HMAC-SHA512, keyed with the
webhook's secret key, of `<t>.<JSON of the whole body, keys sorted A→Z at every level, compact>`
(Casso's samples build it with JSON.stringify, so non-ASCII text is written as is, not escaped).
Not the raw bytes: any re-serialisation of the same JSON verifies. The timestamp is signed and not
held to a window: a replayed notice is a duplicate by Casso's id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

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

SIGNATURE_HEADER = "X-Casso-Signature"
ACK = {"success": True}


class CassoTransaction(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Casso's own field names; any field it adds is ignored.
    id: int | str
    accountNumber: int | str
    amount: int
    description: str | None = ""
    reference: str | None = None
    transactionDateTime: str | None = None


class CassoWebhook(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    error: int = 0
    data: CassoTransaction


def _js_value(value: Any) -> Any:
    """What JSON.stringify would write: a whole float (within JavaScript's exact integers) is
    written as an integer."""
    if isinstance(value, dict):
        return {k: _js_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_js_value(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def canonical(document: dict[str, Any]) -> bytes:
    """The signed JSON: keys sorted at every level, no spaces, text unescaped."""
    return orjson.dumps(_js_value(document), option=orjson.OPT_SORT_KEYS)


def sign(document: dict[str, Any], timestamp_ms: int, secret: str) -> str:
    """The X-Casso-Signature value for `document` (simulator and tests)."""
    message = f"{timestamp_ms}.".encode() + canonical(document)
    digest = hmac.new(secret.encode(), message, hashlib.sha512).hexdigest()
    return f"t={timestamp_ms},v1={digest}"


def _parts(header: str) -> tuple[int, str]:
    fields = dict(p.strip().partition("=")[::2] for p in header.split(","))
    timestamp, signature = fields.get("t", ""), fields.get("v1", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        raise SignatureError(f"{SIGNATURE_HEADER} is not t=<timestamp>,v1=<signature>")
    return int(timestamp), signature.lower()


def account_of(body: bytes) -> str:
    """The receiving account, read before verification only to find whose secret verifies it."""
    data = json_object(body).get("data")
    if not isinstance(data, dict):
        raise PayloadError("no data object")
    return account_text(data.get("accountNumber"))


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """Raise SignatureError unless X-Casso-Signature signs this body with the cooperative's key."""
    header = headers.get(SIGNATURE_HEADER.lower())
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header", missing=True)
    timestamp, signature = _parts(header)
    try:
        expected = sign(json_object(body), timestamp, secret).rpartition("v1=")[2]
    except PayloadError:
        raise SignatureError("the body is not a JSON object: nothing to verify") from None
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise SignatureError(f"{SIGNATURE_HEADER} does not match the body")


def parse(body: bytes) -> Reading:
    """A verified body as a notice; PayloadError if it cannot be read as a Casso v2 webhook."""
    try:
        hook = CassoWebhook.model_validate(json_object(body))
    except ValidationError as exc:
        raise PayloadError(f"not a Casso webhook: {str(exc)[:300]}") from None
    tx = hook.data
    if hook.error != 0:
        return Ignored(f"ignored: Casso error {hook.error}")
    transaction_id = transaction_text(tx.id)
    if tx.amount == 0:
        return Ignored("ignored: zero amount", transaction_id)
    return BankNotice(
        provider=BankProvider.CASSO,
        transaction_id=transaction_id,
        amount_vnd=abs(tx.amount),
        content=clean(tx.description or "", 1000),
        direction=Direction.IN if tx.amount > 0 else Direction.OUT,
        account_number=account_text(tx.accountNumber),
        at=bank_time(tx.transactionDateTime),
    )
