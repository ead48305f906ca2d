"""Filing a live's questions in the inbox, and answering the common ones automatically.

Run after each merge of a live (and by the sweeper for anything missed): every question comment
and every Messenger / Zalo message that is not an order becomes one inbox item with its kind.
A kind the director left on for this live, whose answer chotdon can give from its own data, is
answered privately (replies.py) at most once per buyer, kind and live: the auto_answers row is
the log and its unique key the guarantee. Anything else stays open for staff. Safe to run twice.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.core.questions.compose import Reply, answer
from aggregator.core.questions.kinds import QuestionKind
from aggregator.questions.facts import LiveAnswers, load_live_answers
from aggregator.questions.replies import ReplyRefusedError, load_target, reply_route, send_reply
from schema.queries import query

log = structlog.get_logger()
BATCH = 500
MESSAGE_KIND = "message"  # a Messenger / Zalo message that is not a question: a person reads it


@dataclass(slots=True)
class FilingStats:
    filed: int = 0
    auto_answered: int = 0


def _reply(row: Any, live: LiveAnswers) -> Reply:
    if row["intent"] != "question":
        return Reply(QuestionKind.OTHER, None, None)
    return answer(row["body"], live.facts, live.wordings)


async def _auto_answer(
    pool: asyncpg.Pool, arq: ArqRedis, live: LiveAnswers, row: Any, item_id: int, reply: Reply
) -> bool:
    if reply.text is None or reply.kind not in live.enabled or live.sandbox:
        return False
    target = await load_target(pool, live.tenant_id, item_id)
    if target is None:
        return False
    try:
        kind = await reply_route(pool, target, time.time())
    except ReplyRefusedError:
        return False  # no way to reach this buyer privately: a person answers in the app
    claim = await pool.fetchval(
        query("claim_auto_answer"), live.tenant_id, live.live_id, row["channel_id"],
        row["author_external_id"], reply.kind.value, item_id, reply.product_code, reply.text,
    )  # fmt: skip
    if claim is None:
        return False  # this buyer already had this kind answered in this live
    sent = await send_reply(pool, arq, target, reply.text, kind)
    await pool.execute(query("note_auto_answer_sent"), claim, sent.message_id)
    await pool.execute(
        query("mark_item_answered"), live.tenant_id, item_id, "auto_answered", reply.text,
        sent.message_id, None,
    )  # fmt: skip
    log.info("question.auto_answered", item_id=item_id, kind=reply.kind.value, via=sent.kind)
    return True


async def file_session(pool: asyncpg.Pool, arq: ArqRedis, session_id: int) -> FilingStats:
    """File the live's unfiled questions and answer what chotdon can; returns the counts."""
    stats = FilingStats()
    live = await load_live_answers(pool, session_id)
    if live is None:
        return stats
    while rows := await pool.fetch(query("unfiled_questions"), session_id, BATCH):
        for row in rows:
            reply = _reply(row, live)
            kind = reply.kind.value if row["intent"] == "question" else MESSAGE_KIND
            item_id = await pool.fetchval(
                query("file_question"), row["tenant_id"], row["id"], session_id,
                row["channel_id"], row["author_external_id"], kind, reply.product_code,
                row["commented_at"], live.live_id,
            )  # fmt: skip
            if item_id is None:
                continue  # filed by a concurrent run
            stats.filed += 1
            stats.auto_answered += await _auto_answer(pool, arq, live, row, item_id, reply)
        if len(rows) < BATCH:
            break
    if stats.filed:
        log.info("question.filed", session_id=session_id, filed=stats.filed,
                 auto_answered=stats.auto_answered)  # fmt: skip
    return stats


async def sessions_with_new_questions(
    pool: asyncpg.Pool, merged: Mapping[int, tuple[int, int]]
) -> list[int]:
    """Those of these lives whose newest question or message among the comments a merge round
    merged (session -> the lowest and highest comment id it merged) waits to be filed."""
    sessions = list(merged)
    firsts, lasts = [merged[s][0] for s in sessions], [merged[s][1] for s in sessions]
    rows = await pool.fetch(query("sessions_with_newest_question_unfiled"), sessions, firsts, lasts)
    return [int(r["session_id"]) for r in rows]


async def sessions_to_file(pool: asyncpg.Pool, within_s: float = 3600.0) -> list[int]:
    """Lives on air or lately ended with questions the inbox has not filed (a missed job, a
    lost Redis)."""
    rows = await pool.fetch(query("sessions_with_unfiled_questions"), within_s)
    return [int(r["session_id"]) for r in rows]
