"""The signed live-comment relay: the wire format a bridge posts, and how it signs it.

TikTok has no official live-comment API (and other sources, a YouTube or Shopee live or a
spreadsheet, have none we connect to), so a cooperative runs a bridge that posts signed batches.
"""

from __future__ import annotations
