"""A fake TikTok Shop Partner API for demo and tests, speaking the documented wire format.

Routes (the API base URL is the server's root):
POST /order/202309/orders/search             orders of the shop by update time, cursor paging
GET  /order/202309/orders?ids=…              details of up to 50 orders
POST /customer_service/202309/conversations/{id}/messages    recorded in state.sent
POST /fulfillment/202309/packages/{package_id}/ship          arrange: AWAITING_SHIPMENT becomes
                                             AWAITING_COLLECTION with a tracking number;
                                             counted in state.ship_calls; refused once arranged
GET  /fulfillment/202309/packages/{package_id}/shipping_documents   doc_url of the label (only
                                             once arranged), served unsigned at /sim-documents/…
GET  /api/v2/token/refresh                   app_key, app_secret, refresh_token: a new token pair;
                                             each refresh token works once (state.refresh_tokens)
GET  /open/authorize, /api/v2/token/get, /authorization/202309/shops: seller authorization
                                             (tiktok_login.py)
Every call must be signed (sign over path, sorted params and body), carry a fresh timestamp, a
known shop_cipher and that shop's x-tts-access-token. `state.rate_limit_next = n` answers the next
n calls with HTTP 429. Webhooks go the other way: `post_notification` signs and POSTs them, and
tests post duplicates and late, out-of-order ones.
"""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from connectors.simulators.tiktok_login import TikTokLogin, add_login_routes
from connectors.tiktok.models import MAX_IDS_PER_CALL
from connectors.tiktok.signature import WEBHOOK_HEADER, request_signed, sign_webhook
from connectors.tiktok.webhook import NotificationType

TIMESTAMP_SKEW_S = 300
_ids = itertools.count(1)


@dataclass
class SimShop:
    shop_id: str
    cipher: str
    token: str


