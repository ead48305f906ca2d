"""Ids taken from a route's path: anything that is not a plain id is a page that does not exist."""

from __future__ import annotations

from aiohttp import web

MAX_ID_DIGITS = 18  # a bigint; longer digit strings would overflow the query parameter


def path_id(request: web.Request, name: str = "id") -> int:
    text = request.match_info[name]
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:  # "²".isdigit()
        raise web.HTTPNotFound()
    return int(text)
