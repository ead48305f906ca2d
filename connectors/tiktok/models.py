"""Order API objects (version 202309), the part chotdon reads, and the event they become."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schema.enums import Platform
from schema.events import PlatformOrderEvent, PlatformOrderItem

MAX_IDS_PER_CALL = 50  # GET /order/202309/orders takes at most 50 ids


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Address(_Wire):
    name: str = ""
    phone_number: str = ""
    full_address: str = ""


class LineItem(_Wire):
    id: str
    sku_id: str = ""
    seller_sku: str = ""
    product_name: str = ""
    sku_name: str = ""
    sale_price: str = "0"


class Order(_Wire):
    id: str
    status: str
    update_time: int
    create_time: int = 0
    user_id: str = ""
    is_cod: bool = False
    recipient_address: Address = Field(default_factory=Address)
    line_items: list[LineItem] = Field(default_factory=list)


class OrderSummary(_Wire):
    """What the search answer is used for: which orders changed (details come in batches)."""

    id: str
    update_time: int = 0


class SearchPage(_Wire):
    orders: list[OrderSummary] = Field(default_factory=list)
    next_page_token: str = ""
    total_count: int = 0


def _price(value: str) -> int:
    try:
        return max(0, round(float(value)))
    except ValueError:
        return 0


def _items(order: Order) -> list[PlatformOrderItem]:
    """202309 line items are one unit each: count them per SKU."""
    counted: dict[tuple[str, str], tuple[int, int]] = {}
    for line in order.line_items:
        key = (line.seller_sku or line.sku_id or line.id, line.sku_name)
        qty, price = counted.get(key, (0, _price(line.sale_price)))
        counted[key] = (qty + 1, price)
    return [
        PlatformOrderItem(code=code, variant=variant or None, qty=qty, unit_price_vnd=price)
        for (code, variant), (qty, price) in counted.items()
    ]


def order_event(shop_id: str, order: Order, raw: dict[str, Any]) -> PlatformOrderEvent:
    """The normalised event; `updated_at` is TikTok's update_time, so the newest state wins."""
    return PlatformOrderEvent(
        platform=Platform.TIKTOK,
        channel_external_id=shop_id,
        external_order_id=order.id,
        external_status=order.status,
        buyer_external_id=order.user_id or f"order:{order.id}",
        buyer_name=order.recipient_address.name,
        items=_items(order),
        payload=raw,
        updated_at=datetime.fromtimestamp(order.update_time, UTC),
    )
