"""Staff figures, pure: acts (a confirmation, a packing, an answer) counted per person and per
live, with the median minutes from claim to packed and from question to answer.

The rows come from aggregator/staff/figures.py (order events, and the inbox's answers through one
hook query); nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from statistics import median

CONFIRMED, PACKED, ANSWERED = "confirmed", "packed", "answered"


@dataclass(frozen=True, slots=True)
class Act:
    actor: str  # staff:<id>, or chotdon for automatic answers
    name: str
    live_id: int | None
    kind: str  # CONFIRMED / PACKED / ANSWERED
    seconds: float | None = None  # claim -> packed, question -> answer


@dataclass
class FigureRow:
    key: str
    label: str
    confirmed: int = 0
    packed: int = 0
    answered: int = 0
    pack_seconds: list[float] = field(default_factory=list)
    answer_seconds: list[float] = field(default_factory=list)

    def add(self, act: Act) -> None:
        if act.kind == CONFIRMED:
            self.confirmed += 1
        elif act.kind == PACKED:
            self.packed += 1
            if act.seconds is not None and act.seconds >= 0:
                self.pack_seconds.append(act.seconds)
        elif act.kind == ANSWERED:
            self.answered += 1
            if act.seconds is not None and act.seconds >= 0:
                self.answer_seconds.append(act.seconds)

    @property
    def median_pack_min(self) -> float | None:
        return _minutes(self.pack_seconds)

    @property
    def median_answer_min(self) -> float | None:
        return _minutes(self.answer_seconds)


def _minutes(seconds: list[float]) -> float | None:
    return round(median(seconds) / 60, 1) if seconds else None


def by_person(acts: Iterable[Act]) -> list[FigureRow]:
    rows: dict[str, FigureRow] = {}
    for act in acts:
        rows.setdefault(act.actor, FigureRow(act.actor, act.name)).add(act)
    return sorted(rows.values(), key=lambda r: (-(r.confirmed + r.packed + r.answered), r.label))


def by_live(acts: Iterable[Act], labels: dict[int, str]) -> list[FigureRow]:
    """Per live, in the order of `labels` (newest first); acts outside any live come last."""
    rows: dict[str, FigureRow] = {}
    for act in acts:
        key = str(act.live_id) if act.live_id is not None else ""
        label = labels.get(act.live_id, "") if act.live_id is not None else ""
        rows.setdefault(key, FigureRow(key, label or "Không thuộc buổi live")).add(act)
    order = {str(live_id): i for i, live_id in enumerate(labels)}
    return sorted(rows.values(), key=lambda r: order.get(r.key, len(order)))


def minutes_text(value: float | None) -> str:
    """'4,5 phút' as staff read it; '–' when nothing was measured."""
    return "–" if value is None else f"{value:.1f}".replace(".", ",") + " phút"
