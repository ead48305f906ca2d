"""Typed keys of what the aiohttp application holds."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from arq.connections import ArqRedis

from aggregator.core.forwarded import Network
from aggregator.inbox.refusal_writer import RefusalWriter
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.facebook.webhooks import WebhookService
from aggregator.platforms.relay.service import RelayService
from aggregator.platforms.tiktok.webhooks import TikTokWebhooks
from aggregator.platforms.zalo.webhooks import ZaloWebhooks
from aggregator.settings import Settings
from aggregator.staff.passwords import PasswordPool

SETTINGS = web.AppKey("settings", Settings)
PG_POOL = web.AppKey("pg_pool", asyncpg.Pool)
# Staff requests' pool: acts as chotdon_staff for the signed-in cooperative (row-level security).
STAFF_PG_POOL = web.AppKey("staff_pg_pool", asyncpg.Pool)
ARQ_POOL = web.AppKey("arq_pool", ArqRedis)
INGESTOR = web.AppKey("ingestor", Ingestor)
FACEBOOK_WEBHOOKS = web.AppKey("facebook_webhooks", WebhookService)
RELAY = web.AppKey("relay", RelayService)
TIKTOK_WEBHOOKS = web.AppKey("tiktok_webhooks", TikTokWebhooks)
ZALO_WEBHOOKS = web.AppKey("zalo_webhooks", ZaloWebhooks)
# Argon2 checks of the login page, on their own threads (staff/passwords.py).
PASSWORDS = web.AppKey("passwords", PasswordPool)
# Signs the login form's CSRF cookie and the trusted-device cookie: the app secret, or (without
# one, in tests) a random key of this process.
COOKIE_SECRET = web.AppKey("cookie_secret", bytes)
PROXIES = web.AppKey("trusted_proxies", tuple[Network, ...])
# Every refused delivery of this process, whatever the route, is written by this one task.
REFUSAL_WRITER = web.AppKey("refusal_writer", RefusalWriter)
