"""POST /webhooks/tiktok as a service: verify, record, act. Every outcome is recorded.

The Authorization signature is checked on the raw bytes before parsing. A notification is recorded
with tts_notification_id as its delivery key, so a repeated one is a duplicate and changes nothing.
Once the signature is proven the answer is 2xx unless the shop is not one we know (404):

- an order notification (status change, cancellation, address update, return) enqueues a read of
  that order through the Order API; the job turns the order into a PlatformOrderEvent;
- a seller deauthorization disconnects the shop's channel: its sealed tokens are erased and staff
  (the director's dashboard) see why, so nothing is sent or polled through it any more;
- any other type, documented or not, is recorded and ignored;
- a body that cannot be read is kept as a dead letter for `chotdon deliveries replay`.

The live route and the replayer share `_act`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from arq.connections import ArqRedis

from aggregator.channels.directory import ChannelDirectory, ChannelRef
from aggregator.inbox.answers import Answer, keep_unreadable, refuse, reject, signature_status
from aggregator.inbox.records import Inbound, Recorder
from aggregator.inbox.replay import Replayed, StoredDelivery
from aggregator.runtime import jobs
from connectors.errors import PayloadError, SignatureError
from connectors.tiktok.signature import WEBHOOK_HEADER, verify_webhook
from connectors.tiktok.webhook import Notification, parse_notification
from schema.enums import DeliveryStatus
from schema.queries import query

log = structlog.get_logger()
SOURCE = "tiktok"
REJECTED, REFUSED = "tiktok.webhook_rejected", "tiktok.webhook_refused"
UNREADABLE = "tiktok.webhook_unreadable"
SUCCESS = Answer(200, {"code": 0, "message": "success"})
# Shown to the director on the dashboard after "TikTok «shop» đã mất kết nối: ".
DEAUTHORIZED = (
    "người bán đã hủy ủy quyền cho chotdon trên TikTok Shop; mã truy cập đã được xóa, "
    "hãy kết nối lại cửa hàng"
)


def fetch_job_id(channel_id: int, order_id: str, update_time: int) -> str:
    return f"tiktok-fetch:{channel_id}:{order_id}:{update_time}"


def unknown_shop(notification: Notification) -> str:
    return f"no connected TikTok shop {notification.shop_id}"


def note(notification: Notification, shop: ChannelRef) -> str | None:
    """What staff read on the delivery row: why nothing else was done with it."""
    if notification.deauthorized:
        return "seller deauthorization: shop disconnected"
    if not shop.active:
        return f"ignored: type {notification.type}, the shop is not connected"
    if notification.order_id is None:
        return f"ignored: type {notification.type}"
    return None


@dataclass
class TikTokWebhooks:
    arq: ArqRedis
    recorder: Recorder
    shops: ChannelDirectory
    pool: asyncpg.Pool
    app_key: str
    app_secret: bytes | None

    async def receive(self, body: bytes, headers: Any) -> Answer:
        inbound = Inbound.of(body, headers)
        try:
            if not self.app_secret or not self.app_key:
                raise SignatureError("tiktok_app_key / tiktok_app_secret are not configured")
            verify_webhook(body, headers.get(WEBHOOK_HEADER), self.app_key, self.app_secret)
        except SignatureError as exc:
            status = signature_status(exc)
            return await reject(self.recorder, inbound, status, str(exc), event=REJECTED)
        try:
            notification = parse_notification(body)
        except PayloadError as exc:
            return await keep_unreadable(
                self.recorder, inbound, str(exc), event=UNREADABLE, body=SUCCESS.body
            )
        shop = await self.shops.get(notification.shop_id)
        if shop is None:
            error = unknown_shop(notification)
            return await refuse(self.recorder, inbound, 404, error, event=REFUSED)
        key = notification.delivery_key(body)
        record = inbound.accepted(key, shop.tenant_id, error=note(notification, shop))
        if await self.recorder.record(record):
            await self._act(shop, notification)
        else:
            log.info("tiktok.webhook_duplicate", key=key)
        return SUCCESS

    async def replay(self, delivery: StoredDelivery) -> Replayed:
        """A dead letter read again (its signature was proven when it came): the same work as
        the live route, without recording a second delivery."""
        try:
            notification = parse_notification(delivery.body)
        except PayloadError as exc:
            return Replayed(DeliveryStatus.UNREADABLE, str(exc))
        shop = await self.shops.get(notification.shop_id)
        if shop is None:
            return Replayed(DeliveryStatus.REJECTED, unknown_shop(notification))
        await self._act(shop, notification)
        return Replayed(DeliveryStatus.PROCESSED, note(notification, shop), shop.tenant_id)

    async def _act(self, shop: ChannelRef, notification: Notification) -> None:
        if notification.deauthorized:
            await self.pool.execute(query("deauthorize_platform_channel"), shop.id, DEAUTHORIZED)
            self.shops.forget()  # this process reads it as disconnected from now on
            log.warning("tiktok.shop_deauthorized", channel_id=shop.id)
            return
        order_id = notification.order_id
        if order_id is None or not shop.active:
            log.info("tiktok.webhook_ignored", type=notification.type, active=shop.active)
            return
        job_id = fetch_job_id(shop.id, order_id, notification.update_time)
        await self.arq.enqueue_job(jobs.TIKTOK_FETCH_ORDERS, shop.id, [order_id], _job_id=job_id)
        log.info("tiktok.order_notified", order_id=order_id, type=notification.type)
