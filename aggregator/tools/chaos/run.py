"""Run the chaos: world, processes, staff and couriers, the lives sending, faults on schedule,
then settle and check. Everything happens in a throw-away database dropped at the end."""

from __future__ import annotations

import asyncio
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from arq.connections import ArqRedis
from pydantic import SecretStr

from aggregator.runtime.db import CONNECTION_LOST, create_pool
from aggregator.runtime.queue import create_arq_pool
from aggregator.settings import Settings
from aggregator.tools.bench.footprint import measure_footprint, per_comment
from aggregator.tools.bench.setup import wait_for_heartbeat
from aggregator.tools.chaos import checks
from aggregator.tools.chaos.comments import BATCH, UNTIL_ACKNOWLEDGED, comments, play, signing
from aggregator.tools.chaos.config import ChaosConfig, Strike, schedule
from aggregator.tools.chaos.faults import Injector
from aggregator.tools.chaos.money import Buyers, live_rule_figures
from aggregator.tools.chaos.processes import Fleet
from aggregator.tools.chaos.pulled import PulledLive, pulled_figures, seed_pulled, wait_until_pulled
from aggregator.tools.chaos.rehearsal import rehearsal_figures, rehearse
from aggregator.tools.chaos.staff import Couriers, Staff, keep_going
from aggregator.tools.chaos.world import PLATFORMS, Live, Simulators, seed, simulators
from aggregator.tools.databases import throwaway_database
from aggregator.tools.senders import Sender, Tally
from schema.enums import Platform

COURIER_TIMEOUT_S = 2.0
PAYMENT_TOKEN = secrets.token_urlsafe(24)  # the run's payments webhook token
ZALO_WEIGHT = 0.3
END_LIVE = "UPDATE live_sessions SET status = 'ended', ended_at = now() WHERE id = $1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _child_settings(config: ChaosConfig) -> dict[str, str]:
    return {
        "CHOTDON_BUYER_MESSAGE_DELAY_S": "1",
        "CHOTDON_CONFIRM_WINDOW_S": str(config.confirm_window_s),
        "CHOTDON_REMINDER_AFTER_S": str(config.confirm_window_s / 2),
        "CHOTDON_COURIER_TIMEOUT_S": str(COURIER_TIMEOUT_S),
        "CHOTDON_COURIER_POLL_AFTER_S": "15",
        "CHOTDON_LOG_LEVEL": "warning",
        "CHOTDON_PAYMENT_WEBHOOK_SECRET": PAYMENT_TOKEN,  # buyers' transfers (chaos/money.py)
    }


