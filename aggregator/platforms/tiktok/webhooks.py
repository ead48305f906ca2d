"""POST /webhooks/tiktok as a service: verify, record, hand off. Every outcome is recorded.

The Authorization signature is checked on the raw bytes before parsing. A notification is recorded
with tts_notification_id as its delivery key, so a repeated one is a duplicate and changes nothing.
An order notification (status change, cancellation, address update, return) enqueues a read of
that order through the Order API; the job turns the order into a PlatformOrderEvent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from arq.connections import ArqRedis

from aggregator.channels.directory import ChannelDirectory
from aggregator.inbox.answers import Answer, refuse, reject, signature_status
from aggregator.inbox.records import Inbound, Recorder
from aggregator.runtime import jobs
from connectors.errors import PayloadError, SignatureError
from connectors.tiktok.signature import WEBHOOK_HEADER, verify_webhook
from connectors.tiktok.webhook import Notification, parse_notification

log = structlog.get_logger()
SOURCE = "tiktok"
REJECTED, REFUSED = "tiktok.webhook_rejected", "tiktok.webhook_refused"
SUCCESS = Answer(200, {"code": 0, "message": "success"})


def fetch_job_id(channel_id: int, order_id: str, update_time: int) -> str:
    return f"tiktok-fetch:{channel_id}:{order_id}:{update_time}"


@dataclass
class TikTokWebhooks:
    arq: ArqRedis
    recorder: Recorder
    shops: ChannelDirectory
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
            return await refuse(self.recorder, inbound, 400, str(exc), event=REFUSED)
        shop = await self.shops.get(notification.shop_id)
        if shop is None:
            error = f"no connected TikTok shop {notification.shop_id}"
            return await refuse(self.recorder, inbound, 404, error, event=REFUSED)
        key = notification.tts_notification_id
        if await self.recorder.record(inbound.accepted(key, shop.tenant_id)):
            await self._hand_off(shop.id, notification)
        else:
            log.info("tiktok.webhook_duplicate", key=key)
        return SUCCESS

    async def _hand_off(self, channel_id: int, notification: Notification) -> None:
        order_id = notification.order_id
        if order_id is None:
            log.info("tiktok.webhook_ignored", type=notification.type)
            return
        job_id = fetch_job_id(channel_id, order_id, notification.update_time)
        await self.arq.enqueue_job(jobs.TIKTOK_FETCH_ORDERS, channel_id, [order_id], _job_id=job_id)
        log.info("tiktok.order_notified", order_id=order_id, type=notification.type)
