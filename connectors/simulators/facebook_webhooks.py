"""The Page webhook deliveries the fake Facebook POSTs to chotdon, shaped as the real ones.

Each builder follows a sample in tests/fixtures/wire/facebook/ key for key (a test compares
them): a feed comment added, edited or removed, a live's status, a buyer's Messenger message (with
the `hop_context` a Page with several messaging apps adds). Feed entries carry their `time` in
unix seconds and Messenger entries in milliseconds, as Facebook writes them; `webhook_headers`
signs a body with the app secret (X-Hub-Signature-256).
"""

from __future__ import annotations

from typing import Any

import orjson

from connectors.facebook.signature import SIGNATURE_HEADER, sign

# Meta's own sample app id in a `hop_context` (the Messenger Lead Ads documentation).
OTHER_APP_ID = 498721317747541


def feed_comment(
    page_id: str,
    video_id: str,
    comment_id: str,
    *,
    author_id: str,
    author_name: str,
    message: str,
    created_time: int,
    verb: str = "add",
) -> dict[str, Any]:
    """One `feed` change for a comment under a Page's live video: added, or `verb="edited"`."""
    post_id = f"{page_id}_{video_id}"
    return {
        "field": "feed",
        "value": {
            "item": "comment", "verb": verb, "comment_id": comment_id, "post_id": post_id,
            "parent_id": post_id, "from": {"id": author_id, "name": author_name},
            "created_time": created_time, "message": message,
        },
    }  # fmt: skip


def comment_removed(
    page_id: str, video_id: str, comment_id: str, *, author_id: str, author_name: str
) -> dict[str, Any]:
    """One `feed` change for a comment its author deleted (no message, no created_time)."""
    post_id = f"{page_id}_{video_id}"
    return {
        "field": "feed",
        "value": {
            "item": "comment", "verb": "remove", "comment_id": comment_id, "post_id": post_id,
            "parent_id": post_id, "from": {"name": author_name, "id": author_id},
        },
    }  # fmt: skip


def live_status(live_id: str, status: str) -> dict[str, Any]:
    """One `live_videos` change: `live`, `live_stopped`, `vod`…"""
    return {"value": {"id": live_id, "status": status}, "field": "live_videos"}


def page_delivery(page_id: str, changes: list[dict[str, Any]], time_ms: int) -> bytes:
    """The body of one Page delivery of feed and live changes; Facebook writes the entry's time
    of these in seconds."""
    entry = {"id": page_id, "time": time_ms // 1000, "changes": changes}
    return orjson.dumps({"object": "page", "entry": [entry]})


def messenger_message(
    page_id: str, psid: str, mid: str, text: str, time_ms: int, *, hop_context: bool = True
) -> bytes:
    """The body of one delivery of a buyer's Messenger text (Facebook sends one per entry)."""
    event: dict[str, Any] = {
        "sender": {"id": psid},
        "recipient": {"id": page_id},
        "timestamp": time_ms,
        "message": {"mid": mid, "text": text},
    }
    if hop_context:
        event["hop_context"] = {"app_id": OTHER_APP_ID, "metadata": ""}
    entry = {"time": time_ms, "id": page_id, "messaging": [event]}
    return orjson.dumps({"object": "page", "entry": [entry]})


def webhook_headers(app_secret: str, body: bytes) -> dict[str, str]:
    """The headers of a delivery signed with the app secret, as Facebook sends them."""
    return {SIGNATURE_HEADER: sign(body, app_secret.encode()), "Content-Type": "application/json"}
