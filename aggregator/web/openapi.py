"""GET /openapi.json: the machine-readable description of chotdon's HTTP interface for machines.

It documents what outside systems call — the signed comment relay (with the batch's JSON schema
from the pydantic model), the platform, courier and payment webhooks (chotdon's own transfer
format, SePay's, Casso's and payOS's; with every refusal and the 503 back-pressure answer), the
Facebook subscription handshake, the heartbeat round trip, the
ward list of a province, and the health and metrics endpoints — so a bridge author can generate a
client and check their payloads. The staff and buyer HTML pages are not part of it. A test runs
schemathesis against this document and a running app (no 5xx, every answer as documented).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from connectors.relay.models import RelayBatch
from connectors.relay.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER
from schema.models import WorkerHeartbeat

JSON = "application/json"
ERROR = {"$ref": "#/components/schemas/Error"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def _json(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema or ERROR}}}


def _text(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


BUSY = {
    **_json("too many deliveries in flight or the ingest queue is full: retry later"),
    "headers": {"Retry-After": {"schema": {"type": "string"}, "description": "seconds"}},
}
REFUSALS = {
    "400": _json(
        "readable but past a documented limit (relay); a verified body chotdon cannot "
        "read is never refused: it is kept as a dead letter and answered 2xx",
        ANY_OBJECT,
    ),
    "401": _json("missing signature or token; recorded", ANY_OBJECT),
    "403": _json("wrong or stale signature, or unknown channel; recorded", ANY_OBJECT),
    "404": _json("no connected channel, shop, bank account or parcel; recorded", ANY_OBJECT),
    "413": _text("body over CHOTDON_MAX_BODY_BYTES; recorded unread"),
    "503": BUSY,
}


def _header(name: str, description: str, required: bool = True) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": required, "schema": {"type": "string"},
            "description": description}  # fmt: skip


def _webhook(
    summary: str,
    ok: dict[str, Any],
    headers: list[dict[str, Any]] | None = None,
    form: bool = False,
) -> dict[str, Any]:
    media: dict[str, Any] = {JSON: {"schema": {}}}
    if form:
        media["application/x-www-form-urlencoded"] = {"schema": ANY_OBJECT}
    return {"post": {
        "summary": summary, "parameters": headers or [],
        "requestBody": {"required": True, "content": media},
        "responses": {"200": ok, **REFUSALS},
    }}  # fmt: skip


def _relay() -> dict[str, Any]:
    accepted = {"type": "object", "required": ["accepted", "duplicate"], "properties": {
        "accepted": {"type": "integer"}, "duplicate": {"type": "boolean"},
        "unreadable": {"type": "boolean"}}}  # fmt: skip
    return {"post": {
        "summary": "A batch of live comments from a bridge (TikTok LIVE, YouTube, a sheet…)",
        "parameters": [
            {"name": "channel", "in": "path", "required": True, "schema": {"type": "string"}},
            _header(TIMESTAMP_HEADER, "unix seconds; refused outside the replay window"),
            _header(SIGNATURE_HEADER, "sha256=HMAC-SHA256(secret, timestamp + '.' + raw body)"),
        ],
        "requestBody": {"required": True, "content": {
            JSON: {"schema": {"$ref": "#/components/schemas/RelayBatch"}}}},
        "responses": {"202": _json("accepted", accepted),
                      "200": _json("the same request again, or a signed body that is not a "
                                   "batch, kept unread (accepted 0, unreadable true)", accepted),
                      **REFUSALS},
    }}  # fmt: skip


OPS_REFUSED = _json(
    "operations endpoint: Authorization: Bearer <CHOTDON_OPS_TOKEN> required (unless reached "
    "directly from a private address)"
)


def _get(summary: str, responses: dict[str, Any], parameters: list[Any] | None = None) -> Any:
    return {"get": {"summary": summary, "parameters": parameters or [], "responses": responses}}


def _system_paths() -> dict[str, Any]:
    health = {"type": "object", "required": ["status", "checks"], "properties": {
        "status": {"enum": ["ok", "unavailable"]},
        "checks": {"type": "object", "required": ["postgres", "redis"], "properties": {
            "postgres": {"type": "string"}, "redis": {"type": "string"}}}}}  # fmt: skip
    job = {"type": "object", "required": ["job_id"], "properties": {"job_id": {"type": "string"}}}
    job_id = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
    province = {"name": "province", "in": "path", "required": True, "schema": {"type": "string"},
                "description": "province code of the 34 provinces since 2025-07-01"}  # fmt: skip
    ward = {"type": "object", "required": ["code", "name"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}}}  # fmt: skip
    hub = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
           for n in ("hub.mode", "hub.verify_token", "hub.challenge")]  # fmt: skip
    return {
        "/healthz": _get("Postgres and Redis reachable", {
            "200": _json("ok", health), "503": _json("one is down", health)}),
        "/metrics": _get("Prometheus metrics (ops token, or a private address directly)", {
            "200": _text("Prometheus text format"), "401": OPS_REFUSED}),
        "/openapi.json": _get("This document", {"200": _json("OpenAPI 3.1", ANY_OBJECT)}),
        "/relay/schema.json": _get("JSON schema of a relay batch", {
            "200": _json("JSON schema", ANY_OBJECT)}),
        "/api/heartbeats": {"post": {
            "summary": "Enqueue a heartbeat job (web → Redis → worker → Postgres); ops only",
            "responses": {"202": _json("enqueued", job), "401": OPS_REFUSED,
                          "503": _json("Redis refused it")}}},
        "/api/heartbeats/{job_id}": _get("The heartbeat a worker recorded for the job; ops only", {
            "200": _json("recorded", {"$ref": "#/components/schemas/WorkerHeartbeat"}),
            "401": OPS_REFUSED,
            "404": _json("no heartbeat recorded for this job yet")}, [job_id]),
        "/dia-chi/{province}.json": _get("Wards and communes of a province (address picker)", {
            "200": _json("wards", {"type": "array", "items": ward}),
            "404": _text("unknown province")}, [province]),
        "/webhooks/facebook": {**_get("Facebook subscription handshake", {
            "200": _text("the challenge, echoed"),
            "403": _json("wrong mode or verify token")}, hub)},
    }  # fmt: skip


def _multipart(path: dict[str, Any]) -> dict[str, Any]:
    """GHTK's PHP sample posts its fields as multipart/form-data."""
    path["post"]["requestBody"]["content"]["multipart/form-data"] = {"schema": ANY_OBJECT}
    return path


