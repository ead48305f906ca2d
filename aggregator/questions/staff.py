"""What staff do in the inbox: read it, answer in one tap, mark done, set automatic answers.

`who` is the signed-in staff member (tenant id, staff id); every query is scoped by the
tenant. Answers go through replies.py, so the platform's window and rules apply to people as
they do to chotdon.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.core.questions.compose import answer
from aggregator.core.questions.examples import examples
from aggregator.core.questions.kinds import ANSWERABLE, QuestionKind
from aggregator.core.questions.wording import DEFAULT_WORDING, check_wording
from aggregator.errors import BadInputError, NotFoundError
from aggregator.questions.facts import LiveAnswers, load_live_answers
from aggregator.questions.replies import load_target, reply_route, send_reply
from schema.queries import query

log = structlog.get_logger()


class Staff(Protocol):
    """The signed-in staff member, as the web layer knows them."""

    @property
    def tenant_id(self) -> int: ...

    @property
    def id(self) -> int: ...


PAGE_LIMIT = 200
MAX_ANSWER = 2000  # TikTok's customer-service limit, and plenty for Messenger and Zalo
ANSWERABLE_VALUES = frozenset(k.value for k in ANSWERABLE)
VIEWS = {"mo": ("open",), "da-tra-loi": ("answered", "auto_answered"), "xong": ("done",)}


class AnswerTextError(BadInputError, ValueError):
    """The answer typed cannot be sent; the message is Vietnamese."""


@dataclass(frozen=True, slots=True)
class InboxView:
    items: list[asyncpg.Record]
    counts: dict[str, int]
    lives: list[asyncpg.Record]
    suggestions: dict[int, str]  # item id -> the answer chotdon would give, for one tap


async def suggestions(pool: asyncpg.Pool, items: list[asyncpg.Record]) -> dict[int, str]:
    """For each open question chotdon can answer from its data (a kind switched off, a buyer
    who already had that kind answered, a channel it could not write to), that answer, so staff
    check it and send it in one tap. The live's facts are read once per live."""
    found: dict[int, str] = {}
    lives: dict[int, LiveAnswers | None] = {}
    for item in items:
        if item["message_status"] == "failed" and item["answer"]:
            found[item["id"]] = item["answer"]  # refused by the platform: send it another way
            continue
        if item["status"] != "open" or item["kind"] not in ANSWERABLE_VALUES:
            continue
        session_id = item["session_id"]
        if session_id is None:
            continue
        if session_id not in lives:
            lives[session_id] = await load_live_answers(pool, session_id)
        live = lives[session_id]
        if live is not None and (text := answer(item["body"], live.facts, live.wordings).text):
            found[item["id"]] = text
    return found


async def inbox(pool: asyncpg.Pool, who: Staff, live_id: int | None,
                view: str) -> InboxView:  # fmt: skip
    statuses = list(VIEWS.get(view, VIEWS["mo"]))
    items = await pool.fetch(query("inbox_page"), who.tenant_id, live_id, statuses, PAGE_LIMIT)
    counts = {r["status"]: r["n"] for r in await pool.fetch(
        query("inbox_counts"), who.tenant_id, live_id)}  # fmt: skip
    lives = list(await pool.fetch(query("inbox_lives"), who.tenant_id))
    return InboxView(list(items), counts, lives, await suggestions(pool, list(items)))


def answer_text(raw: str) -> str:
    text = " ".join(raw.split()) if "\n" not in raw else raw.strip()
    if not text:
        raise AnswerTextError("Hãy viết câu trả lời.")
    if len(text) > MAX_ANSWER:
        raise AnswerTextError(f"Câu trả lời dài quá {MAX_ANSWER} ký tự.")
    return text


async def answer_item(pool: asyncpg.Pool, arq: ArqRedis, who: Staff, item_id: int, raw: str) -> str:
    """Send staff's answer privately; returns the message kind. ReplyRefusedError if no way."""
    target = await load_target(pool, who.tenant_id, item_id)
    if target is None:  # another cooperative's item is not found, whatever the form says
        raise NotFoundError(f"no inbox item {item_id}")
    text = answer_text(raw)
    kind = await reply_route(pool, target, time.time())
    sent = await send_reply(pool, arq, target, text, kind)
    await pool.execute(
        query("mark_item_answered"), who.tenant_id, item_id, "answered", text,
        sent.message_id, who.id,
    )  # fmt: skip
    log.info("question.answered", item_id=item_id, staff_id=who.id, via=sent.kind)
    return sent.kind


async def mark_done(pool: asyncpg.Pool, who: Staff, item_id: int) -> None:
    if await pool.fetchval(query("mark_item_done"), who.tenant_id, item_id, who.id) is None:
        raise NotFoundError(f"no inbox item {item_id}")
    log.info("question.done", item_id=item_id, staff_id=who.id)


async def live_of(pool: asyncpg.Pool, who: Staff, live_id: int) -> asyncpg.Record:
    live = await pool.fetchrow(query("live_of_tenant"), who.tenant_id, live_id)
    if live is None:
        raise NotFoundError(f"no live {live_id}")
    return live


async def answer_settings(pool: asyncpg.Pool, who: Staff, live_id: int) -> list[dict[str, Any]]:
    """Each answerable kind with its wording (the default when unset) and this live's switch."""
    rows = await pool.fetch(
        query("answer_settings"), who.tenant_id, live_id, [k.value for k in ANSWERABLE]
    )
    found = {r["kind"]: r for r in rows}
    shown = await _examples(pool, who, live_id)
    return [
        {"kind": k, "wording": found[k.value]["wording"] or DEFAULT_WORDING[k],
         "enabled": found[k.value]["enabled"], "example": shown.get(k)}
        for k in ANSWERABLE
    ]  # fmt: skip


async def _examples(
    pool: asyncpg.Pool, who: Staff, live_id: int
) -> dict[QuestionKind, tuple[str, str]]:
    """What a buyer would receive now, per kind, from this live's own data."""
    live = await live_of(pool, who, live_id)
    if live["session_id"] is None:
        return {}
    answers = await load_live_answers(pool, live["session_id"])
    return {} if answers is None else examples(answers.facts, dict(answers.wordings))


async def save_answer_settings(
    pool: asyncpg.Pool, who: Staff, live_id: int, form: dict[str, str]
) -> None:
    """Switches (`on-<kind>`) for this live and wordings (`wording-<kind>`) for the cooperative;
    all checked before any is saved."""
    await live_of(pool, who, live_id)
    wordings: dict[QuestionKind, str] = {}
    for kind in ANSWERABLE:
        wordings[kind] = check_wording(kind, form.get(f"wording-{kind.value}", ""))
    async with pool.acquire() as conn, conn.transaction():
        for kind in ANSWERABLE:
            await conn.execute(query("save_answer_wording"), who.tenant_id, kind.value,
                               wordings[kind], who.id)  # fmt: skip
            await conn.execute(query("save_answer_switch"), who.tenant_id, live_id,
                               kind.value, f"on-{kind.value}" in form, who.id)  # fmt: skip
    log.info("question.answer_settings_saved", live_id=live_id, staff_id=who.id)
