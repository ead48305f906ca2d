"""The simulators' stand-in for a platform's login and consent screen (Facebook, Zalo, TikTok).

The real screens are the platforms' own; this one shows what the person grants and two buttons.
Allowing redirects to the app's redirect URI with a code and the state, refusing with the
platform's documented error parameters, exactly as the real redirect would.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web


def redirect_to(uri: str, params: dict[str, str]) -> web.HTTPFound:
    """`uri` with `params` added to its query (the platform's redirect back to the app)."""
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return web.HTTPFound(urlunsplit(parts._replace(query=query)))


def consent_page(
    platform: str, account: str, grants: list[str], action: str, hidden: dict[str, str]
) -> web.Response:
    """A small page: who is asking, what is granted, Allow / Refuse (a form POST to `action`)."""
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in hidden.items()
    )
    items = "".join(f"<li>{html.escape(g)}</li>" for g in grants)
    body = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(platform)} (giả lập)</title></head>
<body style="font-family:sans-serif;max-width:28rem;margin:1rem auto;padding:0 1rem">
<h1 style="font-size:1.3rem">{html.escape(platform)} (giả lập)</h1>
<p>Đăng nhập với tài khoản <strong>{html.escape(account)}</strong>. chotdon xin quyền:</p>
<ul id="grants">{items}</ul>
<form method="post" action="{html.escape(action)}">{fields}
<button type="submit" name="decision" value="allow" id="sim-allow"
 style="font-size:1.1rem;padding:.6rem 1.2rem">Cho phép</button>
<button type="submit" name="decision" value="deny" id="sim-deny">Từ chối</button>
</form></body></html>"""
    return web.Response(text=body, content_type="text/html")
