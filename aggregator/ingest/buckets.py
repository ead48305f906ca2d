"""Enqueue work per key and time bucket, never per event: the pattern every batched job uses.

A job id is the key plus the current time bucket, and the job is deferred to the bucket's end, so
all that happens to one key within a bucket is handled by one job that sees all of it. arq refuses
a second job with the same id, which is what coalesces a burst.

All the jobs of one call go to Redis in ONE round trip (a Lua script doing, per job, what arq's
enqueue_job does: skip an id that already has a job or a result, else store the job and put it on
the queue). arq's own enqueue_job takes four round trips per job (WATCH, EXISTS, MULTI/EXEC); a
merge touching 500 orders spent more time telling Redis about their messages than merging.

A writer that commits a batch every few milliseconds, all for the same few shards (the ingest
writer, the webhook intake), keeps a `RecentJobs` and does not ask Redis again for a job it asked
for in the current bucket (a round trip per batch, 7 % of a web process's time under a burst of
deliveries): such a job is deferred to its bucket's end, so it has not started yet, and asking
again could only be refused. Redis emptied within those 0.15 s would lose that job; the sweepers,
which keep no such memory, enqueue what stays pending, as after any Redis loss.

These jobs keep no result, yet a try that never ran the function (found expired after a Redis
flush, out of tries) leaves arq's failure record for an hour (runtime/keyed.py). Here it refuses
only its own bucket's id, and nothing waits on that: a job is deferred to its bucket's end, so a
worker reads it only once the bucket is over, and every later enqueue names a later bucket. So
the script does not clear such records (nor pay for looking).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job

from aggregator.runtime.queue import job_queue

K = TypeVar("K", bound=Hashable)

# KEYS: the queue, then per job its job key and result key. ARGV: the score, the expiry in ms,
# then per job its id and payload. Returns how many jobs were new. Atomic: Redis runs a script
# alone, so the check and the write cannot interleave with another enqueue (arq's WATCH).
_ENQUEUE_MANY = """
local made = 0
for i = 1, (#KEYS - 1) / 2 do
    local job_key, result_key = KEYS[2 * i], KEYS[2 * i + 1]
    if redis.call('EXISTS', job_key, result_key) == 0 then
        redis.call('PSETEX', job_key, ARGV[2], ARGV[2 * i + 2])
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2 * i + 1])
        made = made + 1
    end
end
return made
"""
# Jobs per script call: one call's keys stay well within what Redis handles comfortably.
CHUNK = 500


def current_bucket(bucket_s: float) -> tuple[int, float]:
    """(bucket number, seconds left until it ends)."""
    now = time.time()
    if bucket_s <= 0:
        return int(now), 0.0
    bucket = int(now / bucket_s)
    return bucket, max(0.0, (bucket + 1) * bucket_s - now)


async def enqueue_many(
    arq: ArqRedis,
    job_name: str,
    jobs: Iterable[tuple[str, tuple[Any, ...]]],
    *,
    defer_by_s: float = 0.0,
    queue_name: str | None = None,
) -> int:
    """Enqueue (job id, args) pairs as arq's enqueue_job would, in one round trip per CHUNK;
    an id that already has a job or a result is skipped. Returns how many jobs were new."""
    wanted = list(jobs)
    # Each job on its own queue (a buyer message on the outbound one), as enqueue_job routes it.
    queue = queue_name or job_queue(arq, job_name)
    enqueue_time_ms = int(time.time() * 1000)
    defer_ms = round(defer_by_s * 1000)
    score = enqueue_time_ms + defer_ms
    expires_ms = defer_ms + arq.expires_extra_ms
    made = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        keys: list[str] = [queue]
        argv: list[Any] = [score, expires_ms]
        for job_id, args in chunk:
            keys += [job_key_prefix + job_id, result_key_prefix + job_id]
            argv += [job_id, serialize_job(job_name, args, {}, None, enqueue_time_ms,
                                           serializer=arq.job_serializer)]  # fmt: skip
        made += int(await arq.eval(_ENQUEUE_MANY, len(keys), *keys, *argv))  # type: ignore[misc]
    return made


class RecentJobs:
    """The job ids one writer enqueued (or found enqueued) in the current bucket, per job name."""

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[int, set[str]]] = {}

    def of(self, job_name: str, bucket: int) -> set[str]:
        """The ids asked for in this bucket (a new bucket forgets the last one's)."""
        kept = self._by_name.get(job_name)
        if kept is None or kept[0] != bucket:
            kept = self._by_name[job_name] = (bucket, set())
        return kept[1]


async def enqueue_per_bucket(
    arq: ArqRedis,
    job_name: str,
    keys: Iterable[K],
    *,
    bucket_s: float,
    job_id: Callable[[K, int], str],
    args: Callable[[K], tuple[Any, ...]] = lambda key: (key,),
    queue_name: str | None = None,
    recent: RecentJobs | None = None,
) -> int:
    """One job per key for the current bucket; returns how many jobs were new. `recent`: skip
    the keys this writer asked for in this bucket already (not without buckets, bucket_s <= 0:
    such a job is not deferred and may have run)."""
    bucket, defer_by = current_bucket(bucket_s)
    remembering = recent is not None and bucket_s > 0
    asked = recent.of(job_name, bucket) if recent is not None and remembering else set()
    wanted = [(job_id(key, bucket), key) for key in sorted(set(keys))]  # type: ignore[type-var]
    wanted = [(id_, key) for id_, key in wanted if id_ not in asked]
    if not wanted:
        return 0
    made = await enqueue_many(
        arq,
        job_name,
        [(id_, args(key)) for id_, key in wanted],
        defer_by_s=defer_by,
        queue_name=queue_name,
    )
    if remembering:  # only once Redis has them: a failed call is asked again next time
        asked.update(id_ for id_, _ in wanted)
    return made
