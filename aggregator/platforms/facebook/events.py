"""Facebook changes as chotdon's normalised events."""

from __future__ import annotations

from connectors.facebook.webhook import FeedComment, MessengerMessage
from schema.enums import Platform
from schema.events import MAX_COMMENT_CHARS, CommentEvent


def feed_comment_event(comment: FeedComment, live_id: str | None) -> CommentEvent:
    """A feed comment; on a post we do not know as a live it is stored as orphaned, not lost."""
    return CommentEvent(
        platform=Platform.FACEBOOK,
        channel_external_id=comment.page_id,
        external_id=comment.comment_id,
        external_live_id=live_id or comment.post_id or None,
        author_external_id=comment.author_id,
        author_name=comment.author_name[:200],
        text=comment.message[:MAX_COMMENT_CHARS],
        commented_at=comment.created_at,
    )


def messenger_event(message: MessengerMessage) -> CommentEvent:
    """A Messenger text: no live id, so the ingest attaches it to the Page's live on air."""
    return CommentEvent(
        platform=Platform.FACEBOOK,
        channel_external_id=message.page_id,
        external_id=message.mid,
        author_external_id=message.sender_id,
        text=message.text[:MAX_COMMENT_CHARS],
        commented_at=message.sent_at,
    )
