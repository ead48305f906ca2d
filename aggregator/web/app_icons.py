"""The favicon and the web manifest, so staff can add chotdon to a phone's home screen.

/favicon.ico is asked for by every browser at the site's root (a 404 on every page before);
/manifest.webmanifest names the app in Vietnamese and opens the login page, which sends each
role to its own home (the packing queue for a packer, the dashboard for a director).
"""

from __future__ import annotations

from pathlib import Path

import orjson
from aiohttp import web

ICONS = Path(__file__).parent / "static" / "icons"
CACHE = {"Cache-Control": "public, max-age=86400"}
MANIFEST = {
    "name": "chotdon · chốt đơn livestream",
    "short_name": "chotdon",
    "description": "Đơn hàng từ buổi live Facebook, TikTok, Zalo của hợp tác xã",
    "lang": "vi",
    "start_url": "/dang-nhap",
    "scope": "/",
    "display": "standalone",
    "background_color": "#f5f6f4",
    "theme_color": "#1f5c3a",
    "icons": [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icons/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}
MANIFEST_BODY = orjson.dumps(MANIFEST)


async def favicon(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        ICONS / "favicon.ico", headers={**CACHE, "Content-Type": "image/x-icon"}
    )


async def manifest(_request: web.Request) -> web.Response:
    return web.Response(body=MANIFEST_BODY, content_type="application/manifest+json", headers=CACHE)


def setup(app: web.Application) -> None:
    app.router.add_get("/favicon.ico", favicon, name="favicon")
    app.router.add_get("/manifest.webmanifest", manifest, name="web_manifest")
