"""TikTok Shop webhook notifications: the envelope and the order types chotdon follows.

The notification is thin (order id, new status, update time): the order itself is read with the
Order API, so status changes, cancellations and address updates all end as the same full
PlatformOrderEvent, and a late or repeated notification cannot move an order backwards.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from connectors.errors import PayloadError
from schema.events import ExternalId


class NotificationType(IntEnum):
    ORDER_STATUS_CHANGE = 1
    REVERSE_STATUS_CHANGE = 2
    RECIPIENT_ADDRESS_UPDATE = 3
    PACKAGE_UPDATE = 4
    PRODUCT_STATUS_CHANGE = 5
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12


ORDER_TYPES = frozenset(
    {
        NotificationType.ORDER_STATUS_CHANGE,
        NotificationType.RECIPIENT_ADDRESS_UPDATE,
        NotificationType.CANCELLATION_STATUS_CHANGE,
        NotificationType.RETURN_STATUS_CHANGE,
    }
)


class Notification(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: int
    tts_notification_id: ExternalId
    shop_id: ExternalId
    timestamp: int
    data: dict[str, Any]

    @property
    def order_id(self) -> str | None:
        """The order this notification is about, when it is about one chotdon follows."""
        if self.type not in ORDER_TYPES:
            return None
        order_id = self.data.get("order_id")
        return str(order_id) if order_id not in (None, "") else None

    @property
    def update_time(self) -> int:
        value = self.data.get("update_time", self.timestamp)
        return value if isinstance(value, int) else self.timestamp


def parse_notification(body: bytes) -> Notification:
    try:
        notification = Notification.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise PayloadError(f"not a TikTok Shop notification: {str(exc)[:300]}") from None
    if notification.type in ORDER_TYPES and notification.order_id is None:
        raise PayloadError(f"notification type {notification.type} without data.order_id")
    return notification
