-- Facebook connector: Pages, lives, resume points, outbound messages.

-- name: facebook_pages
SELECT id, tenant_id, external_id, name, settings, credentials_encrypted, status, status_reason
FROM channels
WHERE platform = 'facebook' AND status <> 'disabled';

-- name: facebook_lives_by_post
-- Feed comment webhooks name the post (page id _ video id); a live is known by its live video
-- id and, once discovered, by its video id.
SELECT candidate, s.external_live_id
FROM unnest($2::text[]) AS candidate
JOIN live_sessions s
  ON s.channel_id = $1 AND (s.external_live_id = candidate OR s.video_id = candidate);

-- name: upsert_facebook_live
-- A live that started (or was seen on air): create its session once. An ended session stays ended.
INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, status, started_at,
                           video_id)
VALUES ($1, $2, $3, $4, 'live', coalesce($5, now()), $6)
ON CONFLICT (channel_id, external_live_id, tenant_id) DO UPDATE
SET video_id = coalesce(excluded.video_id, live_sessions.video_id),
    title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE live_sessions.title END
WHERE live_sessions.status <> 'ended'
RETURNING id;

-- name: end_facebook_live
UPDATE live_sessions
SET status = 'ended', ended_at = coalesce(ended_at, now())
WHERE channel_id = $1 AND external_live_id = $2 AND status <> 'ended'
RETURNING id;

-- name: mark_facebook_tail_read
-- $1 session. Every comment of the ended live is stored (the follower's last poll or the
-- puller's catch-up): no catch-up is owed. A session still on air is left alone: its tail is not
-- said yet.
UPDATE live_sessions SET tail_read_at = coalesce(tail_read_at, now())
WHERE id = $1 AND status = 'ended';

-- name: facebook_lives_tail_unread
-- Sessions of connected Pages ended within the last day whose last comments nobody read (the
-- live_videos webhook ended them while the puller was down): the puller catches them up.
SELECT s.id, s.channel_id, s.external_live_id
FROM live_sessions s
JOIN channels c ON c.id = s.channel_id
WHERE c.platform = 'facebook' AND c.status = 'active' AND s.status = 'ended'
  AND s.tail_read_at IS NULL AND s.ended_at > now() - interval '1 day'
ORDER BY s.ended_at;

-- name: facebook_lives_on_air
SELECT s.id, s.tenant_id, s.channel_id, s.external_live_id, c.external_id AS page_id
FROM live_sessions s
JOIN channels c ON c.id = s.channel_id
WHERE c.platform = 'facebook' AND c.status = 'active' AND s.status = 'live';

-- name: facebook_resume_point
-- Where pulling resumes after a restart: the poller's last complete watermark (every comment
-- before it is stored). NULL (never completed) means read the whole live again: the newest stored
-- comment is no safe point, since the stream may have skipped older ones the poller had not read.
SELECT last_comment_at AS resume_at FROM live_sessions WHERE id = $1;

-- name: set_facebook_resume_point
UPDATE live_sessions
SET last_comment_at = greatest(last_comment_at, $2)
WHERE id = $1;

-- name: connect_facebook_page
INSERT INTO channels (tenant_id, platform, external_id, name, credentials_encrypted)
VALUES ($1, 'facebook', $2, $3, $4)
ON CONFLICT (platform, external_id) DO UPDATE
SET name = excluded.name, credentials_encrypted = excluded.credentials_encrypted,
    status = 'active', status_reason = NULL
WHERE channels.tenant_id = excluded.tenant_id
RETURNING id;

-- name: disconnect_facebook_page
UPDATE channels SET status = 'disconnected', status_reason = $2
WHERE id = $1 AND platform = 'facebook';

-- name: insert_outbound_message
-- The row comes first, keyed by its idempotency key; asking twice returns the same row. A repeat
-- is skipped by the outbound_messages_once trigger (migration 0034), then found by its key, in
-- whatever month it was stored. No row when the first one is not committed yet: the caller asks
-- outbound_message_by_key once that has waited on the key.
WITH added AS (
    INSERT INTO outbound_messages (tenant_id, channel_id, buyer_identity_id, order_id, kind,
                                   idempotency_key, body, target)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING id, status
)
SELECT id, status FROM added
UNION ALL
SELECT m.id, m.status
FROM outbound_message_keys k
JOIN outbound_messages m ON m.tenant_id = k.tenant_id AND m.id = k.message_id
WHERE k.tenant_id = $1 AND k.idempotency_key = $6 AND NOT EXISTS (SELECT 1 FROM added);

-- name: outbound_message_by_key
-- $1 tenant, $2 idempotency key: the message stored under that key, in any month.
SELECT m.id, m.status
FROM outbound_message_keys k
JOIN outbound_messages m ON m.tenant_id = k.tenant_id AND m.id = k.message_id
WHERE k.tenant_id = $1 AND k.idempotency_key = $2;

-- name: outbound_message_to_send
SELECT m.id, m.tenant_id, m.channel_id, m.kind, m.body, m.target, m.status, m.attempts,
       c.external_id AS page_id, c.credentials_encrypted, c.status AS channel_status
FROM outbound_messages m
JOIN channels c ON c.id = m.channel_id
WHERE m.id = $1;

-- name: start_outbound_attempt
UPDATE outbound_messages SET attempts = attempts + 1
WHERE id = $1 AND status = 'pending'
RETURNING attempts;

-- name: mark_outbound_sent
UPDATE outbound_messages
SET status = 'sent', sent_at = now(), external_message_id = $2, last_error = NULL
WHERE id = $1 AND status = 'pending';

-- name: mark_outbound_failed
UPDATE outbound_messages SET status = 'failed', last_error = $2
WHERE id = $1 AND status = 'pending';

-- name: note_outbound_error
UPDATE outbound_messages SET last_error = $2
WHERE id = $1 AND status = 'pending';

-- name: facebook_reply_windows
-- $1 channel, $2 the buyer's page-scoped id, $3 the Page id, $4 the comment that opened the order.
-- When the buyer last wrote to the Page in Messenger (stored without a post or live: a public
-- comment opens no Messenger window), and when the opening comment was written (a private reply
-- is allowed for 7 days after it; found by its key in comment_keys, 0040). Unix seconds.
SELECT (SELECT extract(epoch FROM max(c.commented_at)) FROM comments c
         WHERE c.channel_id = $1 AND c.author_external_id = $2
           AND c.external_live_id IS NULL AND c.removed_at IS NULL) AS last_message_at,
       (SELECT extract(epoch FROM c.commented_at)
        FROM comment_keys k JOIN comments c ON c.id = k.comment_id AND c.received_at = k.received_at
         WHERE k.platform = 'facebook' AND k.channel_external_id = $3
           AND k.external_id = $4) AS comment_at;
