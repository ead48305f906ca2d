"""Which queue each job goes on, which worker schedules each cron job, and what `chotdon worker`
runs: every job has a queue chosen on purpose, and no cron job is scheduled twice or never."""

from __future__ import annotations

import pytest

from aggregator.errors import ConfigurationError
from aggregator.runtime import jobs
from aggregator.runtime.queue import queue_names
from aggregator.settings import Settings
from workers.runner import queues_to_run
from workers.settings import CRON_JOBS, FUNCTIONS, cron_jobs_of, worker_options


def _settings(**overrides: object) -> Settings:
    return Settings(redis_url="redis://127.0.0.1:6379/0", arq_queue="q", **overrides)  # type: ignore[arg-type]


def _job_names() -> set[str]:
    return {
        value for name, value in vars(jobs).items() if name.isupper() and isinstance(value, str)
    }


def test_every_job_is_on_exactly_one_queue_chosen_on_purpose() -> None:
    """A job added without choosing would fall back to the orders queue, among the merges: this
    fails first, naming it."""
    names = _job_names() - {jobs.ORDERS, jobs.OUTBOUND}
    assert not jobs.ORDER_JOBS & jobs.OUTBOUND_JOBS
    assert names == jobs.ORDER_JOBS | jobs.OUTBOUND_JOBS
    registered = {f.name for f in FUNCTIONS} | {c.name for c in CRON_JOBS}
    assert registered <= jobs.ORDER_JOBS | jobs.OUTBOUND_JOBS, registered - names


def test_merges_and_sends_are_on_different_queues() -> None:
    assert jobs.queue_of(jobs.MERGE_SESSION) == jobs.ORDERS
    assert jobs.queue_of(jobs.SWEEP) == jobs.ORDERS
    for outbound in (jobs.FACEBOOK_SEND, jobs.PLATFORM_SEND, jobs.SEND_ORDER_MESSAGE,
                     jobs.CREATE_SHIPMENT, jobs.SHIPMENT_NEWS, jobs.POLL_SHIPMENTS,
                     jobs.FILE_QUESTIONS, jobs.TIKTOK_FULFIL):  # fmt: skip
        assert jobs.queue_of(outbound) == jobs.OUTBOUND, outbound
    assert jobs.queue_of("a_job_nobody_classified") == jobs.ORDERS  # where all jobs ran before


def test_each_cron_job_is_scheduled_by_the_worker_of_its_queue_only() -> None:
    orders = {c.name for c in cron_jobs_of(jobs.ORDERS)}
    outbound = {c.name for c in cron_jobs_of(jobs.OUTBOUND)}
    assert not orders & outbound
    assert orders | outbound == {c.name for c in CRON_JOBS}
    assert jobs.SWEEP in orders and jobs.SHIPMENT_NEWS in outbound


def test_the_outbound_queue_is_named_after_the_orders_queue_unless_set() -> None:
    assert queue_names(_settings()).outbound == "q:outbound"
    assert queue_names(_settings(arq_outbound_queue="sends")).outbound == "sends"
    assert queue_names(_settings()).for_job(jobs.FACEBOOK_SEND) == "q:outbound"
    assert queue_names(_settings()).for_job(jobs.MERGE_SESSION) == "q"
    with pytest.raises(ValueError):
        queue_names(_settings()).of("everything")


def test_each_queue_worker_has_its_own_slots_and_cron_jobs() -> None:
    settings = _settings(worker_max_jobs=6, worker_outbound_max_jobs=3)
    orders = worker_options(settings, jobs.ORDERS)
    outbound = worker_options(settings, jobs.OUTBOUND)
    assert (orders["queue_name"], orders["max_jobs"]) == ("q", 6)
    assert (outbound["queue_name"], outbound["max_jobs"]) == ("q:outbound", 3)
    assert orders["cron_jobs"] == cron_jobs_of(jobs.ORDERS)
    # Every worker knows every function: a job left on the other queue still runs.
    assert orders["functions"] == outbound["functions"] == FUNCTIONS


def test_chotdon_worker_runs_both_queues_unless_told_one_or_given_one_queue() -> None:
    assert queues_to_run(_settings(), None) == (jobs.ORDERS, jobs.OUTBOUND)
    assert queues_to_run(_settings(), "outbound") == (jobs.OUTBOUND,)
    with pytest.raises(ValueError):
        queues_to_run(_settings(), "sends")
    shared = _settings(arq_outbound_queue="q")  # both named alike: one queue, as before
    assert queues_to_run(shared, None) == (jobs.ORDERS,)
    assert worker_options(shared, jobs.ORDERS)["cron_jobs"] == CRON_JOBS


def test_a_pool_the_merge_runners_could_exhaust_is_refused_for_merging_workers_only() -> None:
    """Four merge runners each hold a connection for their shard lock and need a second to merge:
    a pool of four would let them all wait for ever. The outbound queue runs no merges."""
    with pytest.raises(ConfigurationError, match="CHOTDON_PG_POOL_MAX=4"):
        worker_options(_settings(pg_pool_max=4), jobs.ORDERS)
    with pytest.raises(ConfigurationError):  # one queue for everything: it merges too
        worker_options(_settings(pg_pool_max=4, arq_outbound_queue="q"), jobs.OUTBOUND)
    worker_options(_settings(pg_pool_max=4), jobs.OUTBOUND)
    worker_options(_settings(pg_pool_max=5), jobs.ORDERS)
    worker_options(_settings(pg_pool_max=2, worker_max_jobs=1), jobs.ORDERS)  # one runner at most
    worker_options(_settings(), jobs.ORDERS)  # the defaults
