"""Typed keys of what the aiohttp application holds."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from arq.connections import ArqRedis

from aggregator.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
PG_POOL = web.AppKey("pg_pool", asyncpg.Pool)
ARQ_POOL = web.AppKey("arq_pool", ArqRedis)
