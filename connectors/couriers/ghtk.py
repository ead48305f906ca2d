"""GHTK (Giao Hàng Tiết Kiệm) adapter: `Token` + `X-Client-Source` headers, envelope
{success, message, …}. Our order number is `order.id`; a duplicate answers ORDER_ID_EXIST with
the existing `ghtk_label`. Product weights are in kilograms.

Webhook: POST form-urlencoded, with the "+" of action_time's offset unencoded as in GHTK's own
sample (JSON and multipart, as its other samples post, accepted too), no signature; the secret
rides in the URL as ?hash=…, as GHTK's own example shows. Dedup key label_id+status_id+action_time.
"""

from __future__ import annotations

from urllib.parse import quote

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

DUPLICATE = "ORDER_ID_EXIST"


def create_body(request: ShipmentRequest) -> JsonObject:
    r, s = request.recipient, request.sender
    return {
        "products": [
            {
                "name": i.name,
                "quantity": i.quantity,
                "price": i.price_vnd,
                "weight": round(max(i.weight_g, 1) / 1000, 3),
            }
            for i in request.items
        ],
        "order": {
            "id": request.client_code,
            "pick_name": s.name,
            "pick_tel": s.phone,
            "pick_address": s.address,
            "pick_province": s.province,
            "pick_district": "",
            "pick_ward": s.ward,
            "name": r.name,
            "tel": r.phone,
            "address": r.address,
            "province": r.province,
            "district": "",  # 2-level address; GHTK has published nothing official yet
            "ward": r.ward,
            "hamlet": "Khác",
            "pick_money": request.cod_vnd,
            # 1: the receiver does not pay the fee (the shop does); 0: the receiver pays it.
            "is_freeship": 1 if request.shop_pays_shipping else 0,
            "value": request.value_vnd,
            "total_weight": round(max(request.weight_g, 1) / 1000, 3),
            "transport": "road",
            "note": request.note[:120],
        },
    }


class GhtkAdapter:
    courier = Courier.GHTK

    def __init__(self, config: CourierConfig, session: aiohttp.ClientSession) -> None:
        self.http = CourierHttp(Courier.GHTK, config, session)
        self.headers = {"Token": config.token, "X-Client-Source": config.shop_id}

    def _fail(self, reply: JsonObject) -> CourierRejectedError:
        return CourierRejectedError(
            str(reply.get("message") or "refused"),
            courier=self.courier,
            code=str(reply.get("error_code") or ""),
        )

    async def create(self, request: ShipmentRequest) -> CreatedShipment:
        _, reply = await self.http.call(
            "POST",
            "/services/shipment/order/",
            self.headers,
            json=create_body(request),
            params={"ver": "1.5"},
        )
        if not reply.get("success"):
            error = reply.get("error") or {}
            if isinstance(error, dict) and error.get("code") == DUPLICATE:
                raise DuplicateClientCodeError(
                    str(reply.get("message") or DUPLICATE),
                    courier=self.courier,
                    tracking_code=error.get("ghtk_label"),
                )
            raise self._fail(reply)
        order = reply["order"]
        return CreatedShipment(
            tracking_code=str(order["label"]),
            client_code=request.client_code,
            fee_vnd=int(order.get("fee") or 0),
            courier_status=str(order.get("status_id") or "1"),
        )

    async def _status(self, ref: str) -> JsonObject | None:
        _, reply = await self.http.call("GET", f"/services/shipment/v2/{quote(ref)}", self.headers)
        order = reply.get("order")
        return order if reply.get("success") and isinstance(order, dict) else None

    async def find(self, client_code: str) -> CreatedShipment | None:
        order = await self._status(f"partner_id:{client_code}")
        if order is None:
            return None
        return CreatedShipment(
            tracking_code=str(order["label_id"]),
            client_code=client_code,
            fee_vnd=int(order.get("ship_money") or 0),
            courier_status=str(order.get("status") or ""),
        )

    async def cancel(self, tracking_code: str) -> None:
        _, reply = await self.http.call(
            "POST", f"/services/shipment/cancel/{quote(tracking_code)}", self.headers
        )
        if not reply.get("success"):
            raise self._fail(reply)

    async def fee(self, request: ShipmentRequest) -> int:
        params = {
            "pick_province": request.sender.province,
            "pick_district": "",
            "province": request.recipient.province,
            "district": "",
            "ward": request.recipient.ward,
            "weight": str(max(request.weight_g, 1)),
            "value": str(request.value_vnd),
            "transport": "road",
            "deliver_option": "none",
        }
        _, reply = await self.http.call(
            "GET", "/services/shipment/fee", self.headers, params=params
        )
        if not reply.get("success"):
            raise self._fail(reply)
        return int((reply.get("fee") or {}).get("fee") or 0)

    async def label_url(self, tracking_code: str) -> str:
        """GHTK serves the PDF itself; fetching it needs our Token header."""
        base = self.http.config.base_url.rstrip("/")
        return f"{base}/services/label/{quote(tracking_code)}?original=portrait&paper_size=A6"

    async def label(self, tracking_code: str) -> CourierLabel:
        path = f"/services/label/{quote(tracking_code)}?original=portrait&paper_size=A6"
        pdf = await self.http.raw_get(path, self.headers)
        if not pdf.startswith(b"%PDF"):  # GHTK answers an unknown label with a JSON error
            raise CourierRejectedError("no label for this parcel", courier=self.courier)
        return CourierLabel(pdf=pdf)

    async def track(self, tracking_code: str) -> CourierEvent | None:
        order = await self._status(tracking_code)
        if order is None:
            return None
        code = str(order.get("status") or "")
        modified = str(order.get("modified") or wire.utc_now().isoformat())
        return CourierEvent(
            courier=self.courier,
            tracking_code=tracking_code,
            client_code=order.get("partner_id"),
            courier_status=code,
            status=common_status(self.courier, code),
            at=wire.iso_time(modified.replace(" ", "T")),
            delivery_key=f"poll:{tracking_code}|{code}|{modified}",
            cod_vnd=wire.money(order.get("pick_money")),
            raw=order,
        )


def webhook_secrets(request: WebhookRequest) -> list[str]:
    secret = request.query.get("hash", "")
    return [secret] if secret else []


def parse_webhook(request: WebhookRequest) -> CourierEvent:
    body = wire.form_or_json_body(request)
    label = wire.required(body, "label_id")
    code = wire.required(body, "status_id")
    # The same event posted with its "+" literal or encoded keeps one key.
    action_time = wire.form_time(wire.required(body, "action_time"))
    partner_id = body.get("partner_id")
    return CourierEvent(
        courier=Courier.GHTK,
        tracking_code=label,
        client_code=str(partner_id) if partner_id not in (None, "") else None,
        courier_status=code,
        status=common_status(Courier.GHTK, code),
        at=wire.iso_time(action_time),
        delivery_key=f"{label}|{code}|{action_time}",
        cod_vnd=wire.money(body.get("pick_money")),
        reason=str(body.get("reason") or ""),
        raw=body,
    )


WEBHOOK = WebhookSpec(secrets=webhook_secrets, parse=parse_webhook, redact=lambda body: body)
