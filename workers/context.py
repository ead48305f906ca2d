"""What every job finds in its ctx: settings and the Postgres pool, opened once per worker; and
the outbound registries, where the worker wires each platform into the outbound port."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import structlog

from aggregator.credentials.keyring import credential_cipher
from aggregator.outbound.port import Routers, Senders
from aggregator.outbound.record import SendJobs
from aggregator.platforms.facebook import outbound as facebook
from aggregator.platforms.facebook.sending import FacebookSender
from aggregator.platforms.tiktok import outbound as tiktok
from aggregator.platforms.tiktok.orders import shop_client
from aggregator.platforms.zalo import outbound as zalo
from aggregator.runtime.db import create_pool
from aggregator.settings import Settings
from aggregator.shipping.couriers import Couriers
from connectors.facebook.graph import GraphClient
from connectors.zalo.client import OAClient
from schema.enums import Platform

SETTINGS = "settings"
QUEUE = "queue"  # which of jobs.QUEUES this worker serves
PG_POOL = "pg_pool"
WORKER_NAME = "worker_name"
COURIERS = "couriers"
HTTP = "http"  # the worker's HTTP session for platform sends

log = structlog.get_logger()


def outbound_routers() -> Routers:
    """How a message about an order reaches its buyer, per platform. Relay and manual channels
    have none: their messages are recorded 'unsent' for staff."""
    return {
        Platform.FACEBOOK: facebook.FacebookRouter(),
        Platform.TIKTOK: tiktok.TikTokRouter(),
        Platform.ZALO: zalo.ZaloRouter(),
    }


def outbound_send_jobs() -> SendJobs:
    """The job that sends each platform's stored messages (the sweeper re-enqueues lost ones)."""
    return {
        Platform.FACEBOOK: facebook.SEND_JOB,
        Platform.TIKTOK: tiktok.SEND_JOB,
        Platform.ZALO: zalo.SEND_JOB,
    }


def facebook_senders(http: aiohttp.ClientSession, settings: Settings) -> Senders:
    """What the facebook_send job sends: Graph API calls with the Page's sealed token."""
    graph = GraphClient(http, settings.facebook_graph_url)
    return {
        Platform.FACEBOOK: FacebookSender(graph, credential_cipher(settings, Platform.FACEBOOK))
    }


def platform_senders(http: aiohttp.ClientSession, settings: Settings) -> Senders:
    """What the platform_send job sends: TikTok customer service (if the app is configured) and
    Zalo OA messages and ZNS templates."""
    shop = shop_client(http, settings) if settings.tiktok_app_secret else None
    oa = OAClient(http, settings.zalo_openapi_url, settings.zalo_zns_url)
    return {
        Platform.TIKTOK: tiktok.TikTokSender(shop, credential_cipher(settings, Platform.TIKTOK)),
        Platform.ZALO: zalo.ZaloSender(oa, credential_cipher(settings, Platform.ZALO)),
    }


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx[SETTINGS]
    ctx[PG_POOL] = await create_pool(settings)
    ctx[WORKER_NAME] = worker_name()
    ctx[COURIERS] = Couriers.open(settings)
    ctx[HTTP] = aiohttp.ClientSession()
    log.info("worker.started", worker=ctx[WORKER_NAME], queue=ctx.get(QUEUE, "orders"))


async def shutdown(ctx: dict[str, Any]) -> None:
    pool = ctx.get(PG_POOL)
    if pool is not None:
        await pool.close()
    couriers = ctx.get(COURIERS)
    if couriers is not None:
        await couriers.close()
    http = ctx.get(HTTP)
    if http is not None:
        await http.close()
    log.info("worker.stopped", worker=ctx.get(WORKER_NAME), queue=ctx.get(QUEUE, "orders"))


@contextlib.asynccontextmanager
async def job_http(ctx: dict[str, Any]) -> AsyncIterator[aiohttp.ClientSession]:
    """The worker's HTTP session, whose connections to a platform stay open from one send to the
    next (a session per send job paid a new connection, and a TLS handshake, per message); or one
    of the job's own when the worker has none (a job called directly, as tests do)."""
    shared = ctx.get(HTTP)
    if shared is not None:
        yield shared
        return
    async with aiohttp.ClientSession() as own:
        yield own


async def on_job_start(ctx: dict[str, Any]) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(job_id=ctx.get("job_id"), job_try=ctx.get("job_try"))
