"""Reading a bank transfer: which order number its content names. Pure.

Banks rewrite the content a buyer typed: upper-case, no diacritics, prefixes of their own
("MBVCB.3278.CD0000123.CT tu ..."), sometimes a space or dash inside ("CD 0000123"). An order
number is CD and seven digits; a content naming two different orders matches none (staff decide).
"""

from __future__ import annotations

import hashlib
import hmac
import re

ORDER_NO = re.compile(r"(?<![0-9])CD[\s.\-]?(\d{7})(?!\d)", re.IGNORECASE)
MAX_CONTENT_CHARS = 500


def order_numbers_in(content: str) -> list[str]:
    """Every distinct order number in the transfer content, normalised ('CD0000123')."""
    found = dict.fromkeys(f"CD{m.group(1)}" for m in ORDER_NO.finditer(content[:MAX_CONTENT_CHARS]))
    return list(found)


def order_number_in(content: str) -> str | None:
    """The one order number the content names, or None (none, or more than one)."""
    numbers = order_numbers_in(content)
    return numbers[0] if len(numbers) == 1 else None


def token_matches(presented: str | None, secret: str) -> bool:
    """The shared token, compared in constant time (Authorization: Apikey <token> accepted)."""
    if not presented or not secret:
        return False
    value = presented.strip()
    if value.lower().startswith("apikey "):
        value = value[len("apikey ") :].strip()
    return hmac.compare_digest(value.encode(), secret.encode())


def signature_matches(body: bytes, header: str | None, secret: str) -> bool:
    """`sha256=<hex HMAC-SHA256(secret, raw body)>`, compared in constant time."""
    if not header or not secret:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().lower().encode(), expected.encode())
