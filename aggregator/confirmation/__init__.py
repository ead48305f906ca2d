"""Buyer confirmation: private messages with a signed link, the order page, reminders, payments."""

from __future__ import annotations
