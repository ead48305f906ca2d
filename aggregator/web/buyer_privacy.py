"""The buyer's own data, from their order link: GET /o/{token}/du-lieu shows it, GET
/o/{token}/du-lieu.json downloads it, POST /o/{token}/du-lieu/xoa asks for its erasure.

The signed token is the key, as on the order page, and the erasure form carries the same kind of
proof (HMAC of the token and a nonce kept in a SameSite=Strict cookie on this path).
"""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp_jinja2
import orjson
import structlog
from aiohttp import web

from aggregator.confirmation.errors import BuyerFacingError, FormExpiredError
from aggregator.confirmation.links import form_key
from aggregator.confirmation.summary import VIETNAM
from aggregator.core.links import check_form_proof, form_proof
from aggregator.core.money import format_vnd
from aggregator.errors import NotFoundError
from aggregator.orders.privacy_requests import export_for_buyer, request_erasure, show_to_buyer
from aggregator.web.buyer import SECURITY_HEADERS, STATUS_TEXT, _order_id, _problem_page
from aggregator.web.forms import posted_form
from aggregator.web.keys import PG_POOL, SETTINGS

log = structlog.get_logger()
DATA_COOKIE = "cd_data"
REQUEST_STATUS = {"open": "Đang chờ hợp tác xã xử lý", "done": "Đã xong",
                  "refused": "Hợp tác xã từ chối"}  # fmt: skip
REQUEST_KIND = {"erase": "Yêu cầu xoá dữ liệu", "export": "Tải dữ liệu về"}


def _vn(moment: Any) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y") if moment else ""


async def data_page(request: web.Request) -> web.StreamResponse:
    try:
        order_id = _order_id(request)
        found, data = await show_to_buyer(request.app[PG_POOL], order_id)
    except BuyerFacingError as exc:
        return _problem_page(request, exc)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    token = request.match_info["token"]
    nonce = request.cookies.get(DATA_COOKIE) or secrets.token_urlsafe(18)
    context = {
        "found": found, "data": data, "token": token, "vn": _vn, "vnd": format_vnd,
        "proof": form_proof(form_key(request.app[SETTINGS]), token, nonce),
        "status_text": STATUS_TEXT, "request_status": REQUEST_STATUS, "request_kind": REQUEST_KIND,
        "done": request.query.get("done", ""),
        "open_erasure": any(r["kind"] == "erase" and r["status"] == "open"
                            for r in data["requests"]),
    }  # fmt: skip
    response = aiohttp_jinja2.render_template("buyer_privacy.html", request, context)
    response.headers.update(SECURITY_HEADERS)
    response.set_cookie(
        DATA_COOKIE, nonce, path=request.path, httponly=True, samesite="Strict",
        secure=request.app[SETTINGS].base_url.startswith("https://"),
        max_age=request.app[SETTINGS].buyer_link_ttl_s,
    )  # fmt: skip
    return response


async def data_download(request: web.Request) -> web.StreamResponse:
    try:
        order_id = _order_id(request)
        data = await export_for_buyer(request.app[PG_POOL], order_id)
    except BuyerFacingError as exc:
        return _problem_page(request, exc)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    body = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="du-lieu-don-{data["don"]}.json"',
    }
    return web.Response(body=body, content_type="application/json", headers=headers)


async def ask_erasure(request: web.Request) -> web.StreamResponse:
    try:
        order_id = _order_id(request)
        form = await posted_form(request)
        token = request.match_info["token"]
        nonce = request.cookies.get(DATA_COOKIE, "")
        proof = form.get("proof")
        key = form_key(request.app[SETTINGS])
        if not check_form_proof(key, token, nonce, proof if isinstance(proof, str) else ""):
            raise FormExpiredError("data form proof does not match the cookie")
        await request_erasure(
            request.app[PG_POOL], order_id, request.app[SETTINGS].privacy_request_days
        )
    except BuyerFacingError as exc:
        return _problem_page(request, exc)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    raise web.HTTPSeeOther(location=f"/o/{token}/du-lieu?done=xoa")


def setup(app: web.Application) -> None:
    app.router.add_get("/o/{token}/du-lieu", data_page, name="buyer_data")
    app.router.add_get("/o/{token}/du-lieu.json", data_download, name="buyer_data_download")
    app.router.add_post("/o/{token}/du-lieu/xoa", ask_erasure, name="buyer_data_erase")
