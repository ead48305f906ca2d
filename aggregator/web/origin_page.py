"""The public origin page of a batch: GET /nguon-goc/{code} (and /nguon-goc/{code}/chung-nhan/{id},
the scanned certificate). Opened from the buyer's order page and the QR on the packing slip.

No login: the code is an unguessable random string per batch. The page shows the cooperative,
the product, place, dates and certificates, never an order or a buyer.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from aggregator.core.origin import CERT_KIND_TEXT, vn_day
from aggregator.staff.origin import public_certificate_file, public_origin
from aggregator.web.keys import PG_POOL
from aggregator.web.paths import path_id

HEADERS = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer"}  # fmt: skip


def _code(request: web.Request) -> str:
    code = request.match_info["code"]
    if not (8 <= len(code) <= 40 and code.isascii()):
        raise web.HTTPNotFound()
    return code


async def origin(request: web.Request) -> web.StreamResponse:
    found = await public_origin(request.app[PG_POOL], _code(request))
    if found is None:
        return aiohttp_jinja2.render_template("origin_missing.html", request, {}, status=404)
    context = {"batch": found.batch, "certificates": found.certificates, "day": vn_day,
               "kinds": CERT_KIND_TEXT, "code": _code(request)}  # fmt: skip
    response = aiohttp_jinja2.render_template("origin_public.html", request, context)
    response.headers.update(HEADERS)
    return response


async def certificate_file(request: web.Request) -> web.StreamResponse:
    found = await public_certificate_file(
        request.app[PG_POOL], _code(request), path_id(request, "cert")
    )
    if found is None:
        raise web.HTTPNotFound()
    return web.Response(body=found.data, content_type=found.content_type, headers=HEADERS)


def setup(app: web.Application) -> None:
    app.router.add_get("/nguon-goc/{code}", origin, name="origin_public")
    app.router.add_get(
        "/nguon-goc/{code}/chung-nhan/{cert}", certificate_file, name="origin_certificate"
    )
