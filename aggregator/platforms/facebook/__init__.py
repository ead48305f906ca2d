"""Facebook Pages in chotdon: webhook handling, live pulling, outgoing messages, Page tokens."""

from __future__ import annotations
