"""Live comments, pulled: the streaming-graph SSE per live, and the comments edge that fills gaps.

Facebook drops comments above the chosen comment_rate and streams disconnect, so the stream is
only the fast path: `poll_since` reads the comments edge (newest first, every page) from a time,
and the caller deduplicates on the comment id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import aiohttp
import orjson
import structlog
from pydantic import ValidationError

from connectors.errors import PlatformApiError, TokenError, TransportError
from connectors.facebook.graph import COMMENT_FIELDS, GraphClient, graph_error
from connectors.facebook.models import GraphComment

log = structlog.get_logger()
OnComment = Callable[[GraphComment], Awaitable[None]]


async def _read_events(response: aiohttp.ClientResponse, on_comment: OnComment) -> int:
    """Hand over every `data:` event until the server closes; returns how many were read."""
    read = 0
    async for raw in response.content:
        line = raw.strip()
        if not line.startswith(b"data:"):
            continue
        try:
            comment = GraphComment.model_validate(orjson.loads(line[5:]))
        except (orjson.JSONDecodeError, ValidationError):
            log.warning("facebook.stream_bad_event", size=len(line))
            continue
        read += 1
        await on_comment(comment)
    return read


async def stream_once(
    http: aiohttp.ClientSession, url: str, token: str, comment_rate: str, on_comment: OnComment
) -> int:
    params = {"access_token": token, "comment_rate": comment_rate, "fields": COMMENT_FIELDS}
    timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_read=120)
    try:
        async with http.get(url, params=params, timeout=timeout) as response:
            if response.status >= 400:
                payload = orjson.loads(await response.read() or b"{}")
                raise graph_error(response.status, payload)
            return await _read_events(response, on_comment)
    except (aiohttp.ClientError, TimeoutError, orjson.JSONDecodeError) as exc:
        raise TransportError(f"live comment stream broke: {type(exc).__name__}") from None


async def follow_stream(
    http: aiohttp.ClientSession,
    streaming_url: str,
    live_id: str,
    token: str,
    comment_rate: str,
    on_comment: OnComment,
    *,
    min_backoff_s: float = 0.2,
    max_backoff_s: float = 30.0,
) -> None:
    """Read the live's SSE stream until cancelled, reconnecting with exponential backoff.

    Token and permission errors are raised (reconnecting cannot fix them).
    """
    url = f"{streaming_url.rstrip('/')}/{live_id}/live_comments"
    backoff = min_backoff_s
    while True:
        try:
            read = await stream_once(http, url, token, comment_rate, on_comment)
            log.info("facebook.stream_closed", live_id=live_id, events=read)
            if read:
                backoff = min_backoff_s
        except TransportError as exc:
            log.info("facebook.stream_broken", live_id=live_id, error=str(exc))
        except TokenError:
            raise
        except PlatformApiError as exc:
            log.warning("facebook.stream_refused", live_id=live_id, error=str(exc))
        await asyncio.sleep(backoff)
        backoff = min(max_backoff_s, backoff * 2)


async def poll_since(
    graph: GraphClient, object_id: str, token: str, since: datetime | None, *, page_limit: int = 100
) -> list[GraphComment]:
    """Every comment created at or after `since` (all of them when None), newest first."""
    since_s = int(since.timestamp()) if since is not None else None
    found: list[GraphComment] = []
    after: str | None = None
    while True:
        page = await graph.comments(object_id, token, since=since_s, after=after, limit=page_limit)
        found.extend(page.data)
        if page.after is None or not page.data:
            return found
        after = page.after
