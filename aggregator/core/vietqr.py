"""VietQR (NAPAS, EMVCo merchant-presented QR) payload for a bank transfer. Pure.

The payload is a list of ID-length-value fields; the last one is a CRC-16/CCITT-FALSE over
everything before it, including its own "6304" header. Banking apps in Vietnam read it, fill in
the account, the amount and the transfer content (our order number), and the buyer confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
_BIN = re.compile(r"^\d{6}$")
_ACCOUNT = re.compile(r"^[0-9A-Za-z]{1,19}$")
_REFERENCE = re.compile(r"^[0-9A-Za-z ]{1,25}$")


@dataclass(frozen=True, slots=True)
class BankAccount:
    bank_bin: str  # NAPAS bank id, 6 digits (970436 Vietcombank, 970405 Agribank, ...)
    account_no: str
    account_name: str = ""

    def __post_init__(self) -> None:
        if not _BIN.match(self.bank_bin):
            raise ValueError("bank BIN must be 6 digits")
        if not _ACCOUNT.match(self.account_no):
            raise ValueError("account number must be 1-19 letters or digits")


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def vietqr_payload(account: BankAccount, amount_vnd: int, reference: str) -> str:
    """The EMV QR text for a transfer of `amount_vnd` with `reference` as its content."""
    if amount_vnd <= 0:
        raise ValueError("the amount must be positive")
    if not _REFERENCE.match(reference):
        raise ValueError("the reference must be 1-25 letters, digits or spaces")
    beneficiary = _field("00", account.bank_bin) + _field("01", account.account_no)
    merchant = _field("00", NAPAS_GUID) + _field("01", beneficiary)
    merchant += _field("02", SERVICE_TO_ACCOUNT)
    body = "".join(
        [
            _field("00", "01"),
            _field("01", "12"),  # 12: dynamic, for one payment (11: static, reusable)
            _field("38", merchant),
            _field("53", CURRENCY_VND),
            _field("54", str(amount_vnd)),
            _field("58", COUNTRY_VN),
            _field("62", _field("08", reference)),
            "6304",
        ]
    )
    return body + f"{crc16_ccitt(body.encode('ascii')):04X}"
