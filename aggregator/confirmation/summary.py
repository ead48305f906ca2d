"""The buyer's message about their order: a short Vietnamese summary and their personal link."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aggregator.confirmation.view import OrderPage
from aggregator.core.money import format_vnd
from aggregator.core.shop_texts import TEMPLATES_SETTING, fill, template_text
from schema.enums import ItemStatus

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_LINES = 8
MAX_CHARS = 1900  # Messenger takes 2000, TikTok 2000, Zalo 2000
LINE_NOTE = {
    ItemStatus.WAITLISTED: " (tạm hết, đang chờ hàng)",
    ItemStatus.UNCLEAR: " (shop sẽ hỏi lại)",
}


def _item(line_name: str, qty: int, amount: int, status: ItemStatus) -> str:
    note = LINE_NOTE.get(status, "")
    price = f": {format_vnd(amount)}" if amount else ""
    return f"• {line_name} × {qty}{price}{note}"


def _lines(page: OrderPage) -> list[str]:
    items = [_item(ln.name, ln.qty, ln.amount_vnd, ln.status) for ln in page.lines]
    if len(items) > MAX_LINES:
        items = [*items[: MAX_LINES - 1], f"• … và {len(items) - MAX_LINES + 1} sản phẩm khác"]
    return items


def _shipping(page: OrderPage) -> str:
    if page.free_shipping:
        return "miễn phí giao hàng"
    if page.shipping_vnd:
        return f"phí giao hàng {format_vnd(page.shipping_vnd)}"
    if page.shipping_estimate_vnd:
        return f"phí giao hàng khoảng {format_vnd(page.shipping_estimate_vnd)}"
    return "phí giao hàng shop báo sau"


def summary_text(page: OrderPage, buyer_name: str, link: str) -> str:
    """Sent when an order is created or changed. Its first and last lines are the cooperative's
    own wording when its director changed them (core/shop_texts.py); the lines, total and link
    are always chotdon's."""
    values = {"htx": page.tenant_name, "ten": buyer_name, "madon": page.order_no}
    greeting = fill(template_text({TEMPLATES_SETTING: page.templates}, "greeting"), values)
    if not buyer_name and greeting.startswith(f"{page.tenant_name} chào!"):
        greeting = f"{page.tenant_name}:" + greeting.removeprefix(f"{page.tenant_name} chào!")
    text = "\n".join(
        [
            greeting,
            *_lines(page),
            f"Tạm tính {format_vnd(page.total_vnd)}, {_shipping(page)}.",
            f"Xác nhận và nhập địa chỉ tại đây (không cần đăng nhập): {link}",
            fill(template_text({TEMPLATES_SETTING: page.templates}, "closing"), values),
        ]
    )
    return text[:MAX_CHARS]


def reminder_text(page: OrderPage, link: str) -> str:
    """The one reminder before the order expires."""
    until = ""
    if page.confirm_deadline is not None:
        local = page.confirm_deadline.astimezone(VIETNAM)
        until = f" trước {local:%H:%M} ngày {local:%d/%m}"
    return (
        f"{page.tenant_name} nhắc bạn: đơn {page.order_no} ({format_vnd(page.total_vnd)}) chưa "
        f"được xác nhận. Vui lòng xác nhận{until}, sau đó hàng giữ cho bạn sẽ được nhường cho "
        f"người khác: {link}"
    )[:MAX_CHARS]


def payment_reminder_text(page: OrderPage, link: str) -> str:
    """The one reminder to a buyer who must transfer first: how much is still owed, by when,
    and that the goods held for them go to the next buyer after that."""
    until = ""
    if page.payment_deadline is not None:
        local = page.payment_deadline.astimezone(VIETNAM)
        until = f" trước {local:%H:%M} ngày {local:%d/%m}"
    owed = max(0, page.total_vnd - page.paid_vnd)
    return (
        f"{page.tenant_name} nhắc bạn: đơn {page.order_no} cần chuyển khoản trước khi gửi hàng. "
        f"Vui lòng chuyển {format_vnd(owed)}{until}, nội dung {page.order_no}; sau thời hạn "
        f"đó hàng giữ cho bạn sẽ được nhường cho người khác. Mã QR và chi tiết: {link}"
    )[:MAX_CHARS]
