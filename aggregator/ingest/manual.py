"""Orders staff type in for a buyer who called or messaged: the same event as a comment.

The staff member's reading replaces the parser's (`parsed` is set), so the order goes through the
same ingest, merge, stock and audit path as one written under the live.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from schema.enums import Platform
from schema.events import CommentEvent
from schema.parsing import Intent, ParsedComment, ParsedItem


def manual_order_event(
    *,
    platform: Platform,
    channel_external_id: str,
    external_live_id: str | None,
    buyer_key: str,
    buyer_name: str,
    items: Sequence[ParsedItem],
    phone: str | None = None,
    note: str = "",
    entry_id: str | None = None,
) -> CommentEvent:
    """An order line entered by staff.

    `buyer_key` identifies the buyer on that channel (their platform id, or their phone number
    for a phone call); `entry_id` makes a re-submit idempotent.
    """
    summary = ", ".join(f"{i.code}{'/' + i.variant if i.variant else ''} x{i.qty}" for i in items)
    return CommentEvent(
        platform=platform,
        channel_external_id=channel_external_id,
        external_id=f"manual:{entry_id or uuid.uuid4().hex}",
        external_live_id=external_live_id,
        author_external_id=buyer_key,
        author_name=buyer_name,
        text=f"[nhân viên nhập] {summary}" + (f" — {note}" if note else ""),
        commented_at=datetime.now(UTC),
        parsed=ParsedComment(intent=Intent.ORDER, items=list(items), phone=phone),
    )
