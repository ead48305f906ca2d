"""A fake Facebook Graph API for demo and tests, speaking the documented wire format.

Routes (the graph base URL is `<server>/v21.0`, the streaming base URL `<server>/streaming`):
GET  /v21.0/{page-id}/live_videos            the Page's lives
GET  /v21.0/{object-id}/comments             comments edge: since, order, limit, after cursor
POST /v21.0/{page-id}/messages               Send API and private replies (recorded; may 429)
POST /v21.0/{comment-id}?is_hidden=true      hide a comment
Facebook Login for Business (dialog, token exchanges, /me/accounts, subscribed_apps): see
facebook_login.py.
GET  /streaming/{live-id}/live_comments      SSE at the chosen comment_rate: drops above the cap,
                                             random disconnects
The Send API refuses what the real one refuses: a MESSAGE_TAG with one of the tags Meta retired
on 2026-04-27 answers error 100 ("Invalid parameter"). Webhooks go the other way:
facebook_webhooks.py builds and signs the deliveries Facebook POSTs to chotdon.
"""

from __future__ import annotations

import base64
import contextlib
import time
from typing import Any

import orjson
from aiohttp import web

from connectors.simulators.facebook_live import FacebookState, SimComment, SimLive
from connectors.simulators.facebook_login import add_login_routes

STATE = web.AppKey("facebook_state", FacebookState)
RATE_CODES = (4, 17, 32, 613)
RETIRED_TAGS = frozenset({"POST_PURCHASE_UPDATE", "CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE"})
BURST_S = 0.1


def graph_error(status: int, code: int, message: str) -> web.Response:
    body = {"error": {"message": message, "type": "OAuthException", "code": code}}
    return web.json_response(body, status=status)


def _token_error(state: FacebookState, page_id: str, request: web.Request) -> web.Response | None:
    token = request.query.get("access_token")
    if not token or state.tokens.get(page_id) != token:
        return graph_error(400, 190, "Error validating access token: Session has expired.")
    return None


def _live(state: FacebookState, object_id: str) -> SimLive | None:
    for live in state.lives.values():
        if object_id in (live.id, live.video_id):
            return live
    return None


async def live_videos(request: web.Request) -> web.Response:
    state, page_id = request.app[STATE], request.match_info["object_id"]
    if (error := _token_error(state, page_id, request)) is not None:
        return error
    lives = [live.graph() for live in state.lives.values() if live.page_id == page_id]
    return web.json_response({"data": lives[::-1], "paging": {}})


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(str(index).encode()).decode()


def _index(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode())


def _select(live: SimLive, query: Any, limit: int) -> tuple[list[int], bool]:
    """Indices of one page of comments and whether more follow (reverse: newest first)."""
    since = int(query["since"]) if query.get("since") else None
    comments, after = live.comments, query.get("after")
    reverse = query.get("order") == "reverse_chronological"
    if reverse:
        start = _index(after) - 1 if after else len(comments) - 1
        span = range(start, -1, -1)
    else:
        span = range(_index(after) + 1 if after else 0, len(comments))
    chosen: list[int] = []
    for i in span:
        if since is not None and comments[i].created_at.timestamp() < since:
            if reverse:
                return chosen, False
            continue
        if len(chosen) == limit:
            return chosen, True
        chosen.append(i)
    return chosen, False


async def comments_edge(request: web.Request) -> web.Response:
    state = request.app[STATE]
    live = _live(state, request.match_info["object_id"])
    if live is None:
        return graph_error(400, 100, "Unsupported get request. Object does not exist.")
    if (error := _token_error(state, live.page_id, request)) is not None:
        return error
    state.stats.comment_requests += 1
    limit = min(int(request.query.get("limit", "25")), state.config.page_limit_max)
    chosen, more = _select(live, request.query, limit)
    data = [live.comments[i].graph() for i in chosen]
    paging: dict[str, Any] = {}
    if chosen:
        paging["cursors"] = {"before": _cursor(chosen[0]), "after": _cursor(chosen[-1])}
    if more:
        paging["next"] = str(request.url.update_query(after=_cursor(chosen[-1])))
    return web.json_response({"data": data, "paging": paging})


