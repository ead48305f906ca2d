"""`chotdon facebook-pull`: pools, the ingest queue, HTTP and the puller, until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import structlog

from aggregator.credentials.keyring import credential_cipher
from aggregator.errors import ServiceUnavailableError
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.facebook.follower import PullConfig, Wiring
from aggregator.platforms.facebook.puller import FacebookPuller
from aggregator.runtime.db import create_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from connectors.facebook.graph import GraphClient
from schema.enums import Platform

log = structlog.get_logger()
T = TypeVar("T")
OPEN_BACKOFF_S = (0.5, 10.0)  # first and longest wait between tries to reach Postgres or Redis


async def _open(name: str, opener: Callable[[], Awaitable[T]], stop: asyncio.Event) -> T | None:
    """Open a pool, trying again with backoff while the server is away (a supervisor starting
    the puller before Postgres or Redis is back must not leave it dead); None if stopped."""
    delay, longest = OPEN_BACKOFF_S
    while not stop.is_set():
        try:
            return await opener()
        except ServiceUnavailableError as exc:
            log.warning("facebook.pull_waiting", service=name, error=str(exc), retry_in_s=delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(longest, delay * 2)
    return None


async def run_facebook_pull(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Follow the lives of every connected Page until SIGINT/SIGTERM (or `stop`)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    cipher = credential_cipher(settings, Platform.FACEBOOK)
    config = PullConfig.from_settings(settings)
    pool = await _open("postgres", lambda: create_pool(settings), stop)
    arq = await _open("redis", lambda: create_arq_pool(settings), stop) if pool else None
    if pool is None or arq is None:
        if pool is not None:
            await pool.close()
        return
    try:
        async with aiohttp.ClientSession() as http, Ingestor(pool, arq) as ingestor:
            graph = GraphClient(http, config.graph_url)
            wiring = Wiring(pool, arq, ingestor, http, graph, config)
            log.info("facebook.pull_started", graph_url=config.graph_url)
            await FacebookPuller(wiring, cipher).run(stop)
    finally:
        await arq.aclose()
        await pool.close()
        log.info("facebook.pull_stopped")
