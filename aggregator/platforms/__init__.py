"""TikTok Shop, Zalo OA and the signed comment relay: webhook services, order sync, sending."""

from __future__ import annotations
