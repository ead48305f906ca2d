"""GHN (Giao Hàng Nhanh) adapter: shiip public API v2, `Token` + `ShopId` headers, JSON envelope
{code, message, data, code_message}. Resending a client_order_code returns the existing order_code.

Webhook: POST JSON in PascalCase, no signature; chotdon asks for a secret in a custom header
(X-Chotdon-Token, set in GHN's portal) or in the URL (?token=). Dedup key OrderCode+Type+Time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp

from connectors.couriers import wire
from connectors.couriers.errors import CourierRejectedError, DuplicateClientCodeError
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
from schema.enums import Courier

SECRET_HEADER = "X-Chotdon-Token"
STATUS_TYPES = frozenset({"create", "switch_status"})  # other Types report weight, fee, COD…
CANCEL_REASON = "GHN-CANCEL-OTHER"


def create_body(request: ShipmentRequest) -> JsonObject:
    body = _create_body(request)
    if request.return_leg:
        # Pick up at the buyer: from_* override the ShopId profile's address (GHN create-order
        # docs: "nếu không truyền thông tin người gửi thì hệ thống sẽ mặc định lấy ở ShopID").
        s = request.sender
        body.update(
            from_name=s.name, from_phone=s.phone, from_address=s.address,
            from_ward_name=s.ward, from_district_name="", from_province_name=s.province,
        )  # fmt: skip
    return body


def _create_body(request: ShipmentRequest) -> JsonObject:
    r, s = request.recipient, request.sender
    return {
        "client_order_code": request.client_code,
        "to_name": r.name,
        "to_phone": r.phone,
        "to_address": r.address,
        "to_ward_name": r.ward,
        "to_province_name": r.province,
        "to_district_name": "",
        "is_new_to_address": True,  # 2-level address (since 2025-07-01)
        "return_phone": s.phone,
        "return_address": s.address,
        "weight": max(request.weight_g, 1),
        "length": 20,
        "width": 15,
        "height": 10,
        "service_type_id": 2,
        # 1: the shop (seller) pays the fee, 2: the buyer pays it (GHN create-order docs).
        "payment_type_id": 1 if request.shop_pays_shipping else 2,
        "required_note": "CHOXEMHANGKHONGTHU",
        "cod_amount": request.cod_vnd,
        "insurance_value": min(request.value_vnd, 5_000_000),
        "note": request.note,
        "content": ", ".join(f"{i.name} x{i.quantity}" for i in request.items)[:2000],
        "items": [
            {"name": i.name, "quantity": i.quantity, "price": i.price_vnd, "weight": i.weight_g}
            for i in request.items
        ],
    }


class GhnAdapter:
    courier = Courier.GHN

    def __init__(self, config: CourierConfig, session: aiohttp.ClientSession) -> None:
        self.http = CourierHttp(Courier.GHN, config, session)
        self.headers = {"Token": config.token, "ShopId": config.shop_id}

    async def _post(self, path: str, body: JsonObject) -> JsonObject:
        status, reply = await self.http.call("POST", path, self.headers, json=body)
        if reply.get("code") != 200:
            message = str(reply.get("message") or reply.get("code_message") or status)
            code = str(reply.get("code_message") or reply.get("code") or status)
            if "exist" in message.lower() or "duplicate" in message.lower():
                raise DuplicateClientCodeError(message, courier=self.courier)
            raise CourierRejectedError(message, courier=self.courier, code=code)
        data = reply.get("data")
        return data if isinstance(data, dict) else {"items": data}

    async def create(self, request: ShipmentRequest) -> CreatedShipment:
        data = await self._post("/v2/shipping-order/create", create_body(request))
        return CreatedShipment(
            tracking_code=str(data["order_code"]),
            client_code=request.client_code,
            fee_vnd=int(data.get("total_fee") or 0),
            courier_status="ready_to_pick",
        )

    async def find(self, client_code: str) -> CreatedShipment | None:
        try:
            data = await self._post(
                "/v2/shipping-order/detail-by-client-code", {"client_order_code": client_code}
            )
        except CourierRejectedError:
            return None
        return CreatedShipment(
            tracking_code=str(data["order_code"]),
            client_code=client_code,
            fee_vnd=int(data.get("total_fee") or 0),
            courier_status=str(data.get("status") or ""),
        )

    async def cancel(self, tracking_code: str) -> None:
        data = await self._post(
            "/v2/switch-status/cancel",
            {"order_codes": [tracking_code], "reason_code": CANCEL_REASON},
        )
        results = data.get("items") or []
        if not results or not results[0].get("result"):
            message = results[0].get("message", "not cancelled") if results else "not cancelled"
            raise CourierRejectedError(str(message), courier=self.courier)

    async def fee(self, request: ShipmentRequest) -> int:
        body = {
            "is_new_to_address": True,
            "to_ward_name": request.recipient.ward,
            "to_province_name": request.recipient.province,
            "weight": max(request.weight_g, 1),
            "service_type_id": 2,
            "insurance_value": min(request.value_vnd, 5_000_000),
            "cod_value": request.cod_vnd,
        }
        data = await self._post("/v2/shipping-order/fee", body)
        return int(data.get("total") or 0)

    async def label_url(self, tracking_code: str) -> str:
        data = await self._post("/v2/a5/gen-token", {"order_codes": [tracking_code]})
        base = urlsplit(self.http.config.base_url)
        return f"{base.scheme}://{base.netloc}/a5/public-api/printA5?token={data['token']}"

    async def label(self, tracking_code: str) -> CourierLabel:
        return CourierLabel(url=await self.label_url(tracking_code))

    async def track(self, tracking_code: str) -> CourierEvent | None:
        data = await self._post("/v2/shipping-order/detail", {"order_code": tracking_code})
        code = str(data.get("status") or "")
        at = wire.iso_time(str(data.get("updated_date") or wire.utc_now().isoformat()))
        return CourierEvent(
            courier=self.courier,
            tracking_code=tracking_code,
            client_code=data.get("client_order_code"),
            courier_status=code,
            status=common_status(self.courier, code),
            at=at,
            delivery_key=f"poll:{tracking_code}:{code}:{at.isoformat()}",
            raw=data,
        )


def webhook_secrets(request: WebhookRequest) -> list[str]:
    found = [request.headers.get(SECRET_HEADER.lower(), ""), request.query.get("token", "")]
    return [s for s in found if s]


def parse_webhook(request: WebhookRequest) -> CourierEvent:
    body: dict[str, Any] = wire.json_body(request)
    order_code = wire.required(body, "OrderCode")
    kind = wire.required(body, "Type").lower()
    time_text = wire.required(body, "Time")
    code = str(body.get("Status") or "").lower()
    return CourierEvent(
        courier=Courier.GHN,
        tracking_code=order_code,
        client_code=str(body.get("ClientOrderCode") or "") or None,
        # A weight, fee or COD update repeats the current Status: it is stored under its Type.
        courier_status=(code or kind) if kind in STATUS_TYPES else kind,
        status=common_status(Courier.GHN, code) if kind in STATUS_TYPES else None,
        at=wire.iso_time(time_text),
        delivery_key=f"{order_code}|{kind}|{time_text}",
        cod_vnd=wire.money(body.get("CODAmount")),
        reason=str(body.get("Reason") or ""),
        raw=body,
    )


WEBHOOK = WebhookSpec(secrets=webhook_secrets, parse=parse_webhook, redact=lambda body: body)
