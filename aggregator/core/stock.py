"""Who gets the stock: first come, first served, never more than there is. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StockRequest:
    position: int  # the comment id that asked: earlier comments come first
    qty: int


def allocate(available: int, queue_waiting: bool, requests: Sequence[StockRequest]) -> list[bool]:
    """For each request (in the order given), True if it is held now, False if it must wait.

    A request is held whole or not at all. Once one request has to wait, every later one waits
    too, and so does every request while an older waitlist exists: nobody jumps the queue.
    """
    granted: list[bool] = [False] * len(requests)
    order = sorted(range(len(requests)), key=lambda i: requests[i].position)
    blocked = queue_waiting
    for index in order:
        qty = requests[index].qty
        if not blocked and qty <= available:
            granted[index] = True
            available -= qty
        else:
            blocked = True
    return granted


def promotable(available: int, waiting: Sequence[int]) -> int:
    """How many waitlisted lines (quantities in queue order) fit now, taken from the head."""
    count = 0
    for qty in waiting:
        if qty > available:
            break
        available -= qty
        count += 1
    return count
