"""Viettel Post adapter: partner API v2, `Token` header (long-lived ownerconnect JWT), envelope
{status, error, message, data}; errors often come as HTTP 200 with error:true.

Orders go through the NLP endpoints (free-text address), which sidestep the 2025 ID reform. Our
order number is ORDER_NUMBER with CHECK_UNIQUE; Viettel Post documents no lookup by it, so after a
timeout the waybill is learnt from the first webhook (its ORDER_REFERENCE is our number).

Webhook: POST JSON {DATA:{…}, TOKEN}; the secret is the `Authorization` header and/or TOKEN.
Dedup key ORDER_NUMBER+ORDER_STATUS+ORDER_STATUSDATE.
"""

from __future__ import annotations

import contextlib
import time

import aiohttp
import orjson

from connectors.couriers import wire
from connectors.couriers.errors import (
    CourierRejectedError,
    DuplicateClientCodeError,
    MalformedWebhookError,
)
from connectors.couriers.http import CourierHttp, JsonObject
from connectors.couriers.port import (
    CourierConfig,
    CourierEvent,
    CourierLabel,
    CreatedShipment,
    ShipmentRequest,
    WebhookRequest,
    WebhookSpec,
)
from connectors.couriers.status import common_status
from connectors.couriers.status_names import VTP_REASONS
from schema.enums import Courier

PRINT_BASE = "https://digitalize.viettelpost.vn/DigitalizePrint/report.do"
PRINT_A6 = "2"
CANCEL = 4
SERVICE = "VCN"
LABEL_VALID_MS = 24 * 3600 * 1000


def _payment(request: ShipmentRequest) -> int:
    """ORDER_PAYMENT: 1 no collection, 2 goods money + fee, 3 goods money only, 4 fee only."""
    if request.shop_pays_shipping:
        return 3 if request.cod_vnd > 0 else 1
    return 2 if request.cod_vnd > 0 else 4


def _address(party_address: str, ward: str, province: str) -> str:
    return ", ".join(p for p in (party_address, ward, province) if p)[:150]


def create_body(request: ShipmentRequest) -> JsonObject:
    r, s = request.recipient, request.sender
    return {
        "ORDER_NUMBER": request.client_code,
        "CHECK_UNIQUE": True,
        "GROUPADDRESS_ID": 0,
        "SENDER_FULLNAME": s.name,
        "SENDER_PHONE": s.phone,
        "SENDER_ADDRESS": _address(s.address, s.ward, s.province),
        "RECEIVER_FULLNAME": r.name,
        "RECEIVER_PHONE": r.phone,
        "RECEIVER_ADDRESS": _address(r.address, r.ward, r.province),
        "PRODUCT_NAME": ", ".join(i.name for i in request.items)[:150],
        "PRODUCT_QUANTITY": sum(i.quantity for i in request.items) or 1,
        "PRODUCT_PRICE": request.value_vnd,
        "PRODUCT_WEIGHT": max(request.weight_g, 1),
        "PRODUCT_TYPE": "HH",
        "ORDER_PAYMENT": _payment(request),
        "ORDER_SERVICE": SERVICE,
        "ORDER_NOTE": request.note[:150],
        "MONEY_COLLECTION": request.cod_vnd,
        "LIST_ITEM": [
            {
                "PRODUCT_NAME": i.name,
                "PRODUCT_QUANTITY": i.quantity,
                "PRODUCT_PRICE": i.price_vnd,
                "PRODUCT_WEIGHT": i.weight_g,
            }
            for i in request.items
        ],
    }


