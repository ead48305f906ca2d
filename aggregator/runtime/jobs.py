"""Names of the arq jobs, shared by whoever enqueues and the worker that runs them.

The web app enqueues by name so that it never imports workers/ (see the layer contracts).
"""

from __future__ import annotations

RECORD_HEARTBEAT = "record_heartbeat"
MERGE_SESSION = "merge_session"
SWEEP = "sweep"
FACEBOOK_SEND = "facebook_send"
CREATE_SHIPMENT = "create_shipment"
SWEEP_SHIPMENTS = "sweep_shipments"
SHIPMENT_NEWS = "shipment_news"
POLL_SHIPMENTS = "poll_shipments"
TIKTOK_FETCH_ORDERS = "tiktok_fetch_orders"
TIKTOK_SYNC = "tiktok_sync"
TIKTOK_SYNC_SHOP = "tiktok_sync_shop"
PLATFORM_SEND = "platform_send"
SEND_ORDER_MESSAGE = "send_order_message"
BUYER_REPLY = "buyer_reply"
APPLY_PLATFORM_ORDERS = "apply_platform_orders"
PLATFORM_TOKEN_REFRESH = "platform_token_refresh"
PURGE_WEBHOOK_BODIES = "purge_webhook_bodies"
TIKTOK_FULFIL = "tiktok_fulfil"
SWEEP_TIKTOK_FULFILMENTS = "sweep_tiktok_fulfilments"
FORGET_LOGIN_TRIES = "forget_login_tries"
APPLY_RETENTION = "apply_retention"  # privacy: the retention schedule, daily
MAINTAIN_PARTITIONS = "maintain_partitions"  # partitions: months ahead made, old dropped
# The inbox of buyers' questions (aggregator/questions).
FILE_QUESTIONS = "file_questions"
SWEEP_QUESTIONS = "sweep_questions"
EXPIRE_CHANNEL_LOGINS = "expire_channel_logins"  # connect by login (issue 20)
