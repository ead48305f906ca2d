"""arq connection: orjson instead of pickle, the queue name from settings, one clear error."""

from __future__ import annotations

from typing import Any

import orjson
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.exceptions import RedisError

from aggregator.errors import ServiceUnavailableError
from aggregator.settings import Settings


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


async def create_arq_pool(settings: Settings) -> ArqRedis:
    try:
        return await create_pool(
            redis_settings(settings),
            job_serializer=serialize_job,
            job_deserializer=deserialize_job,
            default_queue_name=settings.arq_queue,
        )
    except (OSError, RedisError) as exc:
        raise ServiceUnavailableError(f"cannot connect to Redis: {exc}") from exc
