"""Contract: every Facebook delivery in tests/fixtures/wire/facebook/ (real bodies, sources in
its README), signed with X-Hub-Signature-256, posted to the real route, answered 2xx, and what it
did in Postgres: a comment stored, a message handed to the buyer-reply job, a live ended, or
nothing but the delivery row, processed with a note naming what was ignored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from aggregator.confirmation.replies import reply_job_id
from aggregator.settings import Settings
from aggregator.web.keys import ARQ_POOL, INGESTOR
from connectors.facebook.signature import SIGNATURE_HEADER, sign
from schema.enums import Platform
from tests.support.facebook import APP_SECRET, app_client, facebook_settings
from tests.support.factories import Shop, seed_shop

WIRE = Path(__file__).parents[1] / "fixtures" / "wire" / "facebook"
PAGE, VIDEO = "1234567890321", "901097836652708"  # the ids every sample was given
COMMENT = "901097836652708_903438993085259"
LEAD_MID = (
    "m_2OF0H5fb2HNRyjM0rt2FVBAaDQp_p5DQlffdEXNVyOrraxQCt0tFwWXwq3QctcvbpjSX1rSY8BX9Y2IXwPirWA"
)
LEAD_TEXT = (
    "Lead summary:\nAre you interested in becoming a reseller?: Yes\n"
    "What city is your store located?: Menlo Park"
)
Client = TestClient[Any, Any]


@dataclass(frozen=True)
class Effect:
    stored: dict[str, str] | None = None  # external id -> body of the one comment stored
    reply_job: str | None = None  # the Messenger message id handed to the buyer-reply job
    live_ended: bool = False
    note: str | None = None  # the delivery row's note (what was recorded and ignored)


EFFECTS = {
    "feed_comment_add.json": Effect(stored={COMMENT: "and the next one"}),
    # An edit of a comment never seen is not lost: it is stored with the new text.
    "feed_comment_edited.json": Effect(stored={COMMENT: "Let's see the Webhooks in action :D"}),
    "feed_comment_remove.json": Effect(),
    "feed_reaction.json": Effect(note="ignored: feed reaction ×1"),
    "unknown_field.json": Effect(note="ignored: foo ×1"),
    "live_videos_live_stopped.json": Effect(live_ended=True),
    "messenger_message.json": Effect(
        stored={"m_3vsQ8kWm2fGxTnE1zY0aQ": "find flights from SFO to LAX next Thursday"},
        reply_job="m_3vsQ8kWm2fGxTnE1zY0aQ",
    ),
    "messenger_message_hop_context.json": Effect(stored={LEAD_MID: LEAD_TEXT}, reply_job=LEAD_MID),
    "messenger_handover_hop_context.json": Effect(note="ignored: pass_thread_control ×1"),
    "standby_message_echo.json": Effect(note="ignored: standby message_echo ×1"),
    "message_echo.json": Effect(note="ignored: message_echo ×1"),
    "message_edit.json": Effect(stored={"mid.1457764197618:41d102a3e1ae206a38": "hello, world!"}),
    "postback.json": Effect(note="ignored: postback ×1"),
    "message_read.json": Effect(note="ignored: read ×1"),
    "message_delivery.json": Effect(note="ignored: delivery ×1"),
    "message_reaction.json": Effect(note="ignored: reaction ×1"),
}


def test_every_sample_has_an_expected_effect_and_a_source() -> None:
    samples = {p.name for p in WIRE.glob("*.json")}
    assert samples == set(EFFECTS)
    readme = (WIRE / "README.md").read_text(encoding="utf-8")
    for name in samples:
        assert f"`{name}`" in readme, f"{name} has no source in the README"


async def page_with_live(db: asyncpg.Connection) -> Shop:
    """A connected Page and a live on air, with the ids the samples carry."""
    shop = await seed_shop(db, stock={"A01": 5})
    await db.execute("UPDATE channels SET external_id = $1 WHERE id = $2", PAGE, shop.channel_id)
    await db.execute(
        "UPDATE live_sessions SET external_live_id = $1 WHERE id = $2", VIDEO, shop.session_id
    )
    return shop


async def deliver(client: Client, name: str) -> None:
    body = (WIRE / name).read_bytes()
    headers = {SIGNATURE_HEADER: sign(body, APP_SECRET.encode()),
               "Content-Type": "application/json"}  # fmt: skip
    async with client.post("/webhooks/facebook", data=body, headers=headers) as answer:
        assert (answer.status, await answer.text()) == (200, "EVENT_RECEIVED"), name
    await client.app[INGESTOR].drain()


@pytest.mark.parametrize("name", sorted(EFFECTS))
async def test_each_real_delivery_is_taken_and_does_what_it_says(
    settings: Settings, db: asyncpg.Connection, name: str
) -> None:
    shop = await page_with_live(db)
    effect = EFFECTS[name]
    async with app_client(facebook_settings(settings)) as client:
        await deliver(client, name)
        queued = await client.app[ARQ_POOL].queued_jobs()
    delivery = await db.fetchrow(
        "SELECT verified, status, error, tenant_id FROM webhook_deliveries"
    )
    assert (delivery["verified"], delivery["status"], delivery["tenant_id"]) == (
        True, "processed", shop.tenant_id,
    )  # fmt: skip
    assert delivery["error"] == effect.note
    comments = await db.fetch("SELECT external_id, body, session_id FROM comments")
    assert {r["external_id"]: r["body"] for r in comments} == (effect.stored or {})
    assert all(r["session_id"] == shop.session_id for r in comments)
    replies = {j.job_id for j in queued if j.job_id and j.job_id.startswith("buyer-reply:")}
    expected = {reply_job_id(Platform.FACEBOOK, effect.reply_job)} if effect.reply_job else set()
    assert replies == expected
    live = await db.fetchval("SELECT status FROM live_sessions WHERE id = $1", shop.session_id)
    assert live == ("ended" if effect.live_ended else "live")


async def test_a_comment_added_edited_then_removed_follows_the_buyer(
    settings: Settings, db: asyncpg.Connection
) -> None:
    await page_with_live(db)
    async with app_client(facebook_settings(settings)) as client:
        await deliver(client, "feed_comment_add.json")
        await deliver(client, "feed_comment_edited.json")
        row = await db.fetchrow("SELECT body, status, author_external_id FROM comments")
        assert (row["body"], row["status"], row["author_external_id"]) == (
            "Let's see the Webhooks in action :D", "pending", "1914154345481707",
        )  # fmt: skip
        await deliver(client, "feed_comment_remove.json")
    row = await db.fetchrow("SELECT status, removed_at FROM comments")
    assert row["status"] == "ignored" and row["removed_at"] is not None
    statuses = await db.fetch("SELECT status FROM webhook_deliveries ORDER BY id")
    assert [r["status"] for r in statuses] == ["processed"] * 3
