"""Which jobs a same-id enqueue may clear arq's failure record for: exactly the jobs that keep no
result (runtime/keyed.py). A job keeping results on purpose must never lose one to it."""

from __future__ import annotations

import pytest
from arq.connections import ArqRedis

from aggregator.runtime import jobs
from aggregator.runtime.keyed import enqueue_keyed
from workers.settings import FUNCTIONS


def test_the_jobs_that_keep_no_result_are_the_ones_the_workers_declare() -> None:
    """A result under such a job's id can only be arq's own record of a lost try: true only while
    the worker declares keep_result=0 for each of them, and for no other."""
    declared = {f.name for f in FUNCTIONS if f.keep_result_s == 0}
    assert declared == jobs.KEEP_NO_RESULT
    kept_on_purpose = {jobs.RECORD_HEARTBEAT, jobs.BUYER_REPLY, jobs.TIKTOK_FETCH_ORDERS}
    assert not jobs.KEEP_NO_RESULT & kept_on_purpose


async def test_a_job_that_keeps_results_is_refused_before_redis_is_asked() -> None:
    arq = ArqRedis(host="127.0.0.1", port=1)  # nothing listens there: no call may be made
    with pytest.raises(ValueError, match="keeps its results"):
        await enqueue_keyed(arq, jobs.BUYER_REPLY, "facebook", "page", "u1", "ok", job_id="x")
    await arq.aclose()
