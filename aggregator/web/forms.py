"""Reading a posted form: the one way handlers do it, so a body that cannot be read as a form is
a 400 for everyone, never a 500.

aiohttp's `request.post()` raises LookupError for a charset Python does not know
(`charset=nope`), ValueError for multipart without a boundary or whose parts are cut or malformed,
and UnicodeDecodeError (a ValueError) for bytes that are not the declared charset: all things a
browser never sends, so the answer is a short Vietnamese text, not the page. Nor does a browser
send a NUL in a field (nobody can type one), and Postgres text cannot hold one: such a form is
refused here too, before any handler passes the value on.
"""

from __future__ import annotations

import structlog
from aiohttp import web
from multidict import MultiDictProxy

log = structlog.get_logger()
UNREADABLE_FORM = "Biểu mẫu gửi lên không đọc được. Hãy tải lại trang rồi gửi lại."
FormValue = str | bytes | bytearray | web.FileField  # what aiohttp's post() holds


async def posted_form(request: web.Request) -> MultiDictProxy[FormValue]:
    """The posted fields (urlencoded or multipart); 400 when the body is not a readable form."""
    try:
        form = await request.post()
    except (LookupError, ValueError) as exc:
        log.info("http.form_unreadable", path=request.path, error=type(exc).__name__)
        raise web.HTTPBadRequest(text=UNREADABLE_FORM) from None
    if any("\x00" in k or (isinstance(v, str) and "\x00" in v) for k, v in form.items()):
        log.info("http.form_unreadable", path=request.path, error="nul")
        raise web.HTTPBadRequest(text=UNREADABLE_FORM)
    return form
