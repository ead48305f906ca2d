"""Vietnamese mobile numbers: find them in a comment and normalise them to 10 digits.

Valid: 0 + one of 3/5/7/8/9 + 8 digits ("0981234567"), also written "+84 981 234 567",
"(+84) 981...", "84981234567", "0981.234.567", "0981-234-567". Landlines (02...) and numbers of
the wrong length are rejected, but their digits are still consumed so they never become quantities.
"""

from __future__ import annotations

import re
from functools import partial
from typing import NamedTuple

MOBILE_PREFIXES = frozenset("35789")
MIN_PHONE_DIGITS = 9
MAX_PHONE_DIGITS = 12
MIN_NORMALIZED = 10  # the fewest digits normalize_digits accepts
# The text searched is folded, so ASCII: digits are [0-9] and whitespace is what \s matches among
# ASCII characters. Written out, each class is one bitmap test per character in the regex engine,
# where \d and \s are category tests (a phone search cost more than a tenth of a reading).
_D = r"0-9"
_S = r" \t\n\r\x0b\x0c\x1c-\x1f"
# Groups are separated by spaces, dots or dashes, or by nothing after a closing bracket:
# "(+84)336 999 888".
_RUN = rf"\(?\+?[{_D}]+\)?(?:(?:[{_S}.\-]{{1,3}}|(?<=\)))\(?\+?[{_D}]+\)?)*"
# Only runs of MIN_PHONE_DIGITS characters or more are read, so a run is only tried where that
# many characters a run may hold follow: most digit runs ("2", "x3", "A01") are then never
# matched at all. A run that starts inside a shorter one ends where that one ends (a run's end
# depends only on what follows its digits), so it is short too: the long runs found, and their
# order, are those of the plain pattern.
_LONG_ENOUGH = rf"(?=[(+{_D}][{_D}{_S}.\-()+]{{{MIN_PHONE_DIGITS - 1}}})"
_RUN_RE = re.compile(_LONG_ENOUGH + _RUN)
# Where the first long run may start: no run before it is long enough, and one character-class
# pass (which re scans fast) answers for most comments that there is none at all.
_CANDIDATE_RE = re.compile(rf"[(+{_D}][{_D}{_S}.\-()+]{{{MIN_PHONE_DIGITS - 1}}}")
_GROUP_RE = re.compile(rf"[{_D}]+")
_NON_DIGIT_RE = re.compile(r"\D")


class PhoneScan(NamedTuple):
    """The first valid mobile number (or None) and every character span that held phone digits.

    A named tuple: made once per comment, and a frozen dataclass pays object.__setattr__ per field.
    """

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
# tuple.__new__ at C level: a named tuple's own __new__ is a Python function, one call a comment.
_new_scan = partial(tuple.__new__, PhoneScan)


def scan_phones(folded: str) -> PhoneScan:
    """Find phone-like digit runs in folded text."""
    candidate = _CANDIDATE_RE.search(folded)
    if candidate is None:
        return NO_PHONE  # most comments: no run of characters long enough to hold a number
    phone: str | None = None
    spans: list[tuple[int, int]] = []
    run = _RUN_RE.search(folded, candidate.start())
    while run is not None:
        start, end = run.span()
        if end - start >= MIN_PHONE_DIGITS:  # else too short to hold a phone: "2", "180", "a01"
            text = run.group()
            if text.isdigit():  # one group, the usual "0912345678": _phone_in_groups, unrolled
                found = normalize_digits(text) if len(text) <= MAX_PHONE_DIGITS else None
                if found is not None or text[0] in "08":
                    spans.append((start, end))
            else:
                found = _groups_of_run(text, start, spans)
            if found is not None and phone is None:
                phone = found
        # The next run starts where the next long enough stretch does: asked of the candidate
        # pattern, which answers for the rest of most comments that there is none (finditer
        # would try the run pattern at every character left).
        candidate = _CANDIDATE_RE.search(folded, end)
        run = None if candidate is None else _RUN_RE.search(folded, candidate.start())
    return _new_scan((phone, tuple(spans)))


def _groups_of_run(text: str, start: int, spans: list[tuple[int, int]]) -> str | None:
    """A run of several digit groups at `start` ("0912 345 678", "7 0912345678"): its phone,
    with the spans of the groups used added to `spans`."""
    parts = _GROUP_RE.findall(text)
    if sum(map(len, parts)) < MIN_PHONE_DIGITS:
        return None
    found, first, last = _phone_in_groups(parts)
    # Positions only for the groups used, found with str.index: only non-digits lie between
    # groups, so a group's digits first occur, after the end of the group before, where it
    # starts (a second regex pass for them cost more than the rest of this function).
    position = 0
    for index in range(last):
        position = text.index(parts[index], position)
        end = position + len(parts[index])
        if index >= first:
            spans.append((start + position, start + end))
        position = end
    return found


def _phone_in_groups(groups: list[str]) -> tuple[str | None, int, int]:
    """The first run of consecutive digit groups that forms a mobile number, as
    (number, first group, end group).

    Without one, the tail that looks like a (bad) phone number is returned as used.
    """
    count = len(groups)
    for first in range(count):
        # normalize_digits answers only for 10 to 12 digits that start with 0 or 84: digits
        # from a group that starts otherwise ("7" of "x7 0912...") are never asked about.
        if groups[first][0] not in "08":
            continue
        digits = ""
        for last in range(first, count):
            digits += groups[last]
            size = len(digits)
            if size > MAX_PHONE_DIGITS:
                break
            phone = normalize_digits(digits) if size >= MIN_NORMALIZED else None
            if phone is not None:
                return phone, first, last + 1
    for first, group in enumerate(groups):
        if group[0] in "08" and sum(map(len, groups[first:])) >= MIN_PHONE_DIGITS:
            return None, first, count
    return None, 0, 0
