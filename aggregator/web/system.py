"""The landing page and the heartbeat round trip that proves app -> Redis -> worker -> Postgres."""

from __future__ import annotations

import uuid

import aiohttp_jinja2
from aiohttp import web

from aggregator.errors import NotFoundError, ServiceUnavailableError
from aggregator.runtime import jobs
from aggregator.web.keys import ARQ_POOL, PG_POOL
from schema.models import WorkerHeartbeat
from schema.queries import query


@aiohttp_jinja2.template("index.html")
async def index(request: web.Request) -> dict[str, object]:
    row = await request.app[PG_POOL].fetchrow(query("latest_heartbeat"))
    beat = WorkerHeartbeat.model_validate(dict(row)) if row else None
    return {"heartbeat": beat}


async def enqueue_heartbeat(request: web.Request) -> web.Response:
    job_id = f"heartbeat:{uuid.uuid4().hex}"
    job = await request.app[ARQ_POOL].enqueue_job(jobs.RECORD_HEARTBEAT, "web", _job_id=job_id)
    if job is None:
        raise ServiceUnavailableError("heartbeat job was not enqueued")
    return web.json_response({"job_id": job_id}, status=202)


async def show_heartbeat(request: web.Request) -> web.Response:
    row = await request.app[PG_POOL].fetchrow(
        query("heartbeat_by_job"), request.match_info["job_id"]
    )
    if row is None:
        raise NotFoundError("no heartbeat recorded for this job yet")
    beat = WorkerHeartbeat.model_validate(dict(row))
    return web.json_response(beat.model_dump(mode="json"))
