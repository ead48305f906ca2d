"""Errors a person reads in a browser, in Vietnamese: 404, 403, 405 and 500 pages.

Only pages are touched: webhooks, the relay, the JSON API, health and metrics keep their
machine answers (platforms and monitors read those, not people). A handler that raised an
HTTP error with its own words (a Vietnamese 413 for a photo too large) keeps them; only
aiohttp's default English text ("404: Not Found") is replaced.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp_jinja2
import structlog
from aiohttp import web

log = structlog.get_logger()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MACHINE_PREFIXES = ("/api/", "/webhooks/", "/relay/", "/healthz", "/metrics", "/static/")
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
# status -> (title, what to do)
ERROR_TEXT = {
    400: (
        "Yêu cầu không hợp lệ",
        "Trang nhận được dữ liệu không đọc được. Hãy quay lại và thử lại.",
    ),
    403: ("Không có quyền", "Bạn không có quyền mở trang này."),
    404: (
        "Không tìm thấy trang",
        "Trang này không có hoặc đã bị xoá. Hãy kiểm tra lại đường link.",
    ),
    405: ("Không mở được theo cách này", "Hãy quay lại trang trước và dùng nút trên trang."),
    409: ("Đơn vừa thay đổi", "Dữ liệu vừa thay đổi. Hãy tải lại trang rồi làm lại."),
    422: ("Dữ liệu chưa đúng", "Hãy quay lại, kiểm tra các ô đã nhập rồi gửi lại."),
    429: ("Thử lại sau ít phút", "Có quá nhiều yêu cầu cùng lúc. Hãy đợi một lát rồi thử lại."),
    503: ("Máy chủ đang bận", "Hãy thử lại sau ít giây."),
    500: ("Có lỗi ở máy chủ", "Máy chủ gặp lỗi khi mở trang. Hãy thử lại sau ít phút."),
}


# Data a page's script fetches (the address picker's /dia-chi/<province>.json): its errors stay
# what the route documents, never an HTML page. Downloads a person opens (PDF, CSV) keep pages.
MACHINE_SUFFIXES = (".json",)


def _for_people(request: web.Request) -> bool:
    path = request.path
    return not path.startswith(MACHINE_PREFIXES) and not path.endswith(MACHINE_SUFFIXES)


def _default_text(exc: web.HTTPException) -> bool:
    return exc.text in (None, "", f"{exc.status}: {exc.reason}")


def error_page(request: web.Request, status: int) -> web.Response:
    title, advice = ERROR_TEXT.get(status, ERROR_TEXT[500 if status >= 500 else 400])
    buyer = request.path.startswith("/o/")  # a buyer's link: no staff login to offer
    context = {"status": status, "title": title, "advice": advice, "buyer": buyer}
    response = aiohttp_jinja2.render_template("error.html", request, context, status=status)
    response.headers.update(PAGE_HEADERS)
    return response


@web.middleware
async def vietnamese_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Aiohttp's English error bodies and unexpected exceptions become Vietnamese pages."""
    if not _for_people(request):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not _default_text(exc) or exc.status not in ERROR_TEXT:
            raise
        return error_page(request, exc.status)
    except Exception:
        log.exception("http.page_failed", path=request.path)
        return error_page(request, 500)
    if _json_error_to_a_browser(request, response):
        # a domain error (map_errors answers JSON in English) on a page a person opened
        return error_page(request, response.status)
    return response


def _json_error_to_a_browser(request: web.Request, response: web.StreamResponse) -> bool:
    """A browser navigating asks for text/html; a page's own fetch() does not."""
    return (
        response.status >= 400
        and response.content_type == "application/json"
        and "text/html" in request.headers.get("Accept", "")
    )
