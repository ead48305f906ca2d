"""Customer-service messages to TikTok Shop buyers and Zalo OA followers, sent at most once.

Same rules as Facebook's (platforms/facebook/outbound.py, whose queries and outcome types this
reuses): the outbound_messages row comes first, keyed by an idempotency key, so asking twice makes
one row; a job sends it and marks it sent, and a retried job finds 'sent' and stops. Rate limits
and outages retry with backoff; a refused token disconnects the channel and fails the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.channels.directory import ChannelRef
from aggregator.credentials.cipher import TokenCipher, open_json
from aggregator.platforms.facebook.sending import SendOutcome, SendResult, backoff_s
from aggregator.runtime import jobs
from connectors.errors import (
    CredentialsError,
    PlatformApiError,
    RateLimitedError,
    TokenError,
    TransportError,
)
from connectors.tiktok.client import ShopClient
from connectors.zalo.client import OAClient
from schema.enums import Platform
from schema.queries import query

log = structlog.get_logger()
TIKTOK_MESSAGE = "tiktok.cs_message"
ZALO_MESSAGE = "zalo.cs_message"
ZALO_ZNS = "zalo.zns"  # target {phone (84…), template_id, template_data}; see platforms/zns.py
KIND_PLATFORM = {
    TIKTOK_MESSAGE: Platform.TIKTOK,
    ZALO_MESSAGE: Platform.ZALO,
    ZALO_ZNS: Platform.ZALO,
}


def send_job_id(message_id: int) -> str:
    return f"platform-send:{message_id}"


async def queue_message(
    pool: asyncpg.Pool, arq: ArqRedis, channel: ChannelRef, kind: str, key: str, text: str,
    target: dict[str, Any], order_id: int | None = None,
) -> int:  # fmt: skip
    """One row per idempotency key (`kind:channel:key`), then a send job after the commit."""
    row = await pool.fetchrow(
        query("insert_outbound_message"), channel.tenant_id, channel.id, None, order_id, kind,
        f"{kind}:{channel.external_id}:{key}", text, target,
    )  # fmt: skip
    assert row is not None  # the upsert always returns its row
    if row["status"] == "pending":
        await arq.enqueue_job(jobs.PLATFORM_SEND, row["id"], _job_id=send_job_id(row["id"]))
    return int(row["id"])


@dataclass(frozen=True, slots=True)
class Senders:
    tiktok: ShopClient | None
    zalo: OAClient
    ciphers: dict[Platform, TokenCipher]


async def _dispatch(senders: Senders, row: Any) -> str:
    platform = KIND_PLATFORM.get(row["kind"])
    if platform is None:
        raise PlatformApiError(f"unknown outbound kind {row['kind']!r}", http_status=0)
    if row["channel_status"] != "active":
        raise CredentialsError(f"the {platform.value} channel is not connected")
    token = str(open_json(senders.ciphers[platform], row["credentials_encrypted"])["access_token"])
    target = row["target"]
    if row["kind"] == ZALO_ZNS:  # the row id is the tracking id: the same on every retry
        return await senders.zalo.send_zns(
            token, target["phone"], target["template_id"], target["template_data"],
            f"chotdon-{row['id']}",
        )  # fmt: skip
    if platform is Platform.ZALO:
        return await senders.zalo.send_text(token, target["user_id"], row["body"])
    if senders.tiktok is None:
        raise CredentialsError("TikTok app key/secret are not configured")
    return await senders.tiktok.send_message(
        token, target["shop_cipher"], target["conversation_id"], row["body"]
    )


async def _fail(pool: asyncpg.Pool, row: Any, error: str, disconnect: bool) -> SendOutcome:
    if disconnect:
        await pool.execute(query("disconnect_platform_channel"), row["channel_id"], error)
    await pool.execute(query("mark_outbound_failed"), row["id"], error)
    log.warning("platform.send_failed", message_id=row["id"], error=error)
    return SendOutcome(SendResult.FAILED)


async def send_message(
    pool: asyncpg.Pool, senders: Senders, message_id: int, *, final_attempt: bool = False
) -> SendOutcome:
    row = await pool.fetchrow(query("outbound_message_to_send"), message_id)
    if row is None:
        return SendOutcome(SendResult.MISSING)
    if row["status"] != "pending":
        return SendOutcome(
            SendResult.ALREADY_SENT if row["status"] == "sent" else SendResult.FAILED
        )
    attempt = await pool.fetchval(query("start_outbound_attempt"), message_id) or 1
    try:
        external_id = await _dispatch(senders, row)
    except (TokenError, CredentialsError) as exc:
        reason = f"{row['kind']}: the access token was refused; reconnect the channel. [{exc}]"
        return await _fail(pool, row, reason, isinstance(exc, TokenError))
    except (RateLimitedError, TransportError) as exc:
        if final_attempt:
            return await _fail(pool, row, f"gave up after {attempt} attempts: {exc}", False)
        await pool.execute(query("note_outbound_error"), message_id, str(exc))
        return SendOutcome(SendResult.RETRY, backoff_s(attempt))
    except PlatformApiError as exc:
        return await _fail(pool, row, str(exc), False)
    await pool.execute(query("mark_outbound_sent"), message_id, external_id or None)
    log.info("platform.sent", message_id=message_id, kind=row["kind"])
    return SendOutcome(SendResult.SENT)
