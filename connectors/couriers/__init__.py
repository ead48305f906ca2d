"""Couriers: one port (port.py), one adapter per courier (ghn, ghtk, viettelpost)."""

from __future__ import annotations