async def run_chaos(
    settings: Settings, config: ChaosConfig, restart_postgres: Callable[[], None] | None = None
) -> dict[str, Any]:
    """The whole run; `restart_postgres` (blocking) when the server is this process's own."""
    assert settings.database_url is not None and settings.redis_url is not None
    async with (
        throwaway_database(settings.database_url, "chotdon_chaos", config.keep_database) as url,
        simulators(config.seed) as sims,
    ):
        run = settings.model_copy(update={
            "database_url": url, "arq_queue": f"chaos:{uuid.uuid4().hex[:8]}",
            "port": _free_port(), "app_secret": SecretStr(secrets.token_urlsafe(32)),
            "confirm_window_s": config.confirm_window_s,
        })  # fmt: skip
        sims.couriers.point_webhooks(run.base_url)
        pool = await create_pool(run, min_size=1, max_size=6)
        arq = await create_arq_pool(run)
        log_dir = Path(run.data_dir) / f"chaos-{run.arq_queue.split(':')[1]}"
        log_dir.mkdir(parents=True, exist_ok=True)
        fleet = Fleet(run, sims.environment(run) | _child_settings(config), log_dir,
                      config.workers, config.web)  # fmt: skip
        try:
            lives = await seed(pool, run, sims, config.lives, max(10, config.buyers_per_live // 3))
            pulled = await seed_pulled(pool, run, sims)
            await fleet.start()
            await wait_for_heartbeat(pool, arq)
            result = await _play(run, config, pool, arq, sims, fleet, lives, restart_postgres,
                                 pulled)  # fmt: skip
        finally:
            await fleet.stop()
            await arq.aclose()
            await pool.close()
        result["logs"] = str(log_dir)
        if config.keep_database:
            result["database"] = url.rsplit("/", 1)[-1]
        return result


async def _play(
    run: Settings, config: ChaosConfig, pool: asyncpg.Pool, arq: ArqRedis, sims: Simulators,
    fleet: Fleet, lives: list[Live], restart_postgres: Callable[[], None] | None,
    pulled: PulledLive,
) -> dict[str, Any]:  # fmt: skip
    assert run.database_url is not None and run.redis_url is not None
    sessions = [live.session_id for live in lives]
    staff = Staff(pool, arq, sessions, int(config.unanswered_share * 1000))
    couriers = Couriers(pool, sims, sessions, config.refuse_share, config.seed)
    timeout = aiohttp.ClientTimeout(total=30)
    payments_http = aiohttp.ClientSession(timeout=timeout)
    buyers = Buyers(pool, payments_http, run.base_url, PAYMENT_TOKEN, sessions, config.seed)
    steps = {"confirm": staff.confirm, "pack": staff.pack, "finish": staff.finish_packing,
             "careless": staff.pack_carelessly, "pay": buyers.pay,
             "couriers": couriers.dispatch}  # fmt: skip
    helpers = [asyncio.create_task(keep_going(name, step)) for name, step in steps.items()]
    injector = Injector(fleet, sims, run.database_url, run.redis_url, COURIER_TIMEOUT_S,
                        restart_postgres)  # fmt: skip
    tally, started = Tally(), time.monotonic()
    timings: dict[str, Any] = {}
    try:
        timeout = aiohttp.ClientTimeout(total=30)
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            sender = Sender(
                http, run.base_url, signing(sims), batch=BATCH, retry=UNTIL_ACKNOWLEDGED,
                duplicate_share=config.duplicate_share, tally=tally,
            )  # fmt: skip
            sending = asyncio.create_task(_send_all(sender, pool, lives, config))
            sent = asyncio.Event()
            producing = asyncio.create_task(pulled.produce(sims, sent))
            await _strike_on_schedule(injector, schedule(config), tally, config.comments)
            await sending
            sent.set()
            await producing
            timings["send_s"] = round(time.monotonic() - started, 1)
            await injector.settle()
            # the shortest live (ended now) replayed into a sandbox copy: it must leak nowhere
            await rehearse(pool, arq, min(lives, key=lambda live: live.index).session_id)
        await wait_until_pulled(pool, pulled, config.settle_timeout_s)
        unfinished = await checks.wait_until_settled(pool, config.settle_timeout_s)
        timings["settle_s"] = round(time.monotonic() - started - timings["send_s"], 1)
    finally:
        await _stop(helpers)
        await couriers.stop()
        await payments_http.close()
    found = await checks.figures(pool, sims)
    found |= await live_rule_figures(pool)
    found |= await pulled_figures(pool, pulled)
    found |= await rehearsal_figures(pool)
    stored, lost, twice = await checks.stored_comments(pool, tally.ids)
    timings["total_s"] = round(time.monotonic() - started, 1)
    timings["comments_per_s"] = round(tally.sent / max(timings["send_s"], 0.001))
    timings["web_restart_s"] = fleet.restart_s
    return {
        "comments_sent": tally.sent, "comments_stored": stored, "lost": lost,
        "comments_stored_twice": twice, "not_acknowledged": tally.given_up,
        "deliveries": tally.deliveries, "deliveries_retried": tally.retries,
        "deliveries_sent_twice": tally.sent_twice,
        **found, "duplicate_shipments": found["duplicate_shipments"],
        "staff_confirmed": staff.confirmed, "staff_packed": staff.packed,
        "refused_by_gate": staff.refused_by_gate, "transfers": buyers.transfers,
        "courier_webhook_retries": couriers.webhook_retries,
        "courier_stalls": sims.couriers.sim.stalled,
        "faults_injected": {str(f): n for f, n in injector.injected.items()},
        "connections_dropped": injector.connections_dropped,
        "unfinished": {k: v for k, v in unfinished.items() if v},
        "stuck_messages": await checks.stuck_messages(pool, arq) if unfinished.get(
            "pending_messages") else [],
        "lives": len(lives), "web": config.web, "workers": config.workers, "seed": config.seed,
        # every three channels (Facebook, TikTok relay, Zalo) are one live with one stock pool
        "broadcasts": len({(live.index // len(PLATFORMS)) for live in lives}),
        "timings": timings,
        # what the evening left in Postgres: the capacity section multiplies these
        "footprint": per_comment(await measure_footprint(pool)),
    }  # fmt: skip


def live_sizes(total: int, lives: list[Live]) -> list[int]:
    """Lives of different lengths (the k-th gets a share proportional to k + 1), so the first
    ones end, and their orders are packed and shipped, while the others still run. Zalo lives
    are smaller (a chat with the OA beside the video, one message per webhook call)."""
    weights = [(live.index + 1) * (ZALO_WEIGHT if live.platform is Platform.ZALO else 1.0)
               for live in lives]  # fmt: skip
    sizes = [int(total * w / sum(weights)) for w in weights]
    sizes[-1] += total - sum(sizes)
    return sizes


async def _play_live(
    sender: Sender, pool: asyncpg.Pool, live: Live, count: int, config: ChaosConfig
) -> None:
    busier = count * config.lives / max(1, config.comments)
    await play(sender, live, comments(live, count, config.buyers_per_live, config.seed), busier)
    while True:  # the live is over: the director ends it (through any fault in progress)
        try:
            await pool.execute(END_LIVE, live.session_id)
            return
        except CONNECTION_LOST:
            await asyncio.sleep(0.5)


async def _send_all(
    sender: Sender, pool: asyncpg.Pool, lives: list[Live], config: ChaosConfig
) -> None:
    sizes = live_sizes(config.comments, lives)
    plays: list[Coroutine[Any, Any, None]] = [
        _play_live(sender, pool, live, size, config)
        for live, size in zip(lives, sizes, strict=True)
    ]
    await asyncio.gather(*plays)


async def _strike_on_schedule(
    injector: Injector, strikes: list[Strike], tally: Tally, total: int
) -> None:
    """Each fault once its share of the comments went out (the rest at the end of sending)."""
    for strike in strikes:
        while tally.sent + tally.given_up < strike.at_share * total:
            await asyncio.sleep(0.05)
        await injector.strike(strike.fault)


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
