"""Security headers on every response the web process sends, whatever produced it.

A signal handler (not a middleware) so that static files, 404s of unknown paths and error pages
raised as HTTPException get them too. Pages that set a stricter policy of their own (the buyer
page's no-referrer, the staff pages' no-store) keep theirs: only missing headers are added.
"""

from __future__ import annotations

from aiohttp import web

# No inline scripts or styles anywhere: every script is a file under /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
DEFAULT_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP level 2
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


SERVER = (
    "chotdon"  # aiohttp would name itself and its version: nothing to look vulnerabilities up by
)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER
    for name, value in DEFAULT_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.secure or request.headers.get("X-Forwarded-Proto") == "https":
        response.headers.setdefault("Strict-Transport-Security", HSTS)


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(add_security_headers)
