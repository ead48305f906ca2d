"""Send one outbound_messages row to Facebook: the body of the facebook_send job."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg
import structlog

from aggregator.credentials.cipher import TokenCipher
from aggregator.platforms.facebook import outbound
from aggregator.platforms.facebook.tokens import disconnect_page, token_problem
from connectors.errors import (
    AlreadyDoneError,
    CredentialsError,
    PlatformApiError,
    RateLimitedError,
    TokenError,
    TransportError,
)
from connectors.facebook.graph import GraphClient
from schema.queries import query

log = structlog.get_logger()
MAX_BACKOFF_S = 300.0


class SendResult(StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    FAILED = "failed"
    RETRY = "retry"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    result: SendResult
    retry_in_s: float = 0.0


def backoff_s(attempt: int, base_s: float = 2.0) -> float:
    return float(min(MAX_BACKOFF_S, base_s * 2 ** max(0, attempt - 1)))


async def _dispatch(graph: GraphClient, row: Any, token: str) -> str:
    target = row["target"]
    if row["kind"] == outbound.PRIVATE_REPLY:
        return await graph.private_reply(row["page_id"], target["comment_id"], row["body"], token)
    if row["kind"] == outbound.MESSAGE:
        return await graph.send_message(
            row["page_id"],
            target["psid"],
            row["body"],
            token,
            messaging_type=target["messaging_type"],
            tag=target.get("tag"),
        )
    if row["kind"] == outbound.HIDE_COMMENT:
        await graph.hide_comment(target["comment_id"], token)
        return ""
    raise PlatformApiError(f"unknown outbound kind {row['kind']!r}", http_status=0)


async def _mark_sent(pool: asyncpg.Pool, message_id: int, external_id: str) -> None:
    await pool.execute(query("mark_outbound_sent"), message_id, external_id or None)


async def _fail(pool: asyncpg.Pool, message_id: int, error: str) -> SendOutcome:
    await pool.execute(query("mark_outbound_failed"), message_id, error)
    log.warning("facebook.send_failed", message_id=message_id, error=error)
    return SendOutcome(SendResult.FAILED)


async def send_outbound(
    pool: asyncpg.Pool,
    graph: GraphClient,
    cipher: TokenCipher,
    message_id: int,
    *,
    final_attempt: bool = False,
    backoff_base_s: float = 2.0,
) -> SendOutcome:
    row = await pool.fetchrow(query("outbound_message_to_send"), message_id)
    if row is None:
        return SendOutcome(SendResult.MISSING)
    if row["status"] == "sent":
        return SendOutcome(SendResult.ALREADY_SENT)
    if row["status"] == "failed":
        return SendOutcome(SendResult.FAILED)
    attempt = await pool.fetchval(query("start_outbound_attempt"), message_id) or 1
    try:
        if row["channel_status"] != "active":
            raise CredentialsError("the Facebook Page is not connected")
        external_id = await _dispatch(graph, row, cipher.decrypt(row["credentials_encrypted"]))
    except AlreadyDoneError:
        external_id = ""  # an earlier attempt got through before a crash: it counts as sent
    except (TokenError, CredentialsError) as exc:
        reason = token_problem(row["page_id"], str(exc))
        if isinstance(exc, TokenError):
            await disconnect_page(pool, row["channel_id"], reason)
        return await _fail(pool, message_id, reason)
    except (RateLimitedError, TransportError) as exc:
        if final_attempt:
            return await _fail(pool, message_id, f"gave up after {attempt} attempts: {exc}")
        await pool.execute(query("note_outbound_error"), message_id, str(exc))
        log.info("facebook.send_retry", message_id=message_id, attempt=attempt, error=str(exc))
        return SendOutcome(SendResult.RETRY, backoff_s(attempt, backoff_base_s))
    except PlatformApiError as exc:
        return await _fail(pool, message_id, str(exc))
    await _mark_sent(pool, message_id, external_id)
    log.info("facebook.sent", message_id=message_id, kind=row["kind"])
    return SendOutcome(SendResult.SENT)
