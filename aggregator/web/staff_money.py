"""Money and messages pages: GET/POST /cai-dat/thanh-toan (the director's money rules: from which
"bom hàng" risk buyers must transfer first, the payment deadline, the delivery fee), and
GET /gui-tay with POST /gui-tay/{id}/da-gui (messages to send by hand, one-tap copy)."""

from __future__ import annotations

from aiohttp import web

from aggregator.core.prepay import (
    MAX_PAYMENT_HOURS,
    RISK_CHOICES,
    MoneyRules,
    MoneyRulesError,
    rules_from_form,
)
from aggregator.core.reports import local
from aggregator.core.staff import Area
from aggregator.orders.money import load_money_rules, save_money_rules
from aggregator.staff.accounts import StaffUser
from aggregator.staff.by_hand import mark_sent_by_hand, messages_to_send
from aggregator.staff.data_access import PHONE, log_reads
from aggregator.staff.reports import PLATFORM_TEXT
from aggregator.web.keys import STAFF_PG_POOL
from aggregator.web.paths import path_id
from aggregator.web.staff_auth import render, staff_page


def _rules_page(
    request: web.Request, staff: StaffUser, rules: MoneyRules, *, status: int = 200,
    notice: str = "", error: str = "",
) -> web.Response:  # fmt: skip
    context = {
        "staff": staff, "csrf": staff.csrf_token, "rules": rules, "choices": RISK_CHOICES,
        "max_hours": MAX_PAYMENT_HOURS, "notice": notice, "error": error,
    }  # fmt: skip
    return render(request, "staff_money.html", context, status=status)


@staff_page(Area.SETUP)
async def money_rules_page(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        rules = await load_money_rules(conn, staff.tenant_id)
    notice = "Đã lưu cài đặt thanh toán." if request.query.get("done") == "saved" else ""
    return _rules_page(request, staff, rules, notice=notice)


@staff_page(Area.SETUP)
async def save_rules(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    form = await request.post()

    def text(name: str) -> str:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""

    try:
        rules = rules_from_form(text("risk"), text("hours"), text("fee"))
    except MoneyRulesError as exc:
        async with request.app[STAFF_PG_POOL].acquire() as conn:
            current = await load_money_rules(conn, staff.tenant_id)
        return _rules_page(request, staff, current, status=422, error=str(exc))
    async with request.app[STAFF_PG_POOL].acquire() as conn:
        await save_money_rules(conn, staff.tenant_id, rules)
    raise web.HTTPSeeOther(location="/cai-dat/thanh-toan?done=saved")


@staff_page(Area.ORDERS)
async def by_hand(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    messages = await messages_to_send(request.app[STAFF_PG_POOL], staff)
    shown = [m["order_id"] for m in messages if m["order_id"] and m["buyer_phone"]]
    await log_reads(request.app[STAFF_PG_POOL], staff, shown, [PHONE], "by_hand")
    context = {
        "staff": staff, "csrf": staff.csrf_token, "local": local, "platform_text": PLATFORM_TEXT,
        "messages": messages,
        "notice": "Đã đánh dấu là đã gửi." if request.query.get("done") == "sent" else "",
    }  # fmt: skip
    return render(request, "staff_by_hand.html", context)


@staff_page(Area.ORDERS)
async def sent(request: web.Request, staff: StaffUser) -> web.StreamResponse:
    if not await mark_sent_by_hand(request.app[STAFF_PG_POOL], staff, path_id(request)):
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther(location="/gui-tay?done=sent")


def setup(app: web.Application) -> None:
    app.router.add_get("/cai-dat/thanh-toan", money_rules_page, name="staff_money_rules")
    app.router.add_post("/cai-dat/thanh-toan", save_rules, name="staff_money_rules_save")
    app.router.add_get("/gui-tay", by_hand, name="staff_by_hand")
    app.router.add_post("/gui-tay/{id}/da-gui", sent, name="staff_by_hand_sent")
