"""The client's address, for limits, ops access and logs: the one place that reads it, so that
reading it behind a trusted reverse proxy changes here only."""

from __future__ import annotations

from aiohttp import web


def client_address(request: web.Request) -> str:
    return request.remote or ""