def _webhook_paths() -> dict[str, Any]:
    received = _text("EVENT_RECEIVED")
    answer = _json("acknowledged", ANY_OBJECT)
    courier = {"type": "object", "required": ["success", "message"], "properties": {
        "success": {"type": "boolean"}, "message": {"type": "string"}}}  # fmt: skip
    optional = False
    return {
        "/relay/{channel}/comments": _relay(),
        "/webhooks/facebook": {"post": _webhook(
            "Facebook Page webhooks", received,
            [_header("X-Hub-Signature-256", "sha256=HMAC of the body", optional)])["post"]},
        "/webhooks/tiktok": _webhook("TikTok Shop notifications", answer,
                                     [_header("Authorization", "TikTok signature", optional)]),
        "/webhooks/zalo": _webhook("Zalo OA events", answer,
                                   [_header("X-ZEvent-Signature", "mac=sha256(...)", optional)]),
        "/webhooks/ghn": _webhook("GHN status (X-Chotdon-Token or ?token=)",
                                  _json("acknowledged", courier)),
        "/webhooks/ghtk": _multipart(_webhook("GHTK status (?hash=)",
                                              _json("acknowledged", courier), form=True)),
        "/webhooks/viettelpost": _webhook("Viettel Post status (Authorization / body TOKEN)",
                                          _json("acknowledged", courier)),
        "/webhooks/payments": _webhook("Bank-transfer notifications (token or HMAC)", answer),
        **_bank_paths(answer),
    }  # fmt: skip


def _bank_paths(answer: dict[str, Any]) -> dict[str, Any]:
    """The providers' own notices; 404: the body names no connected account."""
    optional = False
    return {
        "/webhooks/payments/sepay": _webhook("SePay transaction (Apikey or HMAC-SHA256)", answer, [
            _header("Authorization", "Apikey <the cooperative's SePay API key>", optional),
            _header("X-SePay-Signature", "sha256=HMAC-SHA256(secret, timestamp.body)", optional),
            _header("X-SePay-Timestamp", "unix seconds, signed with the body", optional)]),
        "/webhooks/payments/casso": _webhook("Casso webhook v2 transaction", answer, [
            _header("X-Casso-Signature", "t=<ms>,v1=HMAC-SHA512 of t.sorted JSON", optional)]),
        "/webhooks/payments/payos": _webhook("payOS payment (signature in the body)", answer),
    }  # fmt: skip


def openapi_document() -> dict[str, Any]:
    schema = RelayBatch.model_json_schema(ref_template="#/components/schemas/{model}")
    error = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
    components = {
        "RelayBatch": {k: v for k, v in schema.items() if k != "$defs"},
        **schema.get("$defs", {}),
        "WorkerHeartbeat": WorkerHeartbeat.model_json_schema(mode="serialization"),
        "Error": error,
    }
    paths = _system_paths()
    for path, item in _webhook_paths().items():
        paths[path] = {**paths.get(path, {}), **item}
    return {
        "openapi": "3.1.0",
        "info": {"title": "chotdon", "version": "1", "description": __doc__},
        "paths": paths,
        "components": {"schemas": components},
    }


async def openapi_view(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def setup(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi_view, name="openapi")