def _refuse_sometimes(state: FacebookState) -> web.Response | None:
    if state.fail_next:
        status, code = state.fail_next.pop(0)
    elif state.random.random() < state.config.rate_limit_probability:
        status, code = (
            (429, 4) if state.random.random() < 0.3 else (400, state.random.choice(RATE_CODES))
        )
    else:
        return None
    state.stats.rate_limited += status == 429 or code in RATE_CODES
    return graph_error(status, code, "(#4) Application request limit reached")


async def messages(request: web.Request) -> web.Response:
    state, page_id = request.app[STATE], request.match_info["object_id"]
    if (error := _token_error(state, page_id, request)) is not None:
        return error
    if (refused := _refuse_sometimes(state)) is not None:
        return refused
    body = await request.json()
    recipient = body.get("recipient") or {}
    comment_id = recipient.get("comment_id")
    if comment_id is not None:
        if comment_id in state.replied:
            return graph_error(400, 10900, "Activity already replied to")
        state.replied.add(comment_id)
    elif body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
        return graph_error(400, 100, "(#100) messaging_type is required")
    elif body.get("messaging_type") == "MESSAGE_TAG" and body.get("tag") in RETIRED_TAGS:
        return graph_error(400, 100, "(#100) Invalid parameter")
    state.sent.append({"page_id": page_id, **body})
    mid = f"m_{len(state.sent)}"
    return web.json_response({"recipient_id": recipient.get("id", ""), "message_id": mid})


async def hide(request: web.Request) -> web.Response:
    state, comment_id = request.app[STATE], request.match_info["object_id"]
    live = _live(state, comment_id.rsplit("_", 1)[0])
    if live is None:
        return graph_error(400, 100, "Object does not exist")
    if (error := _token_error(state, live.page_id, request)) is not None:
        return error
    if (refused := _refuse_sometimes(state)) is not None:
        return refused
    if request.query.get("is_hidden") == "true":
        state.hidden.add(comment_id)
    return web.json_response({"success": True})


def create_simulator(state: FacebookState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    version = "/{version:v[0-9.]+}"
    add_login_routes(app, state.login, state.tokens)
    app.router.add_get(version + "/{object_id}/live_videos", live_videos)
    app.router.add_get(version + "/{object_id}/comments", comments_edge)
    app.router.add_post(version + "/{object_id}/messages", messages)
    app.router.add_post(version + "/{object_id}", hide)
    app.router.add_get("/streaming/{live_id}/live_comments", live_comments)
    return app


async def live_comments(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    live = _live(state, request.match_info["live_id"])
    if live is None:
        return graph_error(400, 100, "Object does not exist")
    if (error := _token_error(state, live.page_id, request)) is not None:
        return error
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    state.stats.stream_connections += 1
    cap = state.stream_cap(request.query.get("comment_rate", ""))
    with contextlib.suppress(ConnectionResetError):  # the reader went away (a killed puller)
        await _stream(state, live, cap, response)
    return response


async def _stream(
    state: FacebookState, live: SimLive, cap: float, response: web.StreamResponse
) -> None:
    """Send new comments as they appear; above `cap`/s drop them (token bucket)."""
    burst = max(1.0, cap * BURST_S)  # Facebook does not save up unused rate for later
    index, tokens, last = len(live.comments), burst, time.monotonic()
    while live.on_air or index < len(live.comments):
        if index >= len(live.comments):
            await live.tick.wait()
            continue
        now = time.monotonic()
        tokens, last = min(burst, tokens + (now - last) * cap), now
        chunk: list[SimComment] = []
        for comment in live.comments[index:]:
            index += 1
            if tokens < 1:
                state.stats.dropped += 1
                continue
            tokens -= 1
            if state.random.random() < state.config.disconnect_probability:
                state.stats.disconnects += 1
                await _write(response, chunk, state)
                return
            chunk.append(comment)
        await _write(response, chunk, state)


async def _write(
    response: web.StreamResponse, chunk: list[SimComment], state: FacebookState
) -> None:
    if chunk:
        await response.write(b"".join(b"data: " + orjson.dumps(c.graph()) + b"\n\n" for c in chunk))
        state.stats.streamed += len(chunk)
