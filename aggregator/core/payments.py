"""Reading a bank transfer: which order number its content names. Pure.

Banks rewrite the content a buyer typed: upper-case, no diacritics, prefixes of their own
("MBVCB.3278.CD0000123.CT tu ..."), sometimes a space or dash inside ("CD 0000123"). An order
number is CD and seven digits; a content naming two different orders matches none (staff decide).
"""

from __future__ import annotations

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
