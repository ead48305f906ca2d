"""The one translation of a webhook service's Answer into an aiohttp response."""

from __future__ import annotations

from aiohttp import web

from aggregator.inbox.answers import Answer


def respond(answer: Answer) -> web.Response:
    """JSON, or plain text when the service answers with a string (Facebook's EVENT_RECEIVED)."""
    if isinstance(answer.body, str):
        return web.Response(text=answer.body, status=answer.status, content_type="text/plain")
    return web.json_response(answer.body, status=answer.status)
