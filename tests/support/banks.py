"""The providers' published samples (tests/fixtures/wire/<provider>/) and the keys they were
published with, and the same samples re-addressed to a test cooperative and re-signed."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import orjson

from connectors.banks import casso, payos, sepay
from schema.enums import BankProvider

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
# Published with the samples themselves (see each folder's README.md): not secrets of anyone.
CASSO_DOCS_KEY = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs"
PAYOS_DOCS_KEY = "1a54716c8f0efb2744fb28b6e38b25da7f67a925d98bc1c18bd8faaecadd7675"
SAMPLES = {
    BankProvider.SEPAY: "sepay/transaction-in.json",
    BankProvider.CASSO: "casso/transaction.json",
    BankProvider.PAYOS: "payos/payment.json",
}


def wire(path: str) -> Any:
    return orjson.loads((WIRE / path).read_bytes())


def sample(provider: BankProvider) -> dict[str, Any]:
    loaded: dict[str, Any] = wire(SAMPLES[provider])
    return loaded


def addressed(
    provider: BankProvider, *, account: str, content: str, transaction_id: int, amount: int
) -> dict[str, Any]:
    """The provider's sample with only its ids, account, content and amount set for a test."""
    body = copy.deepcopy(sample(provider))
    if provider is BankProvider.SEPAY:
        body.update(id=transaction_id, accountNumber=account, content=content,
                    transferAmount=amount)  # fmt: skip
    elif provider is BankProvider.CASSO:
        body["data"].update(id=transaction_id, accountNumber=account, description=content,
                            amount=amount)  # fmt: skip
    else:
        body["data"].update(reference=f"FT{transaction_id}", orderCode=transaction_id,
                            accountNumber=account, description=content, amount=amount)  # fmt: skip
    return body


def signed(
    provider: BankProvider, body: dict[str, Any], secret: str
) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) signed with the provider's own scheme."""
    if provider is BankProvider.SEPAY:
        raw, stamp = orjson.dumps(body), str(int(time.time()))
        signature = sepay.sign(raw, stamp, secret)
        return raw, {sepay.SIGNATURE_HEADER: signature, sepay.TIMESTAMP_HEADER: stamp}
    if provider is BankProvider.CASSO:
        signature = casso.sign(body, int(time.time() * 1000), secret)
        return orjson.dumps(body), {casso.SIGNATURE_HEADER: signature}
    resigned = {**body, "signature": payos.sign(body["data"], secret)}
    return orjson.dumps(resigned), {}
