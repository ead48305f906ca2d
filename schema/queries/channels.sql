-- Channels as staff manage them from the CLI. Credentials never leave the database here.

-- name: channels_of_tenant
-- $1 tenant id. Whether credentials are stored, never what they are.
SELECT id, platform, external_id, name, status, status_reason,
       credentials_encrypted IS NOT NULL AS has_credentials, created_at
FROM channels
WHERE tenant_id = $1
ORDER BY platform, id;
