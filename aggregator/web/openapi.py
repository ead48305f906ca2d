"""GET /openapi.json: the machine-readable description of chotdon's inbound HTTP interface.

It documents what outside systems call — the signed comment relay (with the batch's JSON schema
from the pydantic model), the platform, courier and payment webhooks, and the health and metrics
endpoints — so a bridge author can generate a client and check their payloads.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from connectors.relay.models import RelayBatch
from connectors.relay.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER

REFUSALS = {
    "400": {"description": "malformed body; recorded"},
    "401": {"description": "missing signature or token; recorded"},
    "403": {"description": "wrong or stale signature, or unknown channel; recorded"},
    "413": {"description": "body over CHOTDON_MAX_BODY_BYTES; recorded unread"},
}


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": True, "schema": {"type": "string"},
            "description": description}  # fmt: skip


def _webhook(summary: str) -> dict[str, Any]:
    return {"post": {"summary": summary, "responses": {"200": {"description": "acknowledged"},
                                                       **REFUSALS}}}  # fmt: skip


def _relay() -> dict[str, Any]:
    return {"post": {
        "summary": "A batch of live comments from a bridge (TikTok LIVE, YouTube, a sheet…)",
        "parameters": [
            {"name": "channel", "in": "path", "required": True, "schema": {"type": "string"}},
            _header(TIMESTAMP_HEADER, "unix seconds; refused outside the replay window"),
            _header(SIGNATURE_HEADER, "sha256=HMAC-SHA256(secret, timestamp + '.' + raw body)"),
        ],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/RelayBatch"}}}},
        "responses": {"202": {"description": "accepted"},
                      "200": {"description": "the same request again"}, **REFUSALS},
    }}  # fmt: skip


def openapi_document() -> dict[str, Any]:
    schema = RelayBatch.model_json_schema(ref_template="#/components/schemas/{model}")
    components = {"RelayBatch": {k: v for k, v in schema.items() if k != "$defs"},
                  **schema.get("$defs", {})}  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {"title": "chotdon", "version": "1", "description": __doc__},
        "paths": {
            "/relay/{channel}/comments": _relay(),
            "/webhooks/facebook": _webhook("Facebook Page webhooks (X-Hub-Signature-256)"),
            "/webhooks/tiktok": _webhook("TikTok Shop notifications (Authorization signature)"),
            "/webhooks/zalo": _webhook("Zalo OA events (X-ZEvent-Signature)"),
            "/webhooks/ghn": _webhook("GHN status (X-Chotdon-Token or ?token=)"),
            "/webhooks/ghtk": _webhook("GHTK status (?hash=)"),
            "/webhooks/viettelpost": _webhook("Viettel Post status (Authorization / TOKEN)"),
            "/webhooks/payments": _webhook("Bank-transfer notifications (token or HMAC)"),
            "/healthz": {
                "get": {
                    "summary": "Postgres and Redis reachable",
                    "responses": {
                        "200": {"description": "ok"},
                        "503": {"description": "one is down"},
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": {"description": "text format"}},
                }
            },
        },
        "components": {"schemas": components},
    }


async def openapi_view(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def setup(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi_view, name="openapi")
