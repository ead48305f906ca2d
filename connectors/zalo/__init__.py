"""Zalo Official Account: webhook signatures and parsing, the OA message client."""

from __future__ import annotations
