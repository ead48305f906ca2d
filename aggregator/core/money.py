"""Money as Vietnamese buyers read it: 180.000 ₫. Pure."""

from __future__ import annotations


def format_vnd(amount: int) -> str:
    """Dots between thousands, then the đồng sign: 180000 -> '180.000 ₫'."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " ₫"
