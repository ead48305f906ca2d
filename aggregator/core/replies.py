"""What a buyer's reply to our message says: confirm, cancel, a phone number, an address. Pure.

Replies are short and informal: "ok", "oke shop", "xác nhận", "đồng ý", "dạ vâng ạ", "chốt", a
phone number ("sdt 0912.345.678"), an address ("số 5 ngõ 12 đường Láng, Đống Đa"). A negation
before the agreeing word ("không đồng ý", "chưa ok") is not a confirmation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.core.parser.normalize import clean, fold
from aggregator.core.parser.phone import scan_phones

CONFIRM_PHRASES = (
    "ok",
    "oke",
    "okie",
    "oki",
    "okay",
    "okey",
    "okela",
    "xac nhan",
    "dong y",
    "da vang",
    "vang",
    "u",
    "uh",
    "um",
    "chot",
    "chot don",
    "dung roi",
    "duoc",
    "dc",
    "yes",
)
CANCEL_PHRASES = ("huy", "huy don", "khong lay", "ko lay", "k lay", "khong mua", "thoi")
NEGATIONS = ("khong", "ko", "k", "kh", "chua", "dung", "deo")
QUESTION_ENDS = ("khong", "ko", "k", "chua", "nhi", "sao")
ADDRESS_WORDS = (
    "dia chi",
    "dc",
    "so nha",
    "duong",
    "pho",
    "ngo",
    "ngach",
    "hem",
    "kiet",
    "thon",
    "xom",
    "ap",
    "ban",
    "to dan pho",
    "xa",
    "phuong",
    "thi tran",
    "tinh",
    "thanh pho",
    "tp",
    "quan",
    "huyen",
    "khu pho",
    "kp",
    "chung cu",
    "toa",
)
MIN_ADDRESS_CHARS = 10
MAX_REPLY_CHARS = 500
_WORD = re.compile(r"[a-z0-9]+")
_ADDRESS_LABEL = re.compile(r"(?:\b(?:đ/c|đc|dc)\s*:|\b(?:địa chỉ|dia chi)\b\s*:?)\s*", re.I)
_SPEAKER = re.compile(r"^(?:(?:của\s+)?(?:em|mình|tôi|chị|anh|con|cháu)\s+)?(?:là|ở)\s+", re.I)
_PHONE_LABEL = re.compile(r"\b(?:sđt|sdt|số điện thoại|so dien thoai|đt|dt)\s*[:\-]?\s*$", re.I)


@dataclass(frozen=True, slots=True)
class ReplyReading:
    confirm: bool = False
    cancel: bool = False
    phone: str | None = None
    address: str | None = None

    @property
    def anything(self) -> bool:
        return self.confirm or self.cancel or self.phone is not None or self.address is not None


def _has_phrase(words: list[str], phrase: str) -> int:
    """Index of the first occurrence of `phrase` (a run of words) in `words`, or -1."""
    wanted = phrase.split()
    for i in range(len(words) - len(wanted) + 1):
        if words[i : i + len(wanted)] == wanted:
            return i
    return -1


def _says(words: list[str], phrases: tuple[str, ...]) -> bool:
    """A phrase occurs, with no negation in the two words before it ("không đồng ý") and no
    question word in the two after it ("được không")."""
    for phrase in phrases:
        at = _has_phrase(words, phrase)
        if at < 0:
            continue
        after = words[at + len(phrase.split()) : at + len(phrase.split()) + 2]
        before = words[max(0, at - 2) : at]
        if not any(w in NEGATIONS for w in before) and not any(w in QUESTION_ENDS for w in after):
            return True
    return False


def _is_question(original: str, words: list[str]) -> bool:
    return "?" in original or (len(words) > 2 and words[-1] in QUESTION_ENDS)


def _without_agreement(segments: list[str]) -> list[str]:
    """Drop leading segments that only agree ("ok em", "dạ vâng"): they are not the address."""
    while segments and not any(ch.isdigit() for ch in segments[0]):
        words = _WORD.findall(fold(segments[0]))
        if len(words) > 3 or not _says(words, CONFIRM_PHRASES):
            break
        segments = segments[1:]
    return segments


def _address(original: str, phone_spans: tuple[tuple[int, int], ...]) -> str | None:
    """The reply without its phone number and labels, if it reads like an address."""
    kept = list(original)
    for start, end in phone_spans:
        kept[start:end] = [" "] * (end - start)
    segments = [_PHONE_LABEL.sub("", s).strip(" .-\t") for s in re.split(r"[,;\n]", "".join(kept))]
    segments = _without_agreement([s for s in segments if s])
    text = ", ".join(segments)
    label = _ADDRESS_LABEL.search(text)
    text = re.sub(r"\s+", " ", text[label.end() :] if label else text).strip(" ,.;-")
    text = _SPEAKER.sub("", text)
    words = _WORD.findall(fold(text))
    if len(text) < MIN_ADDRESS_CHARS or not any(_has_phrase(words, w) >= 0 for w in ADDRESS_WORDS):
        return None
    has_number_or_comma = any(ch.isdigit() for ch in text) or "," in text
    return text if has_number_or_comma or len(words) >= 4 else None


def read_reply(text: str) -> ReplyReading:
    """Read one reply. Short agreeing replies confirm; a phone and an address may come with it."""
    original = clean(text[:MAX_REPLY_CHARS])
    folded = fold(original)
    scan = scan_phones(folded)
    words = _WORD.findall(folded)
    cancel = _says(words, CANCEL_PHRASES)
    address = _address(original, scan.spans)
    # An address often contains "đường", "xã"...: only the reply's own words may confirm.
    agreeing = _says(words if address is None else words[:4], CONFIRM_PHRASES)
    confirm = agreeing and not cancel and not _is_question(original, words)
    return ReplyReading(confirm=confirm, cancel=cancel, phone=scan.phone, address=address)
