"""Bank-transfer notification providers (SePay, Casso, payOS): each one's wire format and
signature, read into one BankNotice (notice.py). ADAPTERS is the one table the service uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.banks import casso, payos, sepay
from connectors.banks.notice import Reading
from schema.enums import BankProvider


@dataclass(frozen=True, slots=True)
class BankAdapter:
    """account_of: the receiving account, read unverified only to find whose secret to check with;
    verify: raise SignatureError unless the request is signed with that secret; parse: a verified
    body as a notice (or Ignored), PayloadError if it cannot be read; ack: the answer the provider
    expects when a delivery is taken."""

    provider: BankProvider
    account_of: Callable[[bytes], str]
    verify: Callable[[bytes, Mapping[str, str], str], None]
    parse: Callable[[bytes], Reading]
    ack: dict[str, Any]


ADAPTERS: dict[BankProvider, BankAdapter] = {
    BankProvider.SEPAY: BankAdapter(
        BankProvider.SEPAY, sepay.account_of, sepay.verify, sepay.parse, sepay.ACK
    ),
    BankProvider.CASSO: BankAdapter(
        BankProvider.CASSO, casso.account_of, casso.verify, casso.parse, casso.ACK
    ),
    BankProvider.PAYOS: BankAdapter(
        BankProvider.PAYOS, payos.account_of, payos.verify, payos.parse, payos.ACK
    ),
}
