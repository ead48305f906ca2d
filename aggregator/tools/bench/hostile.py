"""`chotdon bench hostile`: what unauthenticated floods do to everyone else's latency.

One `chotdon serve` child on a throw-away database (like `bench webhooks`). In each phase two
probes run for the same time: GET /healthz back to back, and signed Facebook webhook deliveries
(one comment each, all different) back to back; their p50/p99 are measured first with no flood,
then under each flood, paced at a fixed rate whatever the answers:
- login flood: POST /dang-nhap with a new login name each time, from one address, and from a
  new address each time (X-Forwarded-For through a trusted proxy, as a botnet behind the proxy);
- refused 1 MB unsigned deliveries to /webhooks/facebook;
- unauthenticated POSTs: heartbeats and staff pages without a session.
Each figure is printed with its ratio to the no-flood baseline of the same run. The figures are
printed, not asserted: the machine is shared and noisy. The client runs in this process, so a
heavy flood also costs the probes some client time; the ratios include that.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp

from aggregator.settings import Settings
from aggregator.tools.bench.webhooks import deliveries, seed_live, web_process
from aggregator.tools.databases import throwaway_database
from aggregator.tools.senders import Delivery

Flood = Callable[[aiohttp.ClientSession, str, int], Coroutine[Any, Any, int]]
FLOOD_LIMIT = 256  # flood requests in flight at most (the rest are counted as not sent)
MEGABYTE = b"x" * 1_000_000
_NONCE = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass(frozen=True)
class HostileBenchConfig:
    seconds: float = 8.0  # length of each phase
    login_rate: int = 50  # login POSTs per second
    big_rate: int = 10  # refused 1 MB deliveries per second
    unauth_rate: int = 200  # heartbeat / staff POSTs per second


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _probe_health(http: aiohttp.ClientSession, base: str, stop: asyncio.Event) -> list[float]:
    took: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        async with http.get(f"{base}/healthz") as answer:
            await answer.read()
        took.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    return took


async def _probe_webhook(
    http: aiohttp.ClientSession, base: str, stop: asyncio.Event, signed: list[Delivery]
) -> list[float]:
    took: list[float] = []
    for delivery in signed:
        if stop.is_set():
            break
        started = time.perf_counter()
        async with http.post(
            f"{base}/webhooks/facebook", data=delivery.body, headers=dict(delivery.headers)
        ) as answer:
            await answer.read()
            if answer.status != 200:
                raise RuntimeError(f"signed delivery answered {answer.status}")
        took.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return took


async def _login_form(http: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    """A form nonce and its signed cookie, reused by every flood POST (valid for an hour)."""
    async with http.get(f"{base}/dang-nhap") as page:
        match = _NONCE.search(await page.text())
        cookie = page.cookies.get("cd_login")
    if match is None or cookie is None:
        raise RuntimeError("the login page gave no form nonce")
    return match.group(1), cookie.value


def login_flood(form: tuple[str, str], *, spread: bool) -> Flood:
    async def send(http: aiohttp.ClientSession, base: str, i: int) -> int:
        headers = {"X-Forwarded-For": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"}
        async with http.post(
            f"{base}/dang-nhap", data={"csrf": form[0], "login": f"ke-do-{i}", "password": "x"},
            cookies={"cd_login": form[1]}, headers=headers if spread else {},
            allow_redirects=False,
        ) as answer:  # fmt: skip
            await answer.read()
            return answer.status

    return send


async def big_unsigned(http: aiohttp.ClientSession, base: str, i: int) -> int:
    headers = {"Content-Type": "application/json"}
    async with http.post(f"{base}/webhooks/facebook", data=MEGABYTE, headers=headers) as answer:
        await answer.read()
        return answer.status


async def unauthenticated(http: aiohttp.ClientSession, base: str, i: int) -> int:
    path = "/api/heartbeats" if i % 2 == 0 else "/don"
    async with http.post(f"{base}{path}", data=b"{}", allow_redirects=False) as answer:
        await answer.read()
        return answer.status


async def _pace(
    http: aiohttp.ClientSession, base: str, flood: Flood, rate: int, stop: asyncio.Event
) -> Counter[str]:
    """Start `rate` requests a second (not waiting for answers) until told to stop."""
    statuses: Counter[str] = Counter()
    tasks: set[asyncio.Task[None]] = set()
    started = time.perf_counter()

    async def one(i: int) -> None:
        try:
            statuses[str(await flood(http, base, i))] += 1
        except (aiohttp.ClientError, OSError) as exc:
            statuses[type(exc).__name__] += 1

    for i in itertools.count():
        if stop.is_set():
            break
        if len(tasks) >= FLOOD_LIMIT:
            statuses["not_sent"] += 1
        else:
            task = asyncio.create_task(one(i))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.perf_counter()))
    await asyncio.gather(*tasks, return_exceptions=True)
    return statuses


async def _phase(
    base: str, seconds: float, signed: list[Delivery], flood: tuple[Flood, int] | None
) -> dict[str, float]:
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=FLOOD_LIMIT + 8)
    async with aiohttp.ClientSession(connector=connector) as http, aiohttp.ClientSession() as probe:
        jobs: list[asyncio.Task[Any]] = [
            asyncio.create_task(_probe_health(probe, base, stop)),
            asyncio.create_task(_probe_webhook(probe, base, stop, signed)),
        ]
        if flood is not None:
            jobs.append(asyncio.create_task(_pace(http, base, flood[0], flood[1], stop)))
        await asyncio.sleep(seconds)
        stop.set()
        health, webhook, *rest = await asyncio.gather(*jobs)
    figures = {
        "healthz_p50_ms": round(1000 * percentile(health, 0.5), 1),
        "healthz_p99_ms": round(1000 * percentile(health, 0.99), 1),
        "webhook_p50_ms": round(1000 * percentile(webhook, 0.5), 1),
        "webhook_p99_ms": round(1000 * percentile(webhook, 0.99), 1),
        "probes": len(health) + len(webhook),
    }
    for status, count in sorted((rest[0] if rest else Counter()).items()):
        figures[f"answers_{status}"] = count
    return figures


async def run_hostile_bench(settings: Settings, config: HostileBenchConfig) -> dict[str, float]:
    assert settings.database_url is not None
    async with throwaway_database(settings.database_url, "chotdon_bench") as url:
        await seed_live(url)
        bench = settings.model_copy(
            update={"database_url": url, "arq_queue": f"bench:{uuid.uuid4().hex[:8]}"}
        )
        proxy = {"CHOTDON_TRUSTED_PROXIES": "127.0.0.1, ::1"}  # the bench client is "the proxy"
        async with web_process(bench, proxy) as base, aiohttp.ClientSession() as http:
            form = await _login_form(http, base)
            floods: dict[str, tuple[Flood, int] | None] = {
                "no_flood": None,
                "login_flood_one_address": (login_flood(form, spread=False), config.login_rate),
                "login_flood_many_addresses": (login_flood(form, spread=True), config.login_rate),
                "refused_1mb_unsigned": (big_unsigned, config.big_rate),
                "unauthenticated_posts": (unauthenticated, config.unauth_rate),
            }
            signed = deliveries(int(config.seconds * 60) * len(floods), "h")
            results = {}
            for n, (name, flood) in enumerate(floods.items()):
                chunk = signed[n :: len(floods)]
                results[name] = await _phase(base, config.seconds, chunk, flood)
    return _flatten(results, config)


def _flatten(results: dict[str, dict[str, float]], config: HostileBenchConfig) -> dict[str, float]:
    base = results["no_flood"]
    figures: dict[str, float] = {}
    for phase, values in results.items():
        for name, value in values.items():
            figures[f"{phase}.{name}"] = value
        if phase != "no_flood":
            for name in ("healthz_p99_ms", "webhook_p99_ms"):
                ratio = values[name] / base[name] if base[name] else 0.0
                figures[f"{phase}.{name.removesuffix('_ms')}_ratio"] = round(ratio, 2)
    figures["seconds_per_phase"] = config.seconds
    figures["login_rate_per_s"] = config.login_rate
    figures["big_rate_per_s"] = config.big_rate
    figures["unauth_rate_per_s"] = config.unauth_rate
    return figures
