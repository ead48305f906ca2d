-- Channels as staff manage them from the CLI. Credentials never leave the database here.

-- name: channels_of_tenant
-- $1 tenant id. Whether credentials are stored, never what they are.
SELECT id, platform, external_id, name, status, status_reason,
       credentials_encrypted IS NOT NULL AS has_credentials, created_at
FROM channels
WHERE tenant_id = $1
ORDER BY platform, id;

-- name: sealed_channel_credentials
-- Every channel with stored credentials, for re-sealing them under the newest key.
SELECT id, platform, credentials_encrypted
FROM channels
WHERE credentials_encrypted IS NOT NULL
ORDER BY id;

-- name: reseal_channel_credentials
-- $1 channel id, $2 the sealed value read, $3 the same value sealed under the newest key.
-- Applies only if nothing replaced the credentials since they were read.
UPDATE channels SET credentials_encrypted = $3
WHERE id = $1 AND credentials_encrypted = $2
RETURNING id;
