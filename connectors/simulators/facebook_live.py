"""State of the fake Facebook: Pages, lives whose comments appear at a set rate, what was sent."""

from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.facebook.models import graph_time
from connectors.simulators.facebook_login import FacebookLogin

CAPS_PER_S = {"one_per_two_seconds": 0.5, "ten_per_second": 10.0, "one_hundred_per_second": 100.0}
TEXTS = (
    "chốt A01",
    "lấy 2 hộp nem",
    "A01 x2",
    "mật ong 500ml 1 chai",
    "ib giá",
    "chot b01",
    "e lấy 1 túi st25",
    "hủy nem",
    "còn hàng ko shop",
    "thêm 1 A01",
    "đẹp quá",
    "sl 3 N01",
)


@dataclass(frozen=True, slots=True)
class SimComment:
    id: str
    author_id: str
    author_name: str
    message: str
    created_at: datetime

    def graph(self) -> dict[str, object]:
        return {
            "id": self.id,
            "message": self.message,
            "created_time": graph_time(self.created_at),
            "from": {"id": self.author_id, "name": self.author_name},
        }


@dataclass
class SimLive:
    id: str
    page_id: str
    video_id: str
    title: str = "Live bán hàng"
    status: str = "LIVE"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    comments: list[SimComment] = field(default_factory=list)
    tick: asyncio.Event = field(default_factory=asyncio.Event)

    def append(self, comments: list[SimComment]) -> None:
        self.comments.extend(comments)
        self.wake()

    def wake(self) -> None:
        self.tick.set()
        self.tick = asyncio.Event()

    @property
    def on_air(self) -> bool:
        return self.status == "LIVE"

    def graph(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "title": self.title,
            "creation_time": graph_time(self.created_at),
            "video": {"id": self.video_id},
        }


@dataclass
class SimStats:
    produced: int = 0
    streamed: int = 0
    dropped: int = 0
    disconnects: int = 0
    stream_connections: int = 0
    comment_requests: int = 0
    rate_limited: int = 0


@dataclass
class SimConfig:
    """`speed` scales the chosen comment_rate cap, to run a live faster than real time."""

    speed: float = 1.0
    disconnect_probability: float = 0.0  # per streamed event
    rate_limit_probability: float = 0.0  # per send call
    page_limit_max: int = 100
    seed: int = 7


class FacebookState:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.random = random.Random(self.config.seed)
        self.tokens: dict[str, str] = {}  # page id -> valid Page token
        self.lives: dict[str, SimLive] = {}
        self.sent: list[dict[str, object]] = []
        self.hidden: set[str] = set()
        self.replied: set[str] = set()
        self.fail_next: list[tuple[int, int]] = []  # (HTTP status, Graph code) answered in order
        self.stats = SimStats()
        self._ids = itertools.count(1)
        self.login = FacebookLogin()  # Facebook Login for Business (facebook_login.py)

    def add_page(self, page_id: str, token: str) -> None:
        self.tokens[page_id] = token

    def add_live(self, page_id: str, live_id: str) -> SimLive:
        live = SimLive(id=live_id, page_id=page_id, video_id=f"v{live_id}")
        self.lives[live_id] = live
        return live

    def new_comments(self, live: SimLive, count: int) -> list[SimComment]:
        now = datetime.now(UTC)
        made = []
        for _ in range(count):
            n = next(self._ids)
            author = f"psid{self.random.randrange(1, 5000)}"
            text = self.random.choice(TEXTS)
            made.append(SimComment(f"{live.video_id}_{n}", author, f"Khách {author}", text, now))
        return made

    async def run_live(self, live: SimLive, total: int, rate_per_s: float) -> None:
        """Produce `total` comments at `rate_per_s` (wall clock), then stop the live."""
        step_s = 0.01
        started = asyncio.get_running_loop().time()
        while len(live.comments) < total and live.on_air:
            due = int((asyncio.get_running_loop().time() - started) * rate_per_s)
            count = min(total, due) - len(live.comments)
            if count > 0:
                live.append(self.new_comments(live, count))
                self.stats.produced += count
            await asyncio.sleep(step_s)
        self.stop_live(live)

    def stop_live(self, live: SimLive) -> None:
        live.status = "LIVE_STOPPED"
        live.wake()

    def stream_cap(self, comment_rate: str) -> float:
        return CAPS_PER_S.get(comment_rate, CAPS_PER_S["ten_per_second"]) * self.config.speed
