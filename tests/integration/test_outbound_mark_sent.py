"""A message the platform has accepted is recorded sent even if Postgres drops the connections
at that moment: left pending, the sweeper would send it a second time."""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from aggregator.outbound.outcome import SendResult
from aggregator.outbound.port import StoredMessage
from aggregator.outbound.sending import send_stored
from schema.enums import Platform
from tests.support.factories import seed_shop

# Every connection to the test's database but the test's own: what a Postgres restart or the
# chaos run's fault does to the worker's pool while the platform is answering.
TERMINATE = """
SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@dataclass
class DroppingSender:
    """Accepts the message, and meanwhile the worker's connections are cut."""

    db: asyncpg.Connection
    sent: list[int] = field(default_factory=list)

    async def send(self, message: StoredMessage) -> str:
        self.sent.append(message.id)
        assert await self.db.fetchval(TERMINATE) > 0
        return f"mid.{message.id}"

    def refusal(self, message: StoredMessage, detail: str) -> str:
        return detail

    async def disconnect(self, pool: asyncpg.Pool, message: StoredMessage, reason: str) -> None:
        raise AssertionError("the token was not refused")


async def test_the_sent_mark_survives_connections_dropped_after_the_platform_took_it(
    db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    shop = await seed_shop(db)
    message_id = await db.fetchval(
        "INSERT INTO outbound_messages (tenant_id, channel_id, kind, idempotency_key, body, "
        "target) VALUES ($1, $2, 'facebook.message', 'k-1', 'Đơn của bạn', '{\"psid\": \"1\"}') "
        "RETURNING id",
        shop.tenant_id,
        shop.channel_id,
    )
    sender = DroppingSender(db)

    outcome = await send_stored(pool, {Platform.FACEBOOK: sender}, message_id, log_as="test")

    assert outcome.result is SendResult.SENT
    row = await db.fetchrow(
        "SELECT status, external_message_id FROM outbound_messages WHERE id = $1", message_id
    )
    assert (row["status"], row["external_message_id"]) == ("sent", f"mid.{message_id}")
    again = await send_stored(pool, {Platform.FACEBOOK: sender}, message_id, log_as="test")
    assert again.result is SendResult.ALREADY_SENT
    assert sender.sent == [message_id]  # the platform got it once
