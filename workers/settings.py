"""arq worker configuration built from chotdon's Settings (orjson, not pickle, for jobs)."""

from __future__ import annotations

from typing import Any

from arq import func
from arq.worker import Worker

from aggregator import jobs
from aggregator.queue import deserialize_job, redis_settings, serialize_job
from aggregator.settings import Settings
from workers import context
from workers.system_jobs import record_heartbeat

FUNCTIONS = [func(record_heartbeat, name=jobs.RECORD_HEARTBEAT, max_tries=5)]


def worker_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for arq.worker.Worker."""
    return {
        "functions": FUNCTIONS,
        "redis_settings": redis_settings(settings),
        "queue_name": settings.arq_queue,
        "on_startup": context.startup,
        "on_shutdown": context.shutdown,
        "on_job_start": context.on_job_start,
        "job_serializer": serialize_job,
        "job_deserializer": deserialize_job,
        "max_jobs": settings.worker_max_jobs,
        "ctx": {context.SETTINGS: settings},
        "handle_signals": True,
    }


def build_worker(settings: Settings, **overrides: Any) -> Worker:
    return Worker(**{**worker_options(settings), **overrides})
