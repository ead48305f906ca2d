"""payOS payment webhooks (payos.vn/docs: "Webhook thông tin thanh toán", "Kiểm tra dữ liệu với
signature"; payOSHQ's SDKs).

Body: {"code": "00", "desc": "success", "success": true, "data": {orderCode, amount, description,
accountNumber, reference, transactionDateTime, currency, paymentLinkId, code, desc,
counterAccount…, virtualAccount…}, "signature": "<hex>"}. payOS reports payments into the
account behind a payment channel, so every notice is money in; `data.code` other than "00" is not
a completed payment. `data.reference` (the bank's reference) is the transaction id.

Signature: in the body, HMAC-SHA256 keyed with the channel's checksum key over the `data` object's
fields sorted by key as `key=value` joined by `&` (null as empty, true/false as words, a list as
compact JSON). Every field of `data` as received is signed, so a field payOS adds later verifies
too. The answer payOS expects is {"success": true} with a 2xx.
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

ACK = {"success": True}
PAID = "00"
_EMPTY_WORDS = ("undefined", "null")  # written as nothing, as payOS's own SDKs do


class PayosData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # payOS's own field names; any field it adds is ignored.
    amount: int
    accountNumber: int | str
    reference: int | str
    description: str | None = ""
    code: str | None = PAID
    desc: str | None = None
    orderCode: int | str | None = None
    transactionDateTime: str | None = None


class PayosWebhook(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str | None = PAID
    data: PayosData


def _text(value: Any) -> str:
    if value is None or value in _EMPTY_WORDS:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        items = [dict(sorted(v.items())) if isinstance(v, dict) else v for v in value]
        return orjson.dumps(items).decode()
    if isinstance(value, dict):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return str(value)


def signed_string(data: Mapping[str, Any]) -> str:
    return "&".join(f"{key}={_text(data[key])}" for key in sorted(data))


def sign(data: Mapping[str, Any], checksum_key: str) -> str:
    """The body's `signature` for this `data` (simulator and tests)."""
    message = signed_string(data).encode()
    return hmac.new(checksum_key.encode(), message, hashlib.sha256).hexdigest()


def _data(document: dict[str, Any]) -> dict[str, Any]:
    data = document.get("data")
    if not isinstance(data, dict):
        raise PayloadError("no data object")
    return data


def account_of(body: bytes) -> str:
    """The receiving account, read before verification only to find whose secret verifies it."""
    return account_text(_data(json_object(body)).get("accountNumber"))


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """Raise SignatureError unless the body's signature is its data's, under the checksum key."""
    del headers  # payOS signs in the body
    try:
        document = json_object(body)
        data = _data(document)
    except PayloadError:
        raise SignatureError("the body has no data object to verify", missing=True) from None
    signature = document.get("signature")
    if not isinstance(signature, str) or not signature:
        raise SignatureError("the body has no signature", missing=True)
    expected = sign(data, secret)
    if not hmac.compare_digest(signature.strip().lower().encode(), expected.encode()):
        raise SignatureError("the signature does not match the data")


def parse(body: bytes) -> Reading:
    """A verified body as a notice; PayloadError if it cannot be read as a payOS webhook."""
    try:
        hook = PayosWebhook.model_validate(json_object(body))
    except ValidationError as exc:
        raise PayloadError(f"not a payOS webhook: {str(exc)[:300]}") from None
    data = hook.data
    reference = transaction_text(data.reference)
    code = data.code if data.code is not None else hook.code
    if code != PAID:
        return Ignored(f"ignored: payOS code {clean(code, 20)}", reference)
    if data.amount <= 0:
        return Ignored("ignored: no amount", reference)
    return BankNotice(
        provider=BankProvider.PAYOS,
        transaction_id=reference,
        amount_vnd=data.amount,
        content=clean(data.description or "", 1000),
        direction=Direction.IN,
        account_number=account_text(data.accountNumber),
        at=bank_time(data.transactionDateTime),
    )
