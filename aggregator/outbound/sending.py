"""The one send loop: every platform's send job runs it on one stored outbound_messages row.

Load the row, stop if it is no longer pending (a retried job finds 'sent' and sends nothing),
count the attempt, let the platform's sender send it, then map what happened: sent; a rate limit
or an outage retries with backoff (until the final attempt gives up); a refused token disconnects
the channel and fails the message; any other refusal fails it. Failures stay on the row (status
failed, last_error) for staff.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog

from aggregator.credentials.cipher import TokenCipher, open_json
from aggregator.outbound.outcome import SendOutcome, SendResult, backoff_s
from aggregator.outbound.port import Senders, StoredMessage, kind_platform
from aggregator.runtime.db import execute_through_outage
from connectors.errors import (
    CredentialsError,
    PlatformApiError,
    RateLimitedError,
    TokenError,
    TransportError,
)
from schema.queries import query

log = structlog.get_logger()


def stored_message(row: Any) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        channel_id=row["channel_id"],
        kind=row["kind"],
        body=row["body"],
        target=row["target"],
        status=row["status"],
        channel_external_id=row["page_id"],
        channel_active=row["channel_status"] == "active",
        credentials_encrypted=row["credentials_encrypted"],
    )


def unknown_kind(kind: str) -> PlatformApiError:
    return PlatformApiError(f"unknown outbound kind {kind!r}", http_status=0)


async def send_stored(
    pool: asyncpg.Pool, senders: Senders, message_id: int, *, log_as: str,
    final_attempt: bool = False,
) -> SendOutcome:  # fmt: skip
    """Send row `message_id` at most once; `log_as` names the job's events (`<log_as>.sent`)."""
    row = await pool.fetchrow(query("outbound_message_to_send"), message_id)
    if row is None:
        return SendOutcome(SendResult.MISSING)
    message = stored_message(row)
    if message.status != "pending":
        sent = message.status == "sent"
        return SendOutcome(SendResult.ALREADY_SENT if sent else SendResult.FAILED)
    attempt = await pool.fetchval(query("start_outbound_attempt"), message_id) or 1
    platform = kind_platform(message.kind)
    sender = None if platform is None else senders.get(platform)
    if sender is None:
        return await _fail(pool, message, str(unknown_kind(message.kind)), log_as)
    try:
        external_id = await sender.send(message)
    except (TokenError, CredentialsError) as exc:
        reason = sender.refusal(message, str(exc))
        if isinstance(exc, TokenError):
            await sender.disconnect(pool, message, reason)
        return await _fail(pool, message, reason, log_as)
    except (RateLimitedError, TransportError) as exc:
        if final_attempt:
            return await _fail(pool, message, f"gave up after {attempt} attempts: {exc}", log_as)
        await pool.execute(query("note_outbound_error"), message_id, str(exc))
        log.info(f"{log_as}.send_retry", message_id=message_id, attempt=attempt, error=str(exc))
        return SendOutcome(SendResult.RETRY, backoff_s(attempt))
    except PlatformApiError as exc:
        return await _fail(pool, message, str(exc), log_as)
    await _mark_sent(pool, message_id, external_id)
    log.info(f"{log_as}.sent", message_id=message_id, kind=message.kind)
    return SendOutcome(SendResult.SENT)


async def _mark_sent(pool: asyncpg.Pool, message_id: int, external_id: str) -> None:
    # The platform has it: a mark lost to a dropped connection would leave the row pending, and
    # the sweeper would send it again (a Messenger message twice; the chaos run saw the mark fail).
    await execute_through_outage(pool, query("mark_outbound_sent"), message_id, external_id or None)


async def _fail(pool: asyncpg.Pool, message: StoredMessage, error: str, log_as: str) -> SendOutcome:
    await pool.execute(query("mark_outbound_failed"), message.id, error)
    log.warning(f"{log_as}.send_failed", message_id=message.id, error=error)
    return SendOutcome(SendResult.FAILED)


def stored_access_token(sealer: TokenCipher, message: StoredMessage) -> str:
    """The access token of a channel whose credentials are a sealed JSON token pair."""
    return str(open_json(sealer, message.credentials_encrypted)["access_token"])


def channel_refusal(message: StoredMessage, detail: str) -> str:
    """The refusal sentence of channels without a Page-specific one (TikTok, Zalo)."""
    return f"{message.kind}: the access token was refused; reconnect the channel. [{detail}]"


async def disconnect_channel(pool: asyncpg.Pool, message: StoredMessage, reason: str) -> None:
    await pool.execute(query("disconnect_platform_channel"), message.channel_id, reason)