class ViettelPostAdapter:
    courier = Courier.VIETTELPOST

    def __init__(
        self,
        config: CourierConfig,
        session: aiohttp.ClientSession,
        print_base: str = PRINT_BASE,
    ) -> None:
        self.http = CourierHttp(Courier.VIETTELPOST, config, session)
        self.headers = {"Token": config.token}
        self.print_base = print_base

    async def _post(self, path: str, body: JsonObject) -> JsonObject:
        _, reply = await self.http.call("POST", path, self.headers, json=body)
        if reply.get("error") or reply.get("status") not in (200, None):
            message = str(reply.get("message") or "refused")
            if "exist" in message.lower():
                raise DuplicateClientCodeError(message, courier=self.courier)
            raise CourierRejectedError(message, courier=self.courier)
        return reply

    async def create(self, request: ShipmentRequest) -> CreatedShipment:
        reply = await self._post("/v2/order/createOrderNlp", create_body(request))
        data = reply.get("data") or {}
        return CreatedShipment(
            tracking_code=str(data["ORDER_NUMBER"]),
            client_code=request.client_code,
            fee_vnd=int(data.get("MONEY_TOTAL") or 0),
            courier_status="102",
        )

    async def find(self, client_code: str) -> CreatedShipment | None:
        """Not offered by Viettel Post's documented API: the webhook carries the waybill."""
        return None

    async def cancel(self, tracking_code: str) -> None:
        await self._post(
            "/v2/order/UpdateOrder",
            {"TYPE": CANCEL, "ORDER_NUMBER": tracking_code, "NOTE": "chotdon: huy don"},
        )

    async def fee(self, request: ShipmentRequest) -> int:
        r, s = request.recipient, request.sender
        reply = await self._post(
            "/v2/order/getPriceNlp",
            {
                "SENDER_ADDRESS": _address(s.address, s.ward, s.province),
                "RECEIVER_ADDRESS": _address(r.address, r.ward, r.province),
                "PRODUCT_WEIGHT": max(request.weight_g, 1),
                "PRODUCT_PRICE": request.value_vnd,
                "MONEY_COLLECTION": request.cod_vnd,
                "ORDER_SERVICE": SERVICE,
                "PRODUCT_TYPE": "HH",
            },
        )
        return int((reply.get("data") or {}).get("MONEY_TOTAL") or 0)

    async def label_url(self, tracking_code: str) -> str:
        expiry = int(time.time() * 1000) + LABEL_VALID_MS
        reply = await self._post(
            "/v2/order/printing-code", {"EXPIRY_TIME": expiry, "ORDER_ARRAY": [tracking_code]}
        )
        code = reply.get("message")
        return f"{self.print_base}?type={PRINT_A6}&bill={code}&showPostage=1"

    async def label(self, tracking_code: str) -> CourierLabel:
        return CourierLabel(url=await self.label_url(tracking_code))

    async def track(self, tracking_code: str) -> CourierEvent | None:
        """No documented status query: Viettel Post reports only by webhook."""
        return None


def _data_and_token(request: WebhookRequest) -> tuple[JsonObject, str]:
    body = wire.json_body(request)
    data = body.get("DATA")
    if not isinstance(data, dict):
        raise MalformedWebhookError("DATA is missing")
    return data, str(body.get("TOKEN") or "")


def webhook_secrets(request: WebhookRequest) -> list[str]:
    found = [request.headers.get("authorization", "")]
    with contextlib.suppress(MalformedWebhookError):
        found.append(_data_and_token(request)[1])
    return [s for s in found if s]


def parse_webhook(request: WebhookRequest) -> CourierEvent:
    data, _ = _data_and_token(request)
    waybill = wire.required(data, "ORDER_NUMBER")
    code = wire.required(data, "ORDER_STATUS")
    when = wire.required(data, "ORDER_STATUSDATE")
    returning = data.get("IS_RETURNING") in (True, "true", 1)
    return CourierEvent(
        courier=Courier.VIETTELPOST,
        tracking_code=waybill,
        client_code=str(data.get("ORDER_REFERENCE") or "") or None,
        courier_status=code,
        status=common_status(Courier.VIETTELPOST, code, returning=returning),
        at=wire.vn_time(when),
        delivery_key=f"{waybill}|{code}|{when}",
        cod_vnd=wire.money(data.get("MONEY_COLLECTION")),
        reason=_reason(data),
        raw=data,
    )


def _reason(data: JsonObject) -> str:
    """The documented failure reason of REASON_CODE, then the post office's NOTE."""
    named = VTP_REASONS.get(str(data.get("REASON_CODE") or ""), "")
    note = str(data.get("NOTE") or "")
    return " — ".join(part for part in (named, note) if part)


def redact(body: bytes) -> bytes:
    """Store the body without the TOKEN secret."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if isinstance(parsed, dict) and "TOKEN" in parsed:
        parsed["TOKEN"] = "***"
        return orjson.dumps(parsed)
    return body


WEBHOOK = WebhookSpec(secrets=webhook_secrets, parse=parse_webhook, redact=redact)
