"""The inbox of buyers' questions and messages.

A phone number a buyer wrote in a question is masked here: answering needs none, and the order
page (where reading it is recorded) shows it to whoever calls.

GET /hop-thu (?phien=<live id>, ?xem=mo|da-tra-loi|xong): items with the buyer's order beside
each; POST /hop-thu/{id}/tra-loi sends the answer typed (or the suggested one) privately;
POST /hop-thu/{id}/xong marks it done. GET/POST /phien-live/{id}/tra-loi-tu-dong: the director
switches each kind of automatic answer on or off for that live and edits its wording.
"""

from __future__ import annotations

from aiohttp import web

from aggregator.core.money import format_vnd
from aggregator.core.questions.kinds import QuestionKind
from aggregator.core.questions.wording import BLANK_NAME, BLANKS, KIND_TEXT
from aggregator.core.reports import local
from aggregator.core.staff import Area
from aggregator.errors import BadInputError, NotFoundError
from aggregator.logging import mask_phone_text
from aggregator.questions.staff import (
    VIEWS,
    answer_item,
    answer_settings,
    inbox,
    live_of,
    mark_done,
    save_answer_settings,
)
from aggregator.staff.accounts import StaffUser
from aggregator.web.forms import posted_form
from aggregator.web.keys import ARQ_POOL, STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page
from aggregator.web.staff_text import STATUS_TEXT

PLATFORM_TEXT = {"facebook": "Facebook", "tiktok": "TikTok", "zalo": "Zalo",
                 "relay": "TikTok", "manual": "Tại quầy"}  # fmt: skip
ITEM_KIND_TEXT = {**{k.value: v for k, v in KIND_TEXT.items()}, "message": "Tin nhắn"}
ITEM_STATUS_TEXT = {"open": "Chưa trả lời", "answered": "Đã trả lời",
                    "auto_answered": "Tự động trả lời", "done": "Xong"}  # fmt: skip
MESSAGE_STATUS_TEXT = {
    "pending": "đang gửi",
    "sent": "đã gửi",
    "failed": "nền tảng không nhận, hãy trả lời lại hoặc gọi cho khách",
}
NOTICES = {"sent": "Đã gửi câu trả lời riêng cho khách.", "done": "Đã đánh dấu xong.",
           "saved": "Đã lưu trả lời tự động."}  # fmt: skip


def _session(request: web.Request) -> int | None:
    text = request.query.get("phien", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 18 else None


async def _page(request: web.Request, staff: StaffUser, status: int = 200,
                problem: str = "", problem_item: int | None = None) -> web.Response:  # fmt: skip
    live_id, view = _session(request), request.query.get("xem", "mo")
    data = await inbox(request.app[STAFF_PG_POOL], staff, live_id, view)
    context = {
        "staff": staff, "csrf": staff.csrf_token, "view": view if view in VIEWS else "mo",
        "items": data.items, "counts": data.counts, "suggestions": data.suggestions,
        "lives": data.lives, "live_id": live_id,
        "local": local, "vnd": format_vnd, "kind_text": ITEM_KIND_TEXT, "masked": mask_phone_text,
        "item_status": ITEM_STATUS_TEXT, "order_status": STATUS_TEXT,
        "message_status": MESSAGE_STATUS_TEXT, "platform_text": PLATFORM_TEXT,
        "notice": NOTICES.get(request.query.get("da", ""), ""), "problem": problem,
        "problem_item": problem_item, "query": request.query_string,
    }  # fmt: skip
    return render(request, "staff_inbox.html", context, status=status)


def _back(request: web.Request, done: str) -> web.HTTPSeeOther:
    keep = {k: v for k, v in request.query.items() if k in ("phien", "xem")}
    tail = "".join(
        f"&{k}={v}" for k, v in keep.items() if v.isascii() and v.replace("-", "").isalnum()
    )
    return web.HTTPSeeOther(location=f"/hop-thu?da={done}{tail}")


@staff_page(Area.ORDERS)
async def inbox_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _page(request, staff)


@staff_page(Area.ORDERS)
async def answer(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    item_id = path_id(request)
    form = await posted_form(request)
    text = form.get("answer", "")
    try:
        await answer_item(request.app[STAFF_PG_POOL], request.app[ARQ_POOL], staff, item_id,
                          text if isinstance(text, str) else "")  # fmt: skip
    except NotFoundError:
        raise web.HTTPNotFound() from None
    except BadInputError as exc:
        return await _page(request, staff, 422, str(exc), item_id)
    raise _back(request, "sent")


@staff_page(Area.ORDERS)
async def done(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    try:
        await mark_done(request.app[STAFF_PG_POOL], staff, path_id(request))
    except NotFoundError:
        raise web.HTTPNotFound() from None
    raise _back(request, "done")


async def _settings(request: web.Request, staff: StaffUser, status: int = 200,
                    problem: str = "") -> web.Response:  # fmt: skip
    pool, live_id = request.app[STAFF_PG_POOL], path_id(request)
    try:
        live = await live_of(pool, staff, live_id)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    context = {
        "staff": staff, "csrf": staff.csrf_token, "live": live, "local": local,
        "kinds": await answer_settings(pool, staff, live_id), "kind_text": KIND_TEXT,
        "blanks": BLANKS, "blank_name": BLANK_NAME, "problem": problem,
        "saved": request.query.get("da") == "saved",
    }  # fmt: skip
    return render(request, "staff_answer_settings.html", context, status=status)


@staff_page(Area.SETUP)
async def settings_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    return await _settings(request, staff)


@staff_page(Area.SETUP)
async def save_settings(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = {k: v for k, v in (await posted_form(request)).items() if isinstance(v, str)}
    live_id = path_id(request)
    try:
        await save_answer_settings(request.app[STAFF_PG_POOL], staff, live_id, form)
    except NotFoundError:
        raise web.HTTPNotFound() from None
    except BadInputError as exc:
        return await _settings(request, staff, 422, str(exc))
    raise web.HTTPSeeOther(location=f"/phien-live/{live_id}/tra-loi-tu-dong?da=saved")


def setup(app: web.Application) -> None:
    app.router.add_get("/hop-thu", inbox_page, name="staff_inbox")
    app.router.add_post("/hop-thu/{id}/tra-loi", answer, name="staff_inbox_answer")
    app.router.add_post("/hop-thu/{id}/xong", done, name="staff_inbox_done")
    app.router.add_get("/phien-live/{id}/tra-loi-tu-dong", settings_page, name="staff_auto_answers")
    app.router.add_post("/phien-live/{id}/tra-loi-tu-dong", save_settings)


__all__ = ["QuestionKind", "setup"]
