"""Where a bench phase's CPU went: this process (the ingest side), the worker processes, and the
Postgres backends serving the bench's database; and how busy the whole machine was meanwhile
(what the three sides leave out: Redis, the kernel, anything else running).

Read from /proc, so it works only when Postgres runs on the same Linux machine as the bench (the
bench's own setup); elsewhere the figures are None and the bench prints "not measured". A backend
that exits during the phase takes its CPU with it (the pools keep theirs open, so this is rare).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu_s(pid: int) -> float | None:
    """utime + stime of a process, in seconds; None when /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICK


def _box_jiffies() -> tuple[int, int] | None:
    """(busy, all) clock ticks of every core since boot, from /proc/stat's first line; None where
    there is no /proc. Idle and waiting for I/O count as not busy; guest time is already in user."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if len(first) < 6 or first[0] != "cpu":
        return None
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def _self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _backend_pids(pool: asyncpg.Pool) -> list[int]:
    rows = await pool.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    return [int(r["pid"]) for r in rows]


@dataclass(frozen=True, slots=True)
class CpuSnapshot:
    ingest: float
    workers: dict[int, float | None]
    postgres: dict[int, float | None]
    box: tuple[int, int] | None  # _box_jiffies


@dataclass(frozen=True, slots=True)
class CpuSpent:
    """Seconds of CPU per side over a phase (None: not measurable here)."""

    ingest: float
    worker: float | None
    postgres: float | None
    box: float | None = None  # the whole machine's busy CPU, every core and process
    box_idle: float | None = None  # share of the machine's CPU left idle (0 to 1)

    def per_comment_ms(self, comments: int) -> dict[str, float | str]:
        def ms(seconds: float | None) -> float | str:
            return round(seconds * 1000 / comments, 3) if seconds is not None else "not measured"

        known = [s for s in (self.ingest, self.worker, self.postgres) if s is not None]
        idle = round(self.box_idle * 100, 1) if self.box_idle is not None else "not measured"
        return {
            "cpu_ms_per_comment_ingest": ms(self.ingest),
            "cpu_ms_per_comment_worker": ms(self.worker),
            "cpu_ms_per_comment_postgres": ms(self.postgres),
            "cpu_ms_per_comment_total": ms(sum(known)),
            "cpu_ms_per_comment_box": ms(self.box),
            "box_idle_pct": idle,
        }


LOCAL_HOSTS = (None, "", "localhost", "127.0.0.1", "::1")


def postgres_is_local(database_url: str) -> bool:
    """Backends' pids mean something in this machine's /proc only when the server runs here
    (a Unix socket path counts as here)."""
    host = urlsplit(database_url).hostname
    return host in LOCAL_HOSTS or (host or "").startswith("/")


async def snapshot(
    pool: asyncpg.Pool, worker_pids: Iterable[int], postgres_local: bool = True
) -> CpuSnapshot:
    pids = await _backend_pids(pool) if postgres_local else []
    return CpuSnapshot(
        _self_cpu_s(),
        {pid: _proc_cpu_s(pid) for pid in worker_pids},
        {pid: _proc_cpu_s(pid) for pid in pids},
        _box_jiffies(),
    )


def _spent(before: dict[int, float | None], after: dict[int, float | None]) -> float | None:
    if not after or any(v is None for v in after.values()):
        return None
    # A backend born during the phase started from nothing.
    return sum((after[pid] or 0.0) - (before.get(pid) or 0.0) for pid in after)


async def spent_since(
    pool: asyncpg.Pool, worker_pids: Iterable[int], before: CpuSnapshot, postgres_local: bool = True
) -> CpuSpent:
    after = await snapshot(pool, worker_pids, postgres_local)
    return CpuSpent(
        after.ingest - before.ingest,
        _spent(before.workers, after.workers),
        _spent(before.postgres, after.postgres),
        *box_spent(before.box, after.box),
    )


def box_spent(
    before: tuple[int, int] | None, after: tuple[int, int] | None
) -> tuple[float | None, float | None]:
    """The machine's busy CPU seconds between two readings, and the share it left idle."""
    if before is None or after is None or after[1] <= before[1]:
        return None, None
    busy, total = after[0] - before[0], after[1] - before[1]
    return busy / _TICK, 1 - busy / total
