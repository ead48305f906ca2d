"""Product photos on the buyer's order page: GET /o/{token}/anh/{product_id}.

The buyer's signed link is the key, as for the page itself: it opens the photos of the products
on its own order and nothing else of the cooperative (another product, or a bad or expired link,
answers 404 without saying which). The photo was shrunk and re-encoded when the director uploaded
it (aggregator.staff.photos), so the bytes are served as stored. Its address carries the photo's
version (?v=), so a phone may keep it a day; a new upload changes the address.
"""

from __future__ import annotations

import structlog
from aiohttp import web

from aggregator.confirmation.links import open_token
from aggregator.core.links import LinkError
from aggregator.web.keys import PG_POOL, SETTINGS
from schema.queries import query

log = structlog.get_logger()
PHOTO_HEADERS = {
    "Cache-Control": "private, max-age=86400",
    "Referrer-Policy": "no-referrer",  # the link is the key: never leak it in a Referer
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


async def product_photo(request: web.Request) -> web.Response:
    product = request.match_info["product_id"]
    if not product.isdecimal() or len(product) > 18:
        raise web.HTTPNotFound()
    try:
        order_id = open_token(request.app[SETTINGS], request.match_info["token"])
    except LinkError as exc:
        log.info("buyer.photo_link_refused", problem=exc.problem.value)
        raise web.HTTPNotFound() from None
    row = await request.app[PG_POOL].fetchrow(query("photo_for_buyer_page"), order_id, int(product))
    if row is None:
        raise web.HTTPNotFound()
    return web.Response(body=row["data"], content_type=row["content_type"], headers=PHOTO_HEADERS)


def setup(app: web.Application) -> None:
    app.router.add_get("/o/{token}/anh/{product_id}", product_photo, name="buyer_product_photo")
