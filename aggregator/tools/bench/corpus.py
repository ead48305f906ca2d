"""A deterministic stream of live comments: many lives, buyers who repeat themselves."""

from __future__ import annotations

import random
from dataclasses import dataclass

from schema.enums import Platform
from schema.events import CommentEvent

ORDER_TEXTS = [
    "chốt {code} x{qty}", "chot {code} {qty} tui", "e lấy {qty} {code} nhé", "{code} x{qty}",
    "lấy {qty} hộp nem chua", "cho mình {qty} túi st25 ạ", "+1 {code}", "đặt {code} sl {qty}",
    "thêm 1 {code} nữa nhé shop", "mật ong 1 lít x{qty}",
]  # fmt: skip
OTHER_TEXTS = [
    "giá {code} bao nhiêu shop", "ship về Vinh mất mấy ngày", "hàng đẹp quá",
    "chào shop ạ", "{code} còn không shop", "hủy {code} nhé", "ko lấy nữa nha shop",
    "sđt em {phone}", "ngon lắm mọi người ơi",
]  # fmt: skip
CODES = ["A01", "M02", "N01", "B01", "a1", "m2", "n 01", "b-01"]
REPEAT_SHARE = 0.15
ORDER_SHARE = 0.7


@dataclass(frozen=True)
class Live:
    page_id: str
    live_id: str


def lives(count: int) -> list[Live]:
    return [Live(f"bench-page-{i}", f"bench-live-{i}") for i in range(count)]


class CommentStream:
    """Comments across lives, round-robin; about 15% repeat the buyer's last comment verbatim."""

    def __init__(self, all_lives: list[Live], buyers_per_live: int = 400, seed: int = 7) -> None:
        self.lives = all_lives
        self.buyers = buyers_per_live
        self.random = random.Random(seed)
        self.last_text: dict[tuple[int, int], str] = {}
        self.sequence = 0

    def _text(self, key: tuple[int, int]) -> str:
        if key in self.last_text and self.random.random() < REPEAT_SHARE:
            return self.last_text[key]
        templates = ORDER_TEXTS if self.random.random() < ORDER_SHARE else OTHER_TEXTS
        text = self.random.choice(templates).format(
            code=self.random.choice(CODES),
            qty=self.random.randint(1, 3),
            phone=f"0912.{key[0] % 1000:03d}.{key[1] % 1000:03d}",
        )
        self.last_text[key] = text
        return text

    def next(self, prefix: str = "c") -> CommentEvent:
        self.sequence += 1
        index = self.sequence % len(self.lives)
        live = self.lives[index]
        buyer = self.random.randrange(self.buyers)
        return CommentEvent(
            platform=Platform.FACEBOOK,
            channel_external_id=live.page_id,
            external_id=f"{prefix}{self.sequence}",
            external_live_id=live.live_id,
            author_external_id=f"psid-{index}-{buyer}",
            author_name=f"Khách {buyer}",
            text=self._text((index, buyer)),
        )

    def take(self, count: int, prefix: str = "c") -> list[CommentEvent]:
        return [self.next(prefix) for _ in range(count)]
