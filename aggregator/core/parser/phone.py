"""Vietnamese mobile numbers: find them in a comment and normalise them to 10 digits.

Valid: 0 + one of 3/5/7/8/9 + 8 digits ("0981234567"), also written "+84 981 234 567",
"(+84) 981...", "84981234567", "0981.234.567", "0981-234-567". Landlines (02...) and numbers of
the wrong length are rejected, but their digits are still consumed so they never become quantities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MOBILE_PREFIXES = frozenset("35789")
MIN_PHONE_DIGITS = 9
MAX_PHONE_DIGITS = 12
# Groups are separated by spaces, dots or dashes, or by nothing after a closing bracket:
# "(+84)336 999 888".
_RUN_RE = re.compile(r"\(?\+?\d+\)?(?:(?:[\s.\-]{1,3}|(?<=\)))\(?\+?\d+\)?)*")
_GROUP_RE = re.compile(r"\d+")
_NON_DIGIT_RE = re.compile(r"\D")
_DROP_DIGITS = str.maketrans("", "", "0123456789")


@dataclass(frozen=True, slots=True)
class PhoneScan:
    """The first valid mobile number (or None) and every character span that held phone digits."""

    phone: str | None
    spans: tuple[tuple[int, int], ...]


def normalize_digits(digits: str) -> str | None:
    """A string of digits as a 10-digit mobile number, or None."""
    if len(digits) == 12 and digits.startswith("840"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("84"):
        digits = "0" + digits[2:]
    if len(digits) == 10 and digits[0] == "0" and digits[1] in MOBILE_PREFIXES:
        return digits
    return None


def normalize_phone(raw: str) -> str | None:
    """Any common writing of a mobile number as 10 digits; idempotent; None if not a mobile."""
    return normalize_digits(_NON_DIGIT_RE.sub("", raw))


NO_PHONE = PhoneScan(None, ())


def scan_phones(folded: str) -> PhoneScan:
    """Find phone-like digit runs in folded text."""
    if len(folded) - len(folded.translate(_DROP_DIGITS)) < MIN_PHONE_DIGITS:
        return NO_PHONE  # most comments: too few digits in all to hold a phone number
    phone: str | None = None
    spans: list[tuple[int, int]] = []
    for run in _RUN_RE.finditer(folded):
        start, end = run.span()
        if end - start < MIN_PHONE_DIGITS:
            continue  # too short to hold a phone number: "2", "180", "a01"
        text = run.group()
        if text.isdigit():  # one group, the usual "0912345678": _phone_in_groups, unrolled
            found = normalize_digits(text) if len(text) <= MAX_PHONE_DIGITS else None
            if found is not None and phone is None:
                phone = found
            if found is not None or text[0] in "08":
                spans.append((start, end))
            continue
        groups = [(m.group(), m.start() + start, m.end() + start) for m in
                  _GROUP_RE.finditer(text)]  # fmt: skip
        if sum(len(g[0]) for g in groups) < MIN_PHONE_DIGITS:
            continue
        found, used = _phone_in_groups(groups)
        if found is not None and phone is None:
            phone = found
        spans.extend((start, end) for _, start, end in used)
    return PhoneScan(phone, tuple(spans))


Group = tuple[str, int, int]


def _phone_in_groups(groups: list[Group]) -> tuple[str | None, list[Group]]:
    """The first run of consecutive digit groups that forms a mobile number.

    Without one, the tail that looks like a (bad) phone number is returned as used.
    """
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last][0]
            if len(digits) > MAX_PHONE_DIGITS:
                break
            phone = normalize_digits(digits)
            if phone is not None:
                return phone, groups[first : last + 1]
    for first, group in enumerate(groups):
        tail = groups[first:]
        if group[0][0] in "08" and sum(len(g[0]) for g in tail) >= MIN_PHONE_DIGITS:
            return None, tail
    return None, []
