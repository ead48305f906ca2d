"""Shipping: hand-off to couriers, status events, polling, risk and packing slips."""

from __future__ import annotations
