"""SePay, Casso and payOS notices as each provider posts them, signed, for the demo and tests.

The bodies have the fields of each provider's published sample (tests/fixtures/wire/<provider>/,
a test compares them) and are signed with the provider's own scheme (connectors.banks.*.sign), so
they go through the same verification as the real ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import orjson

from connectors.banks import casso, payos, sepay
from connectors.banks.notice import VIETNAM, Direction
from schema.enums import BankProvider

_TIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Transfer:
    """One transfer as the bank saw it: into (or out of) `account`, with the payer's content."""

    account: str
    amount_vnd: int
    content: str
    transaction_id: int
    direction: Direction = Direction.IN
    at: datetime = field(default_factory=lambda: datetime.now(VIETNAM))

    @property
    def when(self) -> str:
        return self.at.astimezone(VIETNAM).strftime(_TIME)


def sepay_body(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.transaction_id, "gateway": "Vietcombank", "transactionDate": t.when,
        "accountNumber": t.account, "code": None, "content": t.content,
        "transferType": t.direction.value, "transferAmount": t.amount_vnd,
        "accumulated": 19_077_000, "subAccount": None,
        "referenceCode": f"MBVCB.{t.transaction_id}", "description": "",
    }  # fmt: skip


def casso_body(t: Transfer) -> dict[str, Any]:
    signed = t.amount_vnd if t.direction is Direction.IN else -t.amount_vnd
    return {"error": 0, "data": {
        "id": t.transaction_id, "reference": f"FT{t.transaction_id}", "description": t.content,
        "amount": signed, "runningBalance": 25_000_000, "transactionDateTime": t.when,
        "accountNumber": t.account, "bankName": "VPBank", "bankAbbreviation": "VPB",
        "virtualAccountNumber": "", "virtualAccountName": "",
        "counterAccountName": "NGUYEN VAN A", "counterAccountNumber": "8888888888",
        "counterAccountBankId": "970415", "counterAccountBankName": "VietinBank",
    }}  # fmt: skip


def payos_body(t: Transfer, checksum_key: str) -> dict[str, Any]:
    """payOS reports payments in only; `t.direction` is not part of its format."""
    data = {
        "orderCode": t.transaction_id, "amount": t.amount_vnd, "description": t.content,
        "accountNumber": t.account, "reference": f"TF{t.transaction_id}",
        "transactionDateTime": t.when, "currency": "VND",
        "paymentLinkId": f"{t.transaction_id:032x}", "code": "00", "desc": "Thành công",
        "counterAccountBankId": "", "counterAccountBankName": "", "counterAccountName": "",
        "counterAccountNumber": "", "virtualAccountName": "", "virtualAccountNumber": "",
    }  # fmt: skip
    return {"code": "00", "desc": "success", "success": True, "data": data,
            "signature": payos.sign(data, checksum_key)}  # fmt: skip


def signed_request(
    provider: BankProvider, t: Transfer, secret: str, *, sepay_apikey: bool = False
) -> tuple[bytes, dict[str, str]]:
    """(body, headers) exactly as the provider would post the transfer, signed with `secret`."""
    headers = {"Content-Type": "application/json"}
    if provider is BankProvider.SEPAY:
        body = orjson.dumps(sepay_body(t))
        if sepay_apikey:
            return body, {**headers, sepay.AUTHORIZATION: f"Apikey {secret}"}
        stamp = str(int(time.time()))
        signature = sepay.sign(body, stamp, secret)
        return body, {**headers, sepay.SIGNATURE_HEADER: signature, sepay.TIMESTAMP_HEADER: stamp}
    if provider is BankProvider.CASSO:
        document = casso_body(t)
        signature = casso.sign(document, int(time.time() * 1000), secret)
        return orjson.dumps(document), {**headers, casso.SIGNATURE_HEADER: signature}
    return orjson.dumps(payos_body(t, secret)), headers


async def post_transfer(
    session: aiohttp.ClientSession, base_url: str, provider: BankProvider, t: Transfer, secret: str
) -> int:
    """Post the notice to chotdon's route for the provider; the HTTP status it answered."""
    body, headers = signed_request(provider, t, secret)
    url = f"{base_url.rstrip('/')}/webhooks/payments/{provider.value}"
    async with session.post(url, data=body, headers=headers) as answer:
        return answer.status