@dataclass
class TikTokState:
    app_key: str
    app_secret: str
    shops: dict[str, SimShop] = field(default_factory=dict)  # by cipher
    orders: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # shop → id → order
    rate_limit_next: int = 0
    calls: list[str] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # unused refresh token → cipher
    token_calls: int = 0
    ship_calls: dict[str, int] = field(default_factory=dict)  # package id → Ship Package calls
    lose_next_ship_answer: bool = False  # arrange, then answer 500 (the answer is lost)
    login: TikTokLogin = field(default_factory=TikTokLogin)  # seller authorization

    def add_shop(self, shop_id: str, token: str) -> SimShop:
        shop = SimShop(shop_id, f"cipher-{shop_id}", token)
        self.shops[shop.cipher] = shop
        self.orders.setdefault(shop_id, {})
        return shop

    def put_order(
        self, shop_id: str, order_id: str, status: str, at: float | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Create or change an order (at `at`, default now); update_time moves forward ≥ 1 s."""
        orders = self.orders.setdefault(shop_id, {})
        old = orders.get(order_id)
        now = int(at if at is not None else time.time())
        update_time = max(now, old["update_time"] + 1) if old else now
        order = {
            "id": order_id, "status": status, "update_time": update_time,
            "create_time": old["create_time"] if old else now, "user_id": f"buyer-{order_id}",
            "is_cod": True,
            "recipient_address": {"name": "Nguyễn Thị Lan", "phone_number": "(+84)912345678",
                                  "full_address": "Xã Vũ Thư, Thái Bình"},
            # TikTok's logistics ship it; its package exists once the order awaits shipment
            "shipping_type": "TIKTOK", "packages": [{"id": f"pkg{order_id}"}],
            "line_items": [
                {"id": f"{order_id}-1", "seller_sku": "A01", "sku_id": "s1",
                 "product_name": "Gạo ST25", "sku_name": "", "sale_price": "180000"},
                {"id": f"{order_id}-2", "seller_sku": "A01", "sku_id": "s1",
                 "product_name": "Gạo ST25", "sku_name": "", "sale_price": "180000"},
            ],
            **(old or {}), **fields,
        }  # fmt: skip
        order.update(status=status, update_time=update_time)
        orders[order_id] = order
        return order


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "data": {}}, status=status)


def _ok(data: dict[str, Any]) -> web.Response:
    return web.json_response({"code": 0, "message": "Success", "data": data})


async def _authorise(request: web.Request, state: TikTokState) -> SimShop | web.Response:
    state.calls.append(f"{request.method} {request.path}")
    if state.rate_limit_next > 0:
        state.rate_limit_next -= 1
        return _error(429, 36009004, "Too many requests")
    params = dict(request.query)
    body = await request.read() if request.method != "GET" else b""
    if params.get("app_key") != state.app_key:
        return _error(401, 106001, "invalid app_key")
    if not request_signed(state.app_secret.encode(), request.path, params, body):
        return _error(401, 106001, "Invalid credentials: sign")
    if abs(time.time() - int(params.get("timestamp", "0") or 0)) > TIMESTAMP_SKEW_S:
        return _error(401, 106002, "timestamp expired")
    shop = state.shops.get(params.get("shop_cipher", ""))
    if shop is None:
        return _error(400, 106011, "invalid shop_cipher")
    if request.headers.get("x-tts-access-token") != shop.token:
        return _error(401, 105002, "Expired credentials")
    return shop


def _page_token(index: int) -> str:
    return base64.urlsafe_b64encode(str(index).encode()).decode() if index else ""


async def search(request: web.Request) -> web.Response:
    state = request.app[STATE]
    shop = await _authorise(request, state)
    if isinstance(shop, web.Response):
        return shop
    body = orjson.loads(await request.read() or b"{}")
    low, high = body.get("update_time_ge", 0), body.get("update_time_lt", 2**62)
    found = sorted(
        (o for o in state.orders[shop.shop_id].values() if low <= o["update_time"] < high),
        key=lambda o: (o["update_time"], o["id"]),
    )
    size = min(int(request.query.get("page_size", "20")), 100)
    token = request.query.get("page_token", "")
    start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
    page = found[start : start + size]
    summaries = [
        {"id": o["id"], "status": o["status"], "update_time": o["update_time"]} for o in page
    ]
    following = start + size if start + size < len(found) else 0
    return _ok({"orders": summaries, "next_page_token": _page_token(following),
                "total_count": len(found)})  # fmt: skip


async def details(request: web.Request) -> web.Response:
    state = request.app[STATE]
    shop = await _authorise(request, state)
    if isinstance(shop, web.Response):
        return shop
    ids = [i for i in request.query.get("ids", "").split(",") if i]
    if not 0 < len(ids) <= MAX_IDS_PER_CALL:
        return _error(400, 36009003, "ids: between 1 and 50")
    orders = state.orders[shop.shop_id]
    return _ok({"orders": [orders[i] for i in ids if i in orders]})


async def send_message(request: web.Request) -> web.Response:
    state = request.app[STATE]
    shop = await _authorise(request, state)
    if isinstance(shop, web.Response):
        return shop
    body = orjson.loads(await request.read())
    message_id = f"msg{next(_ids)}"
    conversation = request.match_info["conversation_id"]
    state.sent.append(
        {"shop_id": shop.shop_id, "message_id": message_id, "conversation_id": conversation, **body}
    )
    return _ok({"message_id": message_id})


async def refresh_token(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.token_calls += 1
    params = request.query
    if params.get("app_key") != state.app_key or params.get("app_secret") != state.app_secret:
        return _error(401, 106001, "invalid app_key or app_secret")
    shop_cipher = state.refresh_tokens.pop(params.get("refresh_token", ""), None)
    if shop_cipher is None or params.get("grant_type") != "refresh_token":
        return _error(400, 36004005, "invalid or used refresh_token")
    shop, n, now = state.shops[shop_cipher], next(_ids), int(time.time())
    shop.token, new_refresh = f"tts-access-{n}", f"tts-refresh-{n}"
    state.refresh_tokens[new_refresh] = shop_cipher
    return _ok(
        {
            "access_token": shop.token,
            "access_token_expire_in": now + 7 * 86_400,
            "refresh_token": new_refresh,
            "refresh_token_expire_in": now + 60 * 86_400,
        }
    )


def _package_order(state: TikTokState, shop: SimShop, package_id: str) -> dict[str, Any] | None:
    for order in state.orders[shop.shop_id].values():
        if any(p.get("id") == package_id for p in order.get("packages", [])):
            return order
    return None


ARRANGED = ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED")


async def ship_package(request: web.Request) -> web.Response:
    state = request.app[STATE]
    shop = await _authorise(request, state)
    if isinstance(shop, web.Response):
        return shop
    package_id = request.match_info["package_id"]
    order = _package_order(state, shop, package_id)
    if order is None:
        return _error(400, 21001001, "package not found")
    state.ship_calls[package_id] = state.ship_calls.get(package_id, 0) + 1
    if order["status"] != "AWAITING_SHIPMENT":
        return _error(400, 21023046, f"package cannot be shipped in status {order['status']}")
    state.put_order(shop.shop_id, order["id"], "AWAITING_COLLECTION",
                    tracking_number=f"TTVN{next(_ids):08d}")  # fmt: skip
    if state.lose_next_ship_answer:
        state.lose_next_ship_answer = False
        return _error(500, 1000005, "internal error (the shipment was arranged)")
    return _ok({})


async def shipping_documents(request: web.Request) -> web.Response:
    state = request.app[STATE]
    shop = await _authorise(request, state)
    if isinstance(shop, web.Response):
        return shop
    package_id = request.match_info["package_id"]
    order = _package_order(state, shop, package_id)
    if order is None:
        return _error(400, 21001001, "package not found")
    if order["status"] not in ARRANGED:
        return _error(400, 21023035, "shipment not arranged")
    url = f"{request.url.origin()}/sim-documents/{package_id}.pdf"
    return _ok({"doc_url": url, "tracking_number": order.get("tracking_number", "")})


async def document(request: web.Request) -> web.Response:
    """The label behind doc_url: a pre-signed link, no TikTok auth (a minimal PDF)."""
    package_id = request.match_info["package_id"]
    body = LABEL_PDF.replace(b"PACKAGE", package_id.encode())
    return web.Response(body=body, content_type="application/pdf")


LABEL_PDF = (
    b"%PDF-1.4\n% TikTok Shop shipping label PACKAGE\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
)
STATE = web.AppKey("tiktok_state", TikTokState)


def create_app(state: TikTokState) -> web.Application:
    app = web.Application()
    app[STATE] = state
    app.router.add_post("/order/202309/orders/search", search)
    app.router.add_get("/order/202309/orders", details)
    app.router.add_get("/api/v2/token/refresh", refresh_token)
    add_login_routes(app, state.login, state)
    app.router.add_post(
        "/customer_service/202309/conversations/{conversation_id}/messages", send_message
    )
    app.router.add_post("/fulfillment/202309/packages/{package_id}/ship", ship_package)
    app.router.add_get(
        "/fulfillment/202309/packages/{package_id}/shipping_documents", shipping_documents
    )
    app.router.add_get("/sim-documents/{package_id}.pdf", document)
    return app


def _order_data(kind: NotificationType, order: dict[str, Any]) -> dict[str, Any]:
    """The `data` of each order notification, shaped as its Partner Center page documents."""
    order_id, updated = order["id"], order["update_time"]
    if kind is NotificationType.ORDER_STATUS_CHANGE:
        return {"order_id": order_id, "order_status": order["status"],
                "is_on_hold_order": False, "update_time": updated}  # fmt: skip
    if kind is NotificationType.CANCELLATION_STATUS_CHANGE:
        return {"order_id": order_id, "cancellations_role": "BUYER",
                "cancel_status": "CANCELLATION_REQUEST_SUCCESS",
                "cancel_id": f"c{order_id}", "create_time": updated}  # fmt: skip
    if kind is NotificationType.RETURN_STATUS_CHANGE:
        return {"order_id": order_id, "return_role": "BUYER", "return_type": "REFUND",
                "return_status": "RETURN_OR_REFUND_REQUEST_PENDING", "return_id": f"r{order_id}",
                "create_time": updated, "update_time": updated}  # fmt: skip
    return {"order_id": order_id, "update_time": updated}  # recipient address update


def notification(
    shop_id: str,
    order: dict[str, Any],
    kind: NotificationType = NotificationType.ORDER_STATUS_CHANGE,
) -> bytes:
    """A webhook body about `order` as it is now (TikTok's notification id is unique per send;
    the documented recipient-address example has none, so neither has this one)."""
    envelope: dict[str, Any] = {"type": int(kind), "tts_notification_id": f"tts{next(_ids)}"}
    if kind is NotificationType.RECIPIENT_ADDRESS_UPDATE:
        del envelope["tts_notification_id"]
    envelope.update(shop_id=shop_id, timestamp=int(time.time()), data=_order_data(kind, order))
    return orjson.dumps(envelope)


def deauthorization(shop_id: str) -> bytes:
    """The seller took the app's authorization back (type 6)."""
    message = f"Shop_id {shop_id} is deauthorized from your APP by merchant."
    return orjson.dumps(
        {"type": int(NotificationType.SELLER_DEAUTHORIZATION),
         "tts_notification_id": f"tts{next(_ids)}", "shop_id": shop_id,
         "timestamp": int(time.time()), "data": {"message": message}}
    )  # fmt: skip


def webhook_headers(state: TikTokState, body: bytes) -> dict[str, str]:
    signature = sign_webhook(state.app_key, state.app_secret.encode(), body)
    return {WEBHOOK_HEADER: signature, "Content-Type": "application/json"}


async def post_notification(
    http: aiohttp.ClientSession, url: str, state: TikTokState, body: bytes
) -> int:
    async with http.post(url, data=body, headers=webhook_headers(state, body)) as response:
        await response.read()
        return response.status
