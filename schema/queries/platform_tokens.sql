-- Zalo OA and TikTok Shop token refresh: claim under a row lock, save the answer at once.
-- channels.settings.token_expires_at (unix seconds) says when the access token expires;
-- channels.settings.token_refresh ({"started_at": unix seconds}) marks a refresh in flight.

-- name: token_refresh_due
-- $1 platform, $2 unix seconds: channels whose access token expires before then.
SELECT id FROM channels
WHERE platform = $1 AND status = 'active'
  AND coalesce((settings ->> 'token_expires_at')::bigint, 0) < $2
ORDER BY id;

-- name: lock_channel_for_token_refresh
-- $1 channel id, $2 platform. Held until the claim commits: one worker claims at a time.
SELECT id, name, status, settings, credentials_encrypted
FROM channels
WHERE id = $1 AND platform = $2
FOR UPDATE;

-- name: claim_token_refresh
-- $1 channel id, $2 unix seconds now: the refresh is in flight (committed before the call).
UPDATE channels
SET settings = settings || jsonb_build_object('token_refresh', jsonb_build_object('started_at', $2::bigint))
WHERE id = $1;

-- name: save_refreshed_tokens
-- $1 channel id, $2 sealed credentials (new access + refresh token), $3 access token expiry,
-- $4 the refresh token's own end when the platform gives it (TikTok), else NULL: kept as
-- reconnect_by, the day a new login is due (dashboard, /cai-dat/kenh).
UPDATE channels
SET credentials_encrypted = $2,
    settings = (settings - 'token_refresh') || jsonb_build_object('token_expires_at', $3::bigint)
               || CASE WHEN $4::bigint IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object('reconnect_by', $4::bigint) END
WHERE id = $1;

-- name: release_token_refresh
-- $1 channel id: the call failed before the platform used the refresh token (retry later).
UPDATE channels SET settings = settings - 'token_refresh' WHERE id = $1;

-- name: disconnect_after_refused_refresh
-- $1 channel id, $2 reason shown to staff. The claim goes too: a reconnect starts clean.
UPDATE channels
SET status = 'disconnected', status_reason = $2, settings = settings - 'token_refresh'
WHERE id = $1;
