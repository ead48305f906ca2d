"""arq worker configuration built from chotdon's Settings (orjson, not pickle, for jobs)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from arq import cron, func
from arq.worker import Worker

from aggregator.errors import ConfigurationError
from aggregator.ingest.merge_jobs import MERGE_SHARDS
from aggregator.runtime import jobs
from aggregator.runtime.queue import (
    create_arq_pool,
    deserialize_job,
    queue_names,
    redis_settings,
    serialize_job,
)
from aggregator.settings import Settings
from workers import context
from workers.confirmation_jobs import buyer_reply_job, send_order_message_job
from workers.facebook_jobs import MAX_TRIES as FACEBOOK_MAX_TRIES, facebook_send_job
from workers.fulfilment_jobs import (
    MAX_TRIES as FULFIL_MAX_TRIES,
    sweep_tiktok_fulfilments_job,
    tiktok_fulfil_job,
)
from workers.order_jobs import merge_session_job, sweep_job
from workers.platform_jobs import (
    SEND_MAX_TRIES as PLATFORM_SEND_MAX_TRIES,
    apply_platform_orders_job,
    platform_send_job,
    tiktok_fetch_orders_job,
    tiktok_sync_job,
    tiktok_sync_shop_job,
)
from workers.privacy_jobs import apply_retention_job
from workers.question_jobs import file_questions_job, sweep_questions_job
from workers.shipping_jobs import (
    create_shipment_job,
    poll_shipments_job,
    shipment_news_job,
    sweep_shipments_job,
)
from workers.system_jobs import (
    forget_login_tries_job,
    maintain_partitions_job,
    purge_webhook_bodies_job,
    record_heartbeat,
)
from workers.token_jobs import expire_channel_logins_job, platform_token_refresh_job

FUNCTIONS = [
    func(record_heartbeat, name=jobs.RECORD_HEARTBEAT, max_tries=5),
    # keep_result=0 frees the job id at once, so the next time bucket can reuse the pattern.
    func(merge_session_job, name=jobs.MERGE_SESSION, max_tries=20, keep_result=0, timeout=600),
    # Jobs the sweepers re-enqueue under the same id (the row in Postgres says what is unfinished):
    # a job that failed on an exception (a connection cut by a Postgres restart) would otherwise
    # keep its id for arq's default hour, and the re-enqueue would be refused all that time.
    func(
        facebook_send_job,
        name=jobs.FACEBOOK_SEND,
        max_tries=FACEBOOK_MAX_TRIES,
        timeout=60,
        keep_result=0,
    ),
    func(send_order_message_job, name=jobs.SEND_ORDER_MESSAGE, max_tries=10, keep_result=0),
    func(buyer_reply_job, name=jobs.BUYER_REPLY, max_tries=5),
    func(create_shipment_job, name=jobs.CREATE_SHIPMENT, max_tries=30, timeout=120, keep_result=0),
    func(tiktok_fetch_orders_job, name=jobs.TIKTOK_FETCH_ORDERS, max_tries=12, timeout=120),
    func(tiktok_sync_shop_job, name=jobs.TIKTOK_SYNC_SHOP, max_tries=12, timeout=600),
    func(
        platform_send_job,
        name=jobs.PLATFORM_SEND,
        max_tries=PLATFORM_SEND_MAX_TRIES,
        timeout=60,
        keep_result=0,
    ),
    func(apply_platform_orders_job, name=jobs.APPLY_PLATFORM_ORDERS, max_tries=20, keep_result=0),
    # One job id per order (the sweeper re-enqueues it): keep_result=0 frees it when it ends.
    func(
        tiktok_fulfil_job,
        name=jobs.TIKTOK_FULFIL,
        max_tries=FULFIL_MAX_TRIES,
        timeout=120,
        keep_result=0,
    ),
    func(file_questions_job, name=jobs.FILE_QUESTIONS, max_tries=10, keep_result=0, timeout=120),
]
SWEEP_EVERY_S = 5
CRON_JOBS = [
    cron(
        sweep_job,
        name=jobs.SWEEP,
        second=set(range(0, 60, SWEEP_EVERY_S)),
        run_at_startup=True,
        unique=True,
        keep_result=0,
    ),
    cron(sweep_shipments_job, name=jobs.SWEEP_SHIPMENTS, second={7, 37}, unique=True),
    # Every 10 s for up to NEWS_BUDGET_S: a parcel's news reaches the buyer within seconds.
    cron(
        shipment_news_job,
        name=jobs.SHIPMENT_NEWS,
        second=set(range(3, 60, 10)),
        unique=True,
        keep_result=0,
    ),
    cron(poll_shipments_job, name=jobs.POLL_SHIPMENTS, second={23}, unique=True),
    cron(sweep_questions_job, name=jobs.SWEEP_QUESTIONS, second={29}, unique=True, keep_result=0),
    cron(tiktok_sync_job, name=jobs.TIKTOK_SYNC, minute=set(range(0, 60, 5)), second={41}),
    cron(
        sweep_tiktok_fulfilments_job,
        name=jobs.SWEEP_TIKTOK_FULFILMENTS,
        second={13},
        unique=True,
        keep_result=0,
    ),
    cron(platform_token_refresh_job, name=jobs.PLATFORM_TOKEN_REFRESH, minute={17}, unique=True),
    cron(expire_channel_logins_job, name=jobs.EXPIRE_CHANNEL_LOGINS, minute={8, 38}, unique=True),
    cron(
        forget_login_tries_job,
        name=jobs.FORGET_LOGIN_TRIES,
        minute=set(range(0, 60, 10)),
        second={53},
        unique=True,
        keep_result=0,
    ),
    cron(
        apply_retention_job,
        name=jobs.APPLY_RETENTION,
        hour={3},
        minute={11},
        unique=True,
        timeout=3600,
    ),
    cron(
        maintain_partitions_job,
        name=jobs.MAINTAIN_PARTITIONS,
        hour={2},
        minute={47},
        unique=True,
        timeout=3600,
    ),
    cron(
        purge_webhook_bodies_job,
        name=jobs.PURGE_WEBHOOK_BODIES,
        hour={3},
        minute={41},
        unique=True,
        timeout=3600,
    ),
]


def cron_jobs_of(queue: str) -> list[Any]:
    """The cron jobs a worker of `queue` schedules (each cron job on the queue of its name)."""
    return [c for c in CRON_JOBS if jobs.queue_of(c.name) == queue]


def shared_queue(settings: Settings) -> bool:
    """Both queues named alike: one queue, one worker runs every job (chotdon before issue 21;
    the ingest bench measures it as the baseline)."""
    names = queue_names(settings)
    return names.orders == names.outbound


def worker_options(settings: Settings, queue: str = jobs.ORDERS) -> dict[str, Any]:
    """Keyword arguments for arq.worker.Worker, for a worker of queue `queue` (jobs.QUEUES).

    Each worker knows every function: a job found on the other queue (queued by a chotdon from
    before the split, whose queue was the orders queue) still runs instead of failing.
    """
    shared = shared_queue(settings)
    outbound = queue == jobs.OUTBOUND and not shared
    if not outbound:
        check_pool_fits_merge_runners(settings)
    return {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS if shared else cron_jobs_of(queue),
        "redis_settings": redis_settings(settings),
        "queue_name": queue_names(settings).of(queue),
        "on_startup": context.startup,
        "on_shutdown": context.shutdown,
        "on_job_start": context.on_job_start,
        "job_serializer": serialize_job,
        "job_deserializer": deserialize_job,
        "max_jobs": settings.worker_outbound_max_jobs if outbound else settings.worker_max_jobs,
        "poll_delay": settings.worker_poll_delay_s,
        "ctx": {context.SETTINGS: settings, context.QUEUE: queue},
        "handle_signals": True,
    }


def check_pool_fits_merge_runners(settings: Settings) -> None:
    """Refuse a Postgres pool too small for the merge runners a worker of the orders queue can run
    at once. Each runner (workers/merge_runner.py) holds a pooled connection for its shard's lock
    and merges on it, and waits for what its last round set off (question filing), which needs
    another: with no more connections than runners, every connection could be held by a runner
    waiting for that, and the worker would stop merging for good."""
    runners = min(MERGE_SHARDS, settings.worker_max_jobs)
    if settings.pg_pool_max <= runners:
        raise ConfigurationError(
            f"CHOTDON_PG_POOL_MAX={settings.pg_pool_max} is too small for a worker of the orders "
            f"queue: its {runners} merge runners each hold a connection and need another for "
            f"what their rounds set off; set it to at least {runners + 1} (default 10), or lower "
            f"CHOTDON_WORKER_MAX_JOBS"
        )


class QueueWorker(Worker):
    """An arq Worker whose ctx["redis"] is chotdon's routed pool: a job's follow-up jobs (a merge's
    buyer messages, a sweeper's re-enqueues) go on their own queue, not on this worker's."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        self.chotdon_settings = settings
        super().__init__(**options)

    async def main(self) -> None:
        if self._pool is None:
            self._pool = await create_arq_pool(self.chotdon_settings)
        await super().main()

    async def close(self) -> None:
        """arq's close, except that a job cancelled by the stop no longer skips on_shutdown.
        arq gathers the cancelled jobs without return_exceptions, so their CancelledError ended
        its close before on_shutdown: the Postgres pool and the couriers' HTTP session were left
        open ("Unclosed client session" at every stop of a worker busy with jobs)."""
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)  # what arq's close does first: cancel running jobs
            self._handle_signals = True  # done: arq's close below must not do it again
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        await super().close()


# arq marks a started job "in progress" for the longest timeout of ALL its functions plus 10 s
# (here the nightly purge's hour), and no worker starts that job again while the mark lives. A
# send or booking job whose worker was killed -9 would then wait an hour, and the sweeper's
# re-enqueue under the same id is refused all that time. The mark lives only as long as the
# at-most-once jobs may run; the longer jobs (merges, shop syncs, the purge) are safe to overlap
# with a second run because each one locks or upserts the rows it works on.
AT_MOST_ONCE = {jobs.FACEBOOK_SEND, jobs.PLATFORM_SEND, jobs.CREATE_SHIPMENT}
IN_PROGRESS_S = max(f.timeout_s or 0 for f in FUNCTIONS if f.name in AT_MOST_ONCE) + 10


def build_worker(settings: Settings, queue: str = jobs.ORDERS, **overrides: Any) -> QueueWorker:
    worker = QueueWorker(settings, **{**worker_options(settings, queue), **overrides})
    worker.in_progress_timeout_s = IN_PROGRESS_S
    return worker
