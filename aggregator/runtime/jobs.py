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

# The jobs declared with keep_result=0 (workers/settings.py; a unit test holds the two alike): a
# result under one of their ids can only be arq's own record of a try that never ran the function
# (runtime/keyed.py clears it before a same-id enqueue). Jobs that keep results on purpose (the
# heartbeat, a buyer reply's hour of deduplication) are not here.
KEEP_NO_RESULT = frozenset(
    {
        MERGE_SESSION, FACEBOOK_SEND, PLATFORM_SEND, SEND_ORDER_MESSAGE, CREATE_SHIPMENT,
        APPLY_PLATFORM_ORDERS, TIKTOK_FULFIL, FILE_QUESTIONS,
    }
)  # fmt: skip

# Two arq queues, each with its own worker slots (issue 21). The orders queue holds the merge and
# the little that changes orders from what buyers and platforms said; everything that calls out
# (buyer messages, courier bookings and polls, platform sends and syncs, question answers) or
# runs long (nightly housekeeping) goes on the outbound queue, so a burst of 30,000 buyer messages
# or a slow courier API can take every outbound slot and still never delay a merge.
ORDERS = "orders"
OUTBOUND = "outbound"
QUEUES = (ORDERS, OUTBOUND)
ORDER_JOBS = frozenset({RECORD_HEARTBEAT, MERGE_SESSION, SWEEP, BUYER_REPLY, APPLY_PLATFORM_ORDERS})
OUTBOUND_JOBS = frozenset(
    {
        FACEBOOK_SEND, PLATFORM_SEND, SEND_ORDER_MESSAGE,
        CREATE_SHIPMENT, SWEEP_SHIPMENTS, SHIPMENT_NEWS, POLL_SHIPMENTS,
        TIKTOK_FETCH_ORDERS, TIKTOK_SYNC, TIKTOK_SYNC_SHOP, TIKTOK_FULFIL, SWEEP_TIKTOK_FULFILMENTS,
        FILE_QUESTIONS, SWEEP_QUESTIONS,
        PLATFORM_TOKEN_REFRESH, EXPIRE_CHANNEL_LOGINS, FORGET_LOGIN_TRIES,
        APPLY_RETENTION, PURGE_WEBHOOK_BODIES, MAINTAIN_PARTITIONS,
    }
)  # fmt: skip


def queue_of(function: str) -> str:
    """The queue a job goes on. A name in neither set (a job added without choosing) goes on the
    orders queue, where every job ran before the split; a unit test fails on such a name."""
    return OUTBOUND if function in OUTBOUND_JOBS else ORDERS
