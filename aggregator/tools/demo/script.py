"""The demo's live: an evening sale of a Thái Bình cooperative, on three platforms at once.

Deterministic (seeded), so the demo and its test tell the same story every run: viewers greet and
ask, buyers "chốt" with typos and without diacritics, repeat themselves, post phone numbers in
public, cancel, and one product (nem chua) sells out into a waitlist. Some order for a variant
with its own price (lychee 2 kg, 5 kg); a few "chốt" something no one can read (unclear comments
left for a person to sort out). `demo_round` continues the same live, round after round, until
the person watching stops it.
"""

from __future__ import annotations

import random

from aggregator.rehearsal.recording import RecordedComment
from schema.enums import Platform

CHATTER = [
    "chào shop ạ", "hello cả nhà", "gạo năm nay thơm quá", "shop ơi live to tiếng lên",
    "hàng đẹp quá", "ngon lắm mọi người ơi, tuần trước mua rồi", "cảm ơn shop nhiều",
]  # fmt: skip
QUESTIONS = [
    "giá gạo st25 bao nhiêu shop", "mật ong có bị pha đường ko s", "ship về Vinh mất mấy ngày",
    "A01 còn không shop", "nem chua có chứng nhận OCOP không ạ", "có freeship không shop",
    "chè búp Thanh Chương hái hôm nào vậy",
]  # fmt: skip
ORDERS = [
    "chốt A01 x2", "chot a1 2 tui", "e lấy 2 hộp nem chua", "cho mình 1 mật ong 1 lít",
    "lấy 3 hộp nem nha shop", "CHỐT B01", "em lấy 1 túi st25 ạ", "+1 nem chua",
    "dat ma A03 sl 2", "lấy 1 chè búp 500g", "chốt bánh cáy 2 hộp", "mật ong nửa lít x2",
    "cho e 2 kg vải thiều", "chốt mã 05 x1", "order A01 2 pcs", "chốttttt nem 2 hộp",
    "vải 5kg x1", "cho e 1 chè 200g", "chốt 2 kg vải",
]  # fmt: skip
# "Chốt" with nothing chotdon sells in it: these wait on the unclear page for a person.
UNCLEAR = [
    "chốt 2 cái kia nha shop", "lấy cho e cái màu xanh 2 cái", "chốt X99 nhé", "e lấy 2 hũ ruốc",
    "chốt 1 set quà tết",
]  # fmt: skip
CANCELS = ["thôi hủy đơn nhé shop", "bớt 1 hộp nem", "ko lấy nữa nha", "hủy A01 nhé"]
PHONES = ["sđt e 0912.345.678 nhé", "gọi 0987 654 321 giúp em", "chốt A01, đt 0356-789-012"]
NAMES = ["Lan", "Minh", "Hoa", "Tuấn", "Thảo", "Hùng", "Mai", "Dũng", "Ngọc", "Phương", "Long",
         "Trang", "Sơn", "Hạnh", "Quang", "Yến"]  # fmt: skip
PLATFORMS = [Platform.FACEBOOK, Platform.FACEBOOK, Platform.TIKTOK, Platform.ZALO]
# After the opening burst, until Ctrl-C: one comment every two seconds or so.
LATER_ROUND_COMMENTS = 30
LATER_ROUND_S = 60.0


def _text(rng: random.Random, previous: str | None) -> str:
    roll = rng.random()
    if previous is not None and roll < 0.08:
        return previous  # a buyer repeats themselves, word for word
    if roll < 0.25:
        return rng.choice(CHATTER)
    if roll < 0.42:
        return rng.choice(QUESTIONS)
    if roll < 0.85:
        return rng.choice(ORDERS)
    if roll < 0.88:
        return rng.choice(UNCLEAR)
    if roll < 0.95:
        return rng.choice(CANCELS)
    return rng.choice(PHONES)


def demo_live(
    comments: int = 600, duration_s: float = 60.0, seed: int = 2026, round_no: int = 0
) -> list[RecordedComment]:
    """`comments` comments spread over `duration_s` seconds across Facebook, TikTok and Zalo.
    Round 0 is the opening burst; each later round (`demo_round`) has its own comment ids."""
    rng = random.Random(seed + round_no)
    prefix = "demo-" if round_no == 0 else f"demo-r{round_no}-"
    buyers = max(8, comments // 4)
    last: dict[int, str] = {}
    script = []
    for index in range(comments):
        buyer = rng.randrange(buyers)
        text = _text(rng, last.get(buyer))
        last[buyer] = text
        script.append(
            RecordedComment(
                t=round(duration_s * index / comments, 3),
                platform=PLATFORMS[buyer % len(PLATFORMS)],
                author_id=f"viewer-{buyer}",
                author_name=f"{NAMES[buyer % len(NAMES)]} {buyer}",
                text=text,
                id=f"{prefix}{index}",
            )
        )
    return script


def demo_round(round_no: int) -> list[RecordedComment]:
    """Round `round_no` (1, 2, …) after the opening burst: the live goes on at a pace a person
    can follow on the dashboard, the same viewers coming back."""
    return demo_live(LATER_ROUND_COMMENTS, LATER_ROUND_S, round_no=round_no)
