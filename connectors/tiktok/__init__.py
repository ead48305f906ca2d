"""TikTok Shop Partner API: webhook signatures and parsing, the signed Order API client."""

from __future__ import annotations
