-- TikTok Shop, Zalo OA and the signed relay: channels, credentials, sync cursors.

-- name: platform_channels
-- $1 platform. Every channel of one platform that is not disabled, with what calls need.
SELECT id, tenant_id, external_id, name, settings, credentials_encrypted, status
FROM channels
WHERE platform = $1 AND status <> 'disabled';

-- name: platform_channel
-- $1 channel id, $2 platform.
SELECT id, tenant_id, external_id, name, settings, credentials_encrypted, status
FROM channels
WHERE id = $1 AND platform = $2;

-- name: connect_platform_channel
-- $1 tenant, $2 platform, $3 external id, $4 name, $5 sealed credentials, $6 settings (merged).
-- Reconnecting replaces the credentials (and drops a stale refresh claim: the new pair starts
-- clean); a channel of another cooperative is left alone (NULL).
INSERT INTO channels (tenant_id, platform, external_id, name, credentials_encrypted, settings)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (platform, external_id) DO UPDATE
SET name = excluded.name, credentials_encrypted = excluded.credentials_encrypted,
    settings = (channels.settings - 'token_refresh') || excluded.settings, status = 'active',
    status_reason = NULL
WHERE channels.tenant_id = excluded.tenant_id
RETURNING id;

-- name: disconnect_platform_channel
-- $1 channel id, $2 reason shown to staff.
UPDATE channels SET status = 'disconnected', status_reason = $2 WHERE id = $1;

-- name: deauthorize_platform_channel
-- $1 channel id, $2 reason shown to staff. The seller took the app's authorization back at the
-- platform: the sealed tokens no longer work and are erased, as when staff disconnect a channel,
-- and a refresh claim goes too, so nothing is sent, polled or refreshed until it is reconnected.
UPDATE channels
SET status = 'disconnected', status_reason = $2, credentials_encrypted = NULL,
    settings = settings - 'token_refresh'
WHERE id = $1;

-- name: set_tiktok_synced_until
-- $1 channel id, $2 unix seconds: every order updated before it has been read.
UPDATE channels
SET settings = jsonb_set(settings, '{tiktok_synced_until}', to_jsonb($2::bigint))
WHERE id = $1 AND platform = 'tiktok'
  AND coalesce((settings ->> 'tiktok_synced_until')::bigint, 0) < $2;

-- name: tiktok_channels_to_sync
SELECT id FROM channels WHERE platform = 'tiktok' AND status = 'active' ORDER BY id;
