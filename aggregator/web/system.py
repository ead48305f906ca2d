"""The landing page and the heartbeat round trip that proves app -> Redis -> worker -> Postgres.

The heartbeat API is an operations endpoint (aggregator/web/operations.py): it enqueues a job and
writes a row, and names the worker's host and process, so the open internet may not call it. The
landing page says only when a worker last answered, in Vietnam time."""

from __future__ import annotations

import re
import uuid
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from aggregator.errors import NotFoundError, ServiceUnavailableError
from aggregator.runtime import jobs
from aggregator.staff.cooperatives import is_fresh
from aggregator.web.keys import ARQ_POOL, PG_POOL
from aggregator.web.operations import require_ops
from schema.models import WorkerHeartbeat
from schema.queries import query

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
JOB_ID = re.compile(r"heartbeat:[0-9a-f]{32}")


@aiohttp_jinja2.template("index.html")
async def index(request: web.Request) -> dict[str, object]:
    if await is_fresh(request.app[PG_POOL]):  # an empty installation starts with its set-up
        raise web.HTTPSeeOther(location="/thiet-lap")
    row = await request.app[PG_POOL].fetchrow(query("latest_heartbeat"))
    beat = WorkerHeartbeat.model_validate(dict(row)) if row else None
    return {"last_beat": beat.beat_at.astimezone(VIETNAM) if beat else None}


async def enqueue_heartbeat(request: web.Request) -> web.Response:
    require_ops(request)
    job_id = f"heartbeat:{uuid.uuid4().hex}"
    job = await request.app[ARQ_POOL].enqueue_job(jobs.RECORD_HEARTBEAT, "web", _job_id=job_id)
    if job is None:
        raise ServiceUnavailableError("heartbeat job was not enqueued")
    return web.json_response({"job_id": job_id}, status=202)


async def show_heartbeat(request: web.Request) -> web.Response:
    require_ops(request)
    job_id = request.match_info["job_id"]
    if not JOB_ID.fullmatch(job_id):  # only ids enqueue_heartbeat gives (no NUL for Postgres)
        raise NotFoundError("no heartbeat job with this id")
    row = await request.app[PG_POOL].fetchrow(query("heartbeat_by_job"), job_id)
    if row is None:
        raise NotFoundError("no heartbeat recorded for this job yet")
    beat = WorkerHeartbeat.model_validate(dict(row))
    return web.json_response(beat.model_dump(mode="json"))
