"""One package per platform (facebook, tiktok, zalo, relay): webhooks and pullers that feed the
inbox, and each platform's side of the outbound port; token_refresh.py serves TikTok and Zalo.
Nothing in the order flow imports these: workers wire them in (see the import contracts)."""

from __future__ import annotations
