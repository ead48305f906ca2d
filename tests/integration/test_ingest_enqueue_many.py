"""Jobs enqueued many at once (one Redis round trip) are the jobs arq's own enqueue_job makes:
same payload, queue score and expiry; an id that has a job or a result is never enqueued again."""

from __future__ import annotations

import time
from typing import Any

import pytest
from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import Job, JobStatus

from aggregator.ingest.buckets import CHUNK, RecentJobs, enqueue_many, enqueue_per_bucket
from aggregator.runtime import jobs
from aggregator.runtime.queue import RoutedArqRedis


async def test_jobs_read_back_as_arq_jobs(arq_pool: ArqRedis) -> None:
    before_ms = time.time() * 1000
    made = await enqueue_many(
        arq_pool, "merge_session", [("m:1", (1,)), ("m:2", (2, "x"))], defer_by_s=0.5
    )
    assert made == 2
    info = await Job(
        "m:2",
        arq_pool,
        _queue_name=arq_pool.default_queue_name,
        _deserializer=arq_pool.job_deserializer,
    ).info()
    assert info is not None
    assert (info.function, tuple(info.args), info.kwargs, info.job_try) == (
        "merge_session",
        (2, "x"),
        {},
        None,
    )
    assert info.score is not None and before_ms + 450 <= info.score <= time.time() * 1000 + 550
    status = await Job(
        "m:1",
        arq_pool,
        _queue_name=arq_pool.default_queue_name,
        _deserializer=arq_pool.job_deserializer,
    ).status()
    assert status is JobStatus.deferred
    ttl_ms = await arq_pool.pttl(job_key_prefix + "m:1")
    assert arq_pool.expires_extra_ms < ttl_ms <= arq_pool.expires_extra_ms + 500


async def test_an_id_with_a_job_or_a_result_is_skipped(arq_pool: ArqRedis) -> None:
    assert await arq_pool.enqueue_job("merge_session", 1, _job_id="m:1") is not None
    await arq_pool.set(result_key_prefix + "m:2", b"done")
    made = await enqueue_many(
        arq_pool, "merge_session", [("m:1", (9,)), ("m:2", (2,)), ("m:3", (3,))]
    )
    assert made == 1
    assert await arq_pool.zcard(arq_pool.default_queue_name) == 2  # m:1 (arq's own) and m:3
    first = await Job(
        "m:1",
        arq_pool,
        _queue_name=arq_pool.default_queue_name,
        _deserializer=arq_pool.job_deserializer,
    ).info()
    assert first is not None and tuple(first.args) == (1,)  # the first job stands, untouched


async def test_per_bucket_coalesces_and_spans_chunks(arq_pool: ArqRedis) -> None:
    keys = list(range(CHUNK + 7))

    def job_id(key: int, bucket: int) -> str:
        return f"k:{key}:{bucket}"

    first = await enqueue_per_bucket(arq_pool, "f", keys, bucket_s=3600, job_id=job_id)
    again = await enqueue_per_bucket(arq_pool, "f", [*keys, 5], bucket_s=3600, job_id=job_id)
    assert (first, again) == (len(keys), 0)
    assert await arq_pool.zcard(arq_pool.default_queue_name) == len(keys)


async def test_another_queue(arq_pool: ArqRedis) -> None:
    assert await enqueue_many(arq_pool, "f", [("q:1", (1,))], queue_name="elsewhere") == 1
    assert await arq_pool.zcard("elsewhere") == 1
    assert await arq_pool.zcard(arq_pool.default_queue_name) == 0


async def test_each_job_goes_to_the_queue_it_is_routed_to(arq_pool: ArqRedis) -> None:
    # Buyer messages are enqueued many at once too: they must wait on the outbound queue, where
    # a backlog of sends never holds back a merge (issue 21), not on the merges' queue.
    assert isinstance(arq_pool, RoutedArqRedis)
    queues = arq_pool.queues
    assert queues.orders != queues.outbound
    await enqueue_many(arq_pool, jobs.SEND_ORDER_MESSAGE, [("msg:1", (1,)), ("msg:2", (2,))])
    await enqueue_many(arq_pool, jobs.MERGE_SESSION, [("m:1", (1,))])
    assert await arq_pool.zcard(queues.outbound) == 2
    assert await arq_pool.zcard(queues.orders) == 1


async def test_a_writer_asks_redis_once_per_job_and_bucket(
    arq_pool: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ingest writer enqueues the same shard's merge every few milliseconds: after the first
    call of a bucket it knows the job is there (deferred to the bucket's end, it cannot have
    run), so it does not ask Redis again. Without that memory (the sweepers), or without
    buckets, Redis is asked every time."""
    calls = []
    real_eval = arq_pool.eval

    async def counted_eval(*args: Any) -> Any:
        calls.append(args[0])
        return await real_eval(*args)

    monkeypatch.setattr(arq_pool, "eval", counted_eval)

    def job_id(key: int, bucket: int) -> str:
        return f"once:{key}:{bucket}"

    recent = RecentJobs()

    async def enqueue(keys: list[int], **kwargs: Any) -> int:
        return await enqueue_per_bucket(arq_pool, "g", keys, job_id=job_id, **kwargs)

    assert await enqueue([1], bucket_s=3600, recent=recent) == 1
    assert await enqueue([1], bucket_s=3600, recent=recent) == 0
    assert len(calls) == 1
    assert await enqueue([1, 2], bucket_s=3600, recent=recent) == 1
    assert len(calls) == 2  # only the new key was asked for
    assert await enqueue([1, 2], bucket_s=3600, recent=recent) == 0
    assert len(calls) == 2

    await arq_pool.flushdb()  # Redis lost its jobs: a sweeper, with no memory, asks again
    assert await enqueue([1], bucket_s=3600) == 1
    assert len(calls) == 3
    for _ in range(2):  # no bucket: a job may have run already, so Redis decides each time
        await enqueue([1], bucket_s=0, recent=recent)
    assert len(calls) == 5
