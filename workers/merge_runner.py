"""One merge runner per shard of lives at a time, running rounds while comments wait.

Each time bucket's merge job of a shard (aggregator/ingest/merge_jobs.py) used to merge on its
own. When a merge took longer than a bucket, the next buckets' jobs of the same shard started
anyway, read the same lives and waited on their locks (the live lock statement waited 39 ms per
call, 20 s in all, over one ingest bench), and those waiting jobs filled the worker's slots, so
other shards' jobs waited for a slot behind them (3 to 9 s late at the end of a burst).

Now a shard's job first tries the shard's runner lock, without waiting. The job that takes it
runs rounds, each merging the shard's lives that have comments waiting (several per
transaction), until none wait; a round starts at most every `gap_s`, so each takes what arrived
meanwhile in one batch, and under a steady stream the next round needs no job, no bucket end and
no worker poll. A job that finds the lock taken ends at once, without a connection held or a
slot spent waiting: the runner looks for waiting comments again after it lets go of the lock, and
a comment whose job found the lock taken was committed before that, so it is seen then.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg

from aggregator.orders.merge import pending_sessions
from aggregator.runtime.db import Connection
from schema.queries import query

# A round starts at most this often per shard: the old bucket's batching, without its waits.
ROUND_GAP_S = 0.15
# A runner hands over to a fresh job after this long (arq's job timeout, a worker's shutdown).
RUN_FOR_S = 30.0

# Merges these sessions (in lock order, with how many comments wait in each: pending_sessions)
# on the runner's connection; returns the comments merged.
Merger = Callable[[Connection, dict[int, int]], Awaitable[int]]


@dataclass
class RunOutcome:
    ran: bool = False  # took the shard's lock (else another runner had it)
    rounds: int = 0
    comments: int = 0
    # Sessions still waiting when the run stopped at its time limit: a new job must take them.
    left: list[int] = field(default_factory=list)


async def run_shard(
    pool: asyncpg.Pool,
    shard: int,
    shards: int,
    merge_round: Merger,
    *,
    gap_s: float = ROUND_GAP_S,
    run_for_s: float = RUN_FOR_S,
) -> RunOutcome:
    """Run the shard's rounds if no other runner has it; see the module's docstring. The rounds
    run on the connection that holds the shard's lock: borrowing two more from the pool each
    round (to look for waiting sessions, then to merge) cost a reset on each return."""
    outcome = RunOutcome()
    deadline = time.monotonic() + run_for_s
    async with pool.acquire() as conn:
        while True:
            if not await conn.fetchval(query("try_lock_merge_shard"), shards, shard):
                return outcome  # the runner that has it looks again once it lets go
            outcome.ran = True
            try:
                await _rounds(conn, shard, shards, merge_round, outcome, gap_s, deadline)
            finally:
                await conn.fetchval(query("unlock_merge_shard"), shards, shard)
            # Let go first, then look: a comment whose job found the lock taken is seen here.
            waiting = await pending_sessions(conn, shard, shards)
            if not waiting:
                return outcome
            if time.monotonic() >= deadline:
                outcome.left = list(waiting)
                return outcome


async def _rounds(
    conn: Connection,
    shard: int,
    shards: int,
    merge_round: Merger,
    outcome: RunOutcome,
    gap_s: float,
    deadline: float,
) -> None:
    last_start: float | None = None
    while time.monotonic() < deadline:
        if last_start is not None:
            await asyncio.sleep(max(0.0, last_start + gap_s - time.monotonic()))
        waiting = await pending_sessions(conn, shard, shards)
        if not waiting:
            return
        last_start = time.monotonic()
        outcome.comments += await merge_round(conn, waiting)
        outcome.rounds += 1
