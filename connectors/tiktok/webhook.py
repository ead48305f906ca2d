"""TikTok Shop webhook notifications: the envelope, the order types chotdon follows, and a seller
taking back the app's authorization.

Every notification is `{"type", "tts_notification_id", "shop_id", "timestamp", "data"}` (Partner
Center webhook docs; fixtures in tests/fixtures/wire/tiktok/). The order notifications are thin
(order id, new status, update time): the order itself is read with the Order API, so status
changes, cancellations, address updates and returns all end as the same full PlatformOrderEvent,
and a late or repeated notification cannot move an order backwards. Other types are read and
ignored. Some documented examples (recipient address update) carry no tts_notification_id: such a
notification is keyed by a digest of its body, which TikTok's retry repeats.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.errors import PayloadError
from schema.events import ExternalId


class NotificationType(IntEnum):
    ORDER_STATUS_CHANGE = 1
    REVERSE_STATUS_CHANGE = 2
    RECIPIENT_ADDRESS_UPDATE = 3
    PACKAGE_UPDATE = 4
    PRODUCT_STATUS_CHANGE = 5
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
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
    tts_notification_id: ExternalId | None = None
    shop_id: ExternalId
    timestamp: int = 0
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def order_id(self) -> str | None:
        """The order this notification is about, when it is about one chotdon follows."""
        if self.type not in ORDER_TYPES:
            return None
        order_id = self.data.get("order_id")
        if isinstance(order_id, bool) or not isinstance(order_id, str | int):
            return None
        return str(order_id).strip()[:200] or None

    @property
    def deauthorized(self) -> bool:
        return self.type == NotificationType.SELLER_DEAUTHORIZATION

    @property
    def update_time(self) -> int:
        value = self.data.get("update_time", self.timestamp)
        return value if isinstance(value, int) and not isinstance(value, bool) else self.timestamp

    def delivery_key(self, body: bytes) -> str:
        """tts_notification_id, TikTok's own dedupe key; without one, a digest of the body."""
        if self.tts_notification_id is not None:
            return self.tts_notification_id
        return f"{self.type}:{self.shop_id}:{hashlib.sha256(body).hexdigest()[:40]}"


def parse_notification(body: bytes) -> Notification:
    """The notification, or PayloadError when it cannot be read: not a notification envelope, or
    an order notification that names no order (the one thing chotdon needs from it)."""
    try:
        notification = Notification.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise PayloadError(f"not a TikTok Shop notification: {str(exc)[:300]}") from None
    if notification.type in ORDER_TYPES and notification.order_id is None:
        raise PayloadError(f"notification type {notification.type} without data.order_id")
    return notification
