"""The simulated couriers' HTTP endpoints, in each courier's own paths and envelopes."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web
from unidecode import unidecode
from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

from schema.enums import Courier

if TYPE_CHECKING:
    from connectors.simulators.couriers import CourierSimulator

GHN = "/shiip/public-api"
G, T, V = Courier.GHN, Courier.GHTK, Courier.VIETTELPOST
VTP_PRINT_PATH = "/DigitalizePrint/report.do"
LABEL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n%%EOF\n"


def _name_key(name: str) -> str:
    folded = unidecode(name).lower().strip()
    for prefix in ("thanh pho ", "tinh ", "phuong ", "xa ", "dac khu "):
        folded = folded.removeprefix(prefix)
    return folded


@cache
def _wards_2025() -> frozenset[tuple[str, str]]:
    """(province, ward) names of the 2025 units, as GHN's master data knows them."""
    data = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    return frozenset((_name_key(p["name"]), _name_key(w["name"])) for p in data for w in p["wards"])


def known_ward(province: str, ward: str) -> bool:
    return (_name_key(province), _name_key(ward)) in _wards_2025()


def json_reply(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def ghn_ok(data: Any) -> web.Response:
    return json_reply({"code": 200, "message": "Success", "data": data})


def ghn_error(message: str, code_message: str = "USER_ERR_COMMON") -> web.Response:
    return json_reply(
        {"code": 400, "message": message, "data": None, "code_message": code_message}, 400
    )


def ghtk_error(message: str, status: int = 200, **extra: Any) -> web.Response:
    return json_reply({"success": False, "message": message, **extra}, status)


def vtp_reply(data: Any = None, *, message: str = "OK", error: bool = False) -> web.Response:
    return json_reply({"status": 200 if not error else 204, "error": error, "message": message,
                       "data": data})  # fmt: skip


def add_routes(app: web.Application, sim: CourierSimulator) -> None:
    for api in (GhnApi(sim), GhtkApi(sim), VtpApi(sim)):
        api.register(app)


class GhnApi:
    def __init__(self, sim: CourierSimulator) -> None:
        self.sim = sim
        self.print_tokens: dict[str, list[str]] = {}

    async def create(self, request: web.Request) -> web.Response:
        sim = self.sim
        if not sim.authorised(G, request):
            return json_reply({"code": 401, "message": "Token is invalid"}, 401)
        body = await _json(request)
        code = str(body.get("client_order_code") or "")
        if not code or not body.get("to_phone"):
            return ghn_error("client_order_code and to_phone are required")
        sim.create_calls += 1
        ward = str(body.get("to_ward_name") or "")
        if ward in sim.faults.refused_wards or (
            body.get("is_new_to_address")
            and not known_ward(str(body.get("to_province_name") or ""), ward)
        ):  # GHN checks names against its master data
            return ghn_error(
                "Phường/Xã không hợp lệ hoặc không thuộc Tỉnh/Thành", "WARD_IS_INVALID"
            )
        parcel = sim.find(G, code)
        if parcel is None:  # GHN: resending a client_order_code returns the same order_code
            parcel = sim.accept(G, code, int(body.get("cod_amount") or 0), body)
            await sim.maybe_stall()
        return ghn_ok({"order_code": parcel.tracking_code, "total_fee": parcel.fee_vnd})

    async def by_client_code(self, request: web.Request) -> web.Response:
        sim = self.sim
        body = await _json(request)
        parcel = sim.parcels.get((G, str(body.get("client_order_code"))))
        if not sim.authorised(G, request) or parcel is None:
            return ghn_error("Order not found")
        return ghn_ok(_ghn_detail(parcel))

    async def detail(self, request: web.Request) -> web.Response:
        sim = self.sim
        parcel = sim.by_tracking.get((G, str((await _json(request)).get("order_code"))))
        return ghn_ok(_ghn_detail(parcel)) if parcel else ghn_error("Order not found")

    async def cancel(self, request: web.Request) -> web.Response:
        sim = self.sim
        codes = (await _json(request)).get("order_codes") or []
        results = []
        for code in codes:
            parcel = sim.by_tracking.get((G, str(code)))
            ok = parcel is not None and parcel.status in {"ready_to_pick", "picking"}
            if ok and parcel is not None:
                parcel.status = "cancel"
            results.append({"order_code": code, "result": ok, "message": "" if ok else "no"})
        return ghn_ok(results)

    async def fee(self, request: web.Request) -> web.Response:
        return ghn_ok({"total": 22_000, "service_fee": 22_000, "insurance_fee": 0})

    async def gen_token(self, request: web.Request) -> web.Response:
        codes = [str(c) for c in (await _json(request)).get("order_codes") or []]
        if not self.sim.authorised(G, request) or not codes:
            return ghn_error("order_codes is required")
        if any(self.sim.by_tracking.get((G, c)) is None for c in codes):
            return ghn_error("Order not found")
        token = f"print-{len(self.print_tokens) + 1}"
        self.print_tokens[token] = codes
        return ghn_ok({"token": token})

    async def print_a5(self, request: web.Request) -> web.Response:
        """GHN's print page: one A5 label per parcel of the token (HTML, as GHN serves it)."""
        codes = self.print_tokens.get(request.query.get("token", ""))
        if codes is None:
            return web.Response(status=404, text="token expired")
        labels = "".join(f"<section><h1>GHN</h1><p>{c}</p></section>" for c in codes)
        return web.Response(text=f"<!doctype html><title>In đơn</title>{labels}",
                            content_type="text/html")  # fmt: skip

    def register(self, app: web.Application) -> None:
        for path, handler in [
            ("/v2/shipping-order/create", self.create),
            ("/v2/shipping-order/detail-by-client-code", self.by_client_code),
            ("/v2/shipping-order/detail", self.detail),
            ("/v2/switch-status/cancel", self.cancel),
            ("/v2/shipping-order/fee", self.fee),
            ("/v2/a5/gen-token", self.gen_token),
        ]:
            app.router.add_post(GHN + path, handler)
        app.router.add_get("/a5/public-api/printA5", self.print_a5)


def _ghn_detail(parcel: Any) -> dict[str, Any]:
    return {
        "order_code": parcel.tracking_code,
        "client_order_code": parcel.client_code,
        "status": parcel.status,
        "total_fee": parcel.fee_vnd,
        "cod_amount": parcel.cod_vnd,
        "updated_date": parcel.updated_at.isoformat(),
    }


class GhtkApi:
    def __init__(self, sim: CourierSimulator) -> None:
        self.sim = sim

    async def create(self, request: web.Request) -> web.Response:
        sim = self.sim
        if not sim.authorised(T, request):
            return ghtk_error("Token không hợp lệ", 401, error_code=20101)
        order = (await _json(request)).get("order") or {}
        code = str(order.get("id") or "")
        if not code:
            return ghtk_error("Thiếu order.id", 422, error_code=30101)
        sim.create_calls += 1
        existing = sim.find(T, code)
        if existing is not None:
            return ghtk_error("Mã đơn hàng đã tồn tại", error={
                "code": "ORDER_ID_EXIST", "partner_id": code,
                "ghtk_label": existing.tracking_code, "status": existing.status,
            })  # fmt: skip
        parcel = sim.accept(T, code, int(order.get("pick_money") or 0), order)
        await sim.maybe_stall()
        return json_reply({"success": True, "message": "", "order": {
            "partner_id": code, "label": parcel.tracking_code, "fee": parcel.fee_vnd,
            "insurance_fee": 0, "status_id": 2,
        }})  # fmt: skip

    async def status(self, request: web.Request) -> web.Response:
        sim = self.sim
        ref = request.match_info["ref"]
        parcel = sim.find(T, ref.removeprefix("partner_id:"))
        if not sim.authorised(T, request) or parcel is None:
            return ghtk_error("Không tìm thấy đơn hàng", 200, error_code=40101)
        return json_reply({"success": True, "order": {
            "label_id": parcel.tracking_code, "partner_id": parcel.client_code,
            "status": parcel.status, "modified": parcel.updated_at.isoformat(),
            "pick_money": parcel.cod_vnd, "ship_money": parcel.fee_vnd,
        }})  # fmt: skip

    async def cancel(self, request: web.Request) -> web.Response:
        sim = self.sim
        parcel = sim.find(T, request.match_info["ref"].removeprefix("partner_id:"))
        if parcel is None or parcel.status not in {"1", "2", "12"}:
            return ghtk_error("Đơn đã lấy hàng, không thể hủy đơn.")
        parcel.status = "-1"
        return json_reply({"success": True, "message": ""})

    async def fee(self, request: web.Request) -> web.Response:
        return json_reply({"success": True, "fee": {"name": "area1", "fee": 19_000}})

    async def label(self, request: web.Request) -> web.Response:
        sim = self.sim
        if sim.find(T, request.match_info["label"]) is None:
            return ghtk_error("Không tìm thấy", 200, error_code=40102)
        return web.Response(body=LABEL_PDF, content_type="application/pdf")

    def register(self, app: web.Application) -> None:
        app.router.add_post("/services/shipment/order/", self.create)
        app.router.add_get("/services/shipment/v2/{ref}", self.status)
        app.router.add_post("/services/shipment/cancel/{ref}", self.cancel)
        app.router.add_get("/services/shipment/fee", self.fee)
        app.router.add_get("/services/label/{label}", self.label)


class VtpApi:
    def __init__(self, sim: CourierSimulator) -> None:
        self.sim = sim
        self.print_codes: dict[str, list[str]] = {}

    async def create(self, request: web.Request) -> web.Response:
        sim = self.sim
        if not sim.authorised(V, request):
            return vtp_reply(message="Token invalid", error=True)
        body = await _json(request)
        code = str(body.get("ORDER_NUMBER") or "")
        if not code or not body.get("RECEIVER_PHONE"):
            return vtp_reply(message="Incorrect data: RECEIVER_PHONE", error=True)
        sim.create_calls += 1
        if body.get("CHECK_UNIQUE") and sim.find(V, code) is not None:
            return vtp_reply(message="ORDER_NUMBER already exists", error=True)
        parcel = sim.accept(V, code, int(body.get("MONEY_COLLECTION") or 0), body)
        await sim.maybe_stall()
        return vtp_reply({"ORDER_NUMBER": parcel.tracking_code, "MONEY_TOTAL": parcel.fee_vnd,
                          "MONEY_COLLECTION": parcel.cod_vnd})  # fmt: skip

    async def update(self, request: web.Request) -> web.Response:
        sim = self.sim
        body = await _json(request)
        parcel = sim.by_tracking.get((V, str(body.get("ORDER_NUMBER"))))
        if parcel is None:
            return vtp_reply(message="Order does not exist", error=True)
        if body.get("TYPE") == 4:
            parcel.status = "107"
        return vtp_reply()

    async def price(self, request: web.Request) -> web.Response:
        return vtp_reply({"MONEY_TOTAL": 25_000, "MONEY_TOTAL_FEE": 23_000, "KPI_HT": 48})

    async def printing_code(self, request: web.Request) -> web.Response:
        codes = [str(c) for c in (await _json(request)).get("ORDER_ARRAY") or []]
        if not self.sim.authorised(V, request) or not codes:
            return vtp_reply(message="ORDER_ARRAY is required", error=True)
        if any(self.sim.by_tracking.get((V, c)) is None for c in codes):
            return vtp_reply(message="Order does not exist", error=True)
        code = f"vtp-print-{len(self.print_codes) + 1}"
        self.print_codes[code] = codes
        return vtp_reply(message=code)

    async def print_page(self, request: web.Request) -> web.Response:
        """Viettel Post's print page (report.do?type=…&bill=<print code>): one label a parcel."""
        codes = self.print_codes.get(request.query.get("bill", ""))
        if codes is None:
            return web.Response(status=404, text="bill expired")
        labels = "".join(f"<section><h1>Viettel Post</h1><p>{c}</p></section>" for c in codes)
        return web.Response(text=f"<!doctype html><title>In vận đơn</title>{labels}",
                            content_type="text/html")  # fmt: skip

    def register(self, app: web.Application) -> None:
        app.router.add_post("/v2/order/createOrderNlp", self.create)
        app.router.add_post("/v2/order/UpdateOrder", self.update)
        app.router.add_post("/v2/order/getPriceNlp", self.price)
        app.router.add_post("/v2/order/printing-code", self.printing_code)
        app.router.add_get(VTP_PRINT_PATH, self.print_page)
