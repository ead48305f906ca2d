"""What a merge transaction reads and counts, for every live in it (aggregator/orders/merge.py
reads it, merge_writes.py writes it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aggregator.core.lines import Line
from aggregator.core.merge import MergeResult
from aggregator.orders.buyers import Identity
from aggregator.orders.consolidate import LiveOrders
from aggregator.orders.loading import AuthorKey, OpenOrder, PendingComment, SessionInfo

ACTOR = "system:merge"
BuyerKey = tuple[int, int]  # (live id, buyer id): one open order each


@dataclass(frozen=True, slots=True)
class MergeConfig:
    batch_size: int = 2_000
    confirm_window_s: float = 30 * 60


@dataclass
class MergeStats:
    comments: int = 0
    repeats: int = 0
    orders_created: int = 0
    orders_cancelled: int = 0
    batches: int = 0
    # Orders created or whose lines changed (for the buyer's message, sent after the commit).
    orders_touched: set[int] = field(default_factory=set)
    # The lowest and highest comment ids merged (0 when none): where the comments of the round
    # lie, so what follows the round (filing its questions) reads them and not the whole live.
    first_comment: int = 0
    last_comment: int = 0

    def span(self, first: int, last: int) -> None:
        """Widen the merged comments' span to take in [first, last]."""
        self.first_comment = min(self.first_comment or first, first)
        self.last_comment = max(self.last_comment, last)


@dataclass
class MergeBuyer:
    """The comments of one buyer in one live in a batch (several accounts of one person, on
    one or several channels of the live, are one buyer)."""

    session: SessionInfo  # of the first account: the one a new order answers
    identity: Identity
    authors: list[AuthorKey]
    comments: list[PendingComment]


@dataclass
class MergeBatch:
    """What one transaction read, for every live in it."""

    sessions: dict[int, SessionInfo]
    pending: dict[int, list[PendingComment]]
    buyers: dict[BuyerKey, MergeBuyer]
    live_orders: dict[int, LiveOrders]
    orders: dict[BuyerKey, OpenOrder]
    lines: dict[int, list[Line]]
    stats: dict[int, MergeStats]
    results: dict[BuyerKey, MergeResult] = field(default_factory=dict)

    def first_session(self, live_id: int) -> int:
        return next(s.id for s in self.sessions.values() if s.live_id == live_id)
