"""Facebook changes as chotdon's normalised events and comment revisions."""

from __future__ import annotations

from aggregator.ingest.revisions import Revision
from connectors.facebook.webhook import FeedComment, MessengerEdit, MessengerMessage
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


def messenger_event(message: MessengerMessage | MessengerEdit) -> CommentEvent:
    """A Messenger text: no live id, so the ingest attaches it to the Page's live on air. An edit
    of a message chotdon never stored comes in as the message, with its new text."""
    sent_at = message.sent_at if isinstance(message, MessengerMessage) else message.edited_at
    return CommentEvent(
        platform=Platform.FACEBOOK,
        channel_external_id=message.page_id,
        external_id=message.mid,
        author_external_id=message.sender_id,
        text=message.text[:MAX_COMMENT_CHARS],
        commented_at=sent_at,
    )


def comment_revision(comment: FeedComment) -> Revision:
    """An edited or removed feed comment, to be written over the stored one."""
    text = None if comment.verb == "remove" else comment.message
    at = comment.changed_at
    return Revision(Platform.FACEBOOK, comment.page_id, comment.comment_id, text, at)


def message_revision(edit: MessengerEdit) -> Revision:
    return Revision(Platform.FACEBOOK, edit.page_id, edit.mid, edit.text, edit.edited_at)
