"""`chotdon facebook-pull`: pools, the ingest queue, HTTP and the puller, until a signal."""

from __future__ import annotations

import asyncio
import signal

import aiohttp
import structlog

from aggregator.credentials.keyring import credential_cipher
from aggregator.ingest.pipeline import Ingestor
from aggregator.platforms.facebook.follower import PullConfig, Wiring
from aggregator.platforms.facebook.puller import FacebookPuller
from aggregator.runtime.db import create_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from connectors.facebook.graph import GraphClient
from schema.enums import Platform

log = structlog.get_logger()


async def run_facebook_pull(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Follow the lives of every connected Page until SIGINT/SIGTERM (or `stop`)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    cipher = credential_cipher(settings, Platform.FACEBOOK)
    config = PullConfig.from_settings(settings)
    pool = await create_pool(settings)
    arq = await create_arq_pool(settings)
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
