"""From "what the buyer wants now" to concrete line changes. Pure.

Increases become new requests for stock (or grow a line of the same status); decreases take back
from the lines least far along first: waitlisted, then requested, then held.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aggregator.core.merge import LineKey
from schema.enums import ItemStatus

# Which lines a decrease eats first: those that hold nothing before those that hold stock.
_GIVE_BACK_ORDER = {
    ItemStatus.UNCLEAR: 0,
    ItemStatus.WAITLISTED: 1,
    ItemStatus.REQUESTED: 2,
    ItemStatus.HELD: 3,
}


@dataclass(frozen=True, slots=True)
class Line:
    id: int
    key: LineKey
    qty: int
    status: ItemStatus
    position: int


@dataclass(frozen=True, slots=True)
class Increase:
    key: LineKey
    qty: int
    position: int


@dataclass(frozen=True, slots=True)
class Shrink:
    line: Line
    new_qty: int  # 0 removes the line


def current_quantities(lines: Sequence[Line]) -> dict[LineKey, int]:
    totals: dict[LineKey, int] = {}
    for line in lines:
        totals[line.key] = totals.get(line.key, 0) + line.qty
    return totals


def _shrinks_for(lines: Sequence[Line], take: int) -> list[Shrink]:
    shrinks: list[Shrink] = []
    for line in sorted(lines, key=lambda ln: (_GIVE_BACK_ORDER[ln.status], -ln.position)):
        if take <= 0:
            break
        taken = min(take, line.qty)
        shrinks.append(Shrink(line, line.qty - taken))
        take -= taken
    return shrinks


def plan_changes(
    lines: Sequence[Line], desired: Mapping[LineKey, int], positions: Mapping[LineKey, int]
) -> tuple[list[Increase], list[Shrink]]:
    """Line changes that turn `lines` into `desired` quantities per key."""
    current = current_quantities(lines)
    increases: list[Increase] = []
    shrinks: list[Shrink] = []
    for key in sorted(set(current) | set(desired)):
        delta = desired.get(key, 0) - current.get(key, 0)
        if delta > 0:
            increases.append(Increase(key, delta, positions.get(key, 0)))
        elif delta < 0:
            shrinks += _shrinks_for([ln for ln in lines if ln.key == key], -delta)
    return increases, shrinks
