"""arq connection: orjson instead of pickle, each job on its queue, one clear error.

Every enqueue in chotdon goes through RoutedArqRedis, which puts a job on the queue its name
belongs to (jobs.queue_of): the call sites, the sweepers' re-enqueues and the jobs' own follow-ups
(ctx["redis"] in a worker is one too) need not know there are two queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import Job, JobDef
from redis.exceptions import RedisError

from aggregator.errors import ServiceUnavailableError
from aggregator.runtime import jobs
from aggregator.settings import Settings


@dataclass(frozen=True, slots=True)
class QueueNames:
    """The Redis key of each queue."""

    orders: str
    outbound: str

    def of(self, queue: str) -> str:
        """The key of queue `queue` (jobs.ORDERS or jobs.OUTBOUND)."""
        if queue == jobs.ORDERS:
            return self.orders
        if queue == jobs.OUTBOUND:
            return self.outbound
        raise ValueError(f"no queue named {queue!r} (orders or outbound)")

    def for_job(self, function: str) -> str:
        return self.of(jobs.queue_of(function))

    @property
    def both(self) -> tuple[str, ...]:
        """Each queue's key once (one key when both queues are named alike)."""
        return tuple(dict.fromkeys((self.orders, self.outbound)))


def queue_names(settings: Settings) -> QueueNames:
    outbound = settings.arq_outbound_queue or f"{settings.arq_queue}:outbound"
    return QueueNames(orders=settings.arq_queue, outbound=outbound)


class RoutedArqRedis(ArqRedis):
    """An ArqRedis whose enqueue_job puts each job on its own queue unless told otherwise (arq's
    cron scheduler names its worker's queue itself). default_queue_name stays the orders queue,
    the one arq reads when nothing is named."""

    def __init__(self, queues: QueueNames, **kwargs: Any) -> None:
        self.queues = queues
        super().__init__(default_queue_name=queues.orders, **kwargs)

    async def enqueue_job(
        self, function: str, *args: Any, _queue_name: str | None = None, **kwargs: Any
    ) -> Job | None:
        queue = _queue_name or self.queues.for_job(function)
        return await super().enqueue_job(function, *args, _queue_name=queue, **kwargs)

    async def queued_jobs(self, *, queue_name: str | None = None) -> list[JobDef]:
        """The jobs waiting on `queue_name`, or on both queues when none is named."""
        names = (queue_name,) if queue_name is not None else self.queues.both
        queued: list[JobDef] = []
        for name in names:  # a loop: super() does not work inside a comprehension
            queued += await super().queued_jobs(queue_name=name)
        return queued


def job_queue(arq: ArqRedis, function: str) -> str:
    """The queue `function`'s jobs wait on, for code that reads a queue (the shipment sweeper)."""
    if isinstance(arq, RoutedArqRedis):
        return arq.queues.for_job(function)
    return arq.default_queue_name


def redis_settings(settings: Settings) -> RedisSettings:
    if not settings.redis_url:
        raise ServiceUnavailableError("REDIS_URL is not set and no embedded Redis was started")
    try:
        parsed = RedisSettings.from_dsn(settings.redis_url)
    except (RuntimeError, ValueError) as exc:
        raise ServiceUnavailableError(f"REDIS_URL is not a Redis URL: {exc}") from exc
    parsed.conn_retries = 2
    parsed.conn_timeout = 2
    return parsed


def _failure(value: object) -> str:
    """A failed job's result is its exception (JobExecutionFailed, a timeout…), which JSON cannot
    hold: keep its type, so arq stores the result instead of logging a traceback. Only the type
    name: an exception's text may carry what a job was working on (a buyer's phone)."""
    if isinstance(value, BaseException):
        return f"failed: {type(value).__name__}"
    raise TypeError(f"a job cannot carry a {type(value).__name__}")


def serialize_job(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value, default=_failure)


def deserialize_job(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = orjson.loads(data)
    return loaded


async def create_arq_pool(settings: Settings) -> RoutedArqRedis:
    try:
        # arq's create_pool brings the retries, the ping and Sentinel; its client's connection
        # pool is handed to a RoutedArqRedis, which owns it from then on (closes it on aclose).
        base = await create_pool(redis_settings(settings))
    except (OSError, RedisError) as exc:
        raise ServiceUnavailableError(f"cannot connect to Redis: {exc}") from exc
    routed = RoutedArqRedis(
        queue_names(settings),
        pool_or_conn=base.connection_pool,
        job_serializer=serialize_job,
        job_deserializer=deserialize_job,
    )
    routed.auto_close_connection_pool = True
    return routed
