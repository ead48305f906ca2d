"""Private replies, Messenger messages and hidden comments: sent once, retried on rate limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from arq import Retry
from arq.connections import ArqRedis

from aggregator.credentials.keyring import credential_cipher
from aggregator.outbound import sending
from aggregator.outbound.record import Outgoing, queue_outbound
from aggregator.platforms.facebook import outbound
from aggregator.platforms.facebook.pages import load_pages
from aggregator.platforms.facebook.tokens import connect_page
from aggregator.runtime.queue import queue_names
from aggregator.settings import Settings
from connectors.simulators.facebook import create_simulator
from connectors.simulators.facebook_live import FacebookState
from schema.enums import Platform
from tests.support.facebook import facebook_settings
from workers.context import PG_POOL, SETTINGS
from workers.facebook_jobs import MAX_TRIES, facebook_send_job


@pytest.fixture
async def sim() -> AsyncIterator[tuple[FacebookState, str]]:
    state = FacebookState()
    server = TestServer(create_simulator(state))
    await server.start_server()
    try:
        yield state, str(server.make_url("/v21.0"))
    finally:
        await server.close()


@pytest.fixture
async def fb(
    settings: Settings, pool: asyncpg.Pool, db: asyncpg.Connection, sim: tuple[FacebookState, str]
) -> tuple[Settings, Any]:
    state, graph_url = sim
    fb_settings = facebook_settings(settings, facebook_graph_url=graph_url)
    tenant_id = await db.fetchval(
        "INSERT INTO tenants (slug, name) VALUES ('htx-a', 'A') RETURNING id"
    )
    sealer = credential_cipher(fb_settings, Platform.FACEBOOK)
    await connect_page(pool, sealer, tenant_id, "p1", "Trang HTX", "tok-1")
    state.add_page("p1", "tok-1")
    state.add_live("p1", "L1")
    return fb_settings, (await load_pages(pool))["p1"]


async def run_job(
    settings: Settings, pool: asyncpg.Pool, message_id: int, job_try: int = 1, *, redis: ArqRedis
) -> str:
    ctx = {SETTINGS: settings, PG_POOL: pool, "job_try": job_try, "redis": redis}
    return await facebook_send_job(ctx, message_id)


async def test_private_reply_is_sent_once_even_when_the_job_is_retried_after_a_crash(
    fb: tuple[Settings, Any],
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    sim: tuple[FacebookState, str],
    monkeypatch: pytest.MonkeyPatch,
    db: asyncpg.Connection,
) -> None:
    settings, page = fb
    state = sim[0]
    message_id = await outbound.queue_private_reply(pool, arq_pool, page, "vL1_5", "Đơn CD0000001")
    again = await outbound.queue_private_reply(pool, arq_pool, page, "vL1_5", "Đơn CD0000001")
    assert again == message_id
    assert await arq_pool.zcard(queue_names(settings).outbound) == 1  # sends: outbound queue

    async def crash(*_args: object) -> None:
        raise RuntimeError("worker killed between the send and the mark")

    with monkeypatch.context() as patch:
        patch.setattr(sending, "_mark_sent", crash)
        with pytest.raises(RuntimeError):
            await run_job(settings, pool, message_id, redis=arq_pool)
    assert len(state.sent) == 1
    assert await run_job(settings, pool, message_id, job_try=2, redis=arq_pool) == "sent"
    assert await run_job(settings, pool, message_id, job_try=3, redis=arq_pool) == "already_sent"
    assert len(state.sent) == 1 and state.sent[0]["recipient"] == {"comment_id": "vL1_5"}
    row = await db.fetchrow("SELECT status, attempts, last_error FROM outbound_messages")
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)


async def test_rate_limits_retry_with_backoff_then_send(
    fb: tuple[Settings, Any],
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    sim: tuple[FacebookState, str],
    db: asyncpg.Connection,
) -> None:
    settings, page = fb
    state = sim[0]
    state.fail_next = [(429, 4), (400, 613), (400, 32)]
    message_id = await outbound.queue_message(
        pool, arq_pool, page, "psid-9", "Đơn đã gửi", key="order-1-shipped"
    )
    delays = []
    for job_try in range(1, 4):
        with pytest.raises(Retry) as retry:
            await run_job(settings, pool, message_id, job_try, redis=arq_pool)
        delays.append(retry.value.defer_score)
        row = await db.fetchrow("SELECT status, last_error FROM outbound_messages")
        assert row["status"] == "pending" and "Graph API error" in row["last_error"]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert await run_job(settings, pool, message_id, 4, redis=arq_pool) == "sent"
    assert state.sent == [
        {
            "page_id": "p1",
            "recipient": {"id": "psid-9"},
            "message": {"text": "Đơn đã gửi"},
            "messaging_type": "RESPONSE",
        }
    ]


async def test_giving_up_and_expired_tokens_are_visible_to_staff(
    fb: tuple[Settings, Any],
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    sim: tuple[FacebookState, str],
    db: asyncpg.Connection,
) -> None:
    settings, page = fb
    state = sim[0]
    state.fail_next = [(400, 17)]
    hide_id = await outbound.queue_hide_comment(pool, arq_pool, page, "vL1_7")
    assert await run_job(settings, pool, hide_id, MAX_TRIES, redis=arq_pool) == "failed"
    row = await db.fetchrow(
        "SELECT status, last_error FROM outbound_messages WHERE id = $1", hide_id
    )
    assert row["status"] == "failed" and "gave up" in row["last_error"]

    state.tokens["p1"] = "a-newer-token"  # the stored one expired
    reply_id = await outbound.queue_private_reply(pool, arq_pool, page, "vL1_8", "Chào chị")
    assert await run_job(settings, pool, reply_id, redis=arq_pool) == "failed"
    row = await db.fetchrow("SELECT last_error FROM outbound_messages WHERE id = $1", reply_id)
    assert "Reconnect the Page" in row["last_error"] and "tok-1" not in row["last_error"]
    channel = await db.fetchrow("SELECT status, status_reason, credentials_encrypted FROM channels")
    assert channel["status"] == "disconnected" and "expired" in channel["status_reason"]
    assert b"tok-1" not in bytes(channel["credentials_encrypted"])
    assert state.sent == [] and state.hidden == set()


async def test_a_page_over_its_sending_rate_hands_the_send_to_a_later_job(
    fb: tuple[Settings, Any],
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    sim: tuple[FacebookState, str],
) -> None:
    settings, page = fb
    slow = settings.model_copy(update={"facebook_send_per_s": 1})
    first = await outbound.queue_private_reply(pool, arq_pool, page, "vL1_7", "Đơn CD0000007")
    second = await outbound.queue_private_reply(pool, arq_pool, page, "vL1_8", "Đơn CD0000008")
    outcomes = [
        await run_job(slow, pool, first, redis=arq_pool),
        await run_job(slow, pool, second, redis=arq_pool),
    ]
    if outcomes == ["sent", "rate_limited"]:  # both in the same second, as nearly always
        queued = await arq_pool.queued_jobs(queue_name=queue_names(settings).outbound)
        later = [j for j in queued if ":later:" in (j.job_id or "")]
        assert [list(j.args) for j in later] == [[second]]
        assert len(sim[0].sent) == 1
    else:  # the second crossed into the next second: it had its own slot
        assert outcomes == ["sent", "sent"]


async def test_a_message_queued_with_a_retired_tag_fails_visibly(
    fb: tuple[Settings, Any],
    pool: asyncpg.Pool,
    arq_pool: ArqRedis,
    sim: tuple[FacebookState, str],
    db: asyncpg.Connection,
) -> None:
    """A row written before the upgrade, tagged POST_PURCHASE_UPDATE: the Send API (and the
    simulator) refuse the tag Meta retired on 2026-04-27 with error 100; staff see why."""
    settings, page = fb
    target = {"psid": "psid-9", "messaging_type": "MESSAGE_TAG", "tag": "POST_PURCHASE_UPDATE"}
    outgoing = Outgoing(page.tenant_id, page.channel_id, outbound.MESSAGE, "old-row", "Đơn", target)
    message_id = await queue_outbound(pool, arq_pool, outgoing, outbound.SEND_JOB)
    assert await run_job(settings, pool, message_id, redis=arq_pool) == "failed"
    row = await db.fetchrow("SELECT status, last_error FROM outbound_messages")
    assert row["status"] == "failed" and "Invalid parameter" in row["last_error"]
    assert sim[0].sent == []
