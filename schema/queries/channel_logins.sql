-- Connecting channels by logging in at the platform (migration 0026). Staff pool: row-level
-- security keeps every query inside the signed-in cooperative.

-- name: start_channel_login
-- $1 tenant, $2 staff, $3 platform, $4 sha256(state), $5 sealed PKCE verifier or NULL,
-- $6 expires at.
INSERT INTO channel_logins (tenant_id, staff_id, platform, state_hash, verifier_sealed, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: claim_channel_login
-- $1 sha256(state), $2 staff, $3 platform. The callback takes the attempt once: it is marked
-- failed ("interrupted") until the flow records its outcome, and the verifier is erased.
WITH found AS (
    SELECT id, verifier_sealed FROM channel_logins
    WHERE state_hash = $1 AND staff_id = $2 AND platform = $3
      AND status = 'started' AND expires_at > now()
    FOR UPDATE
)
UPDATE channel_logins c
SET status = 'failed', problem = 'interrupted', finished_at = now(), verifier_sealed = NULL
FROM found
WHERE c.id = found.id
RETURNING c.id, found.verifier_sealed;

-- name: offer_channel_login
-- $1 login id, $2 sealed offer (the Pages and their tokens): the director picks next.
UPDATE channel_logins
SET status = 'picking', problem = NULL, finished_at = NULL, offer_sealed = $2
WHERE id = $1;

-- name: channel_login_offer
-- $1 login id, $2 staff. An offer still open to this director.
SELECT id, offer_sealed FROM channel_logins
WHERE id = $1 AND staff_id = $2 AND status = 'picking' AND expires_at > now();

-- name: finish_channel_login
-- $1 login id, $2 status (connected | failed), $3 failed: the problem's key; connected: warnings
-- for the director or NULL, $4 channel ids connected. Sealed leftovers are erased.
UPDATE channel_logins
SET status = $2, problem = $3, channel_ids = $4, finished_at = now(),
    verifier_sealed = NULL, offer_sealed = NULL
WHERE id = $1;

-- name: expire_channel_logins
-- Attempts past their time lose what they sealed (run at each new start).
UPDATE channel_logins
SET status = 'failed', problem = coalesce(problem, 'expired'), finished_at = now(),
    verifier_sealed = NULL, offer_sealed = NULL
WHERE status IN ('started', 'picking') AND expires_at <= now();

-- name: tenant_channels_for_login
-- $1 tenant. The cooperative's channels with what the connect page shows (never credentials).
SELECT id, platform, external_id, name, status, status_reason,
       credentials_encrypted IS NOT NULL AS has_credentials,
       (settings ->> 'token_expires_at')::bigint AS token_expires_at,
       (settings ->> 'reconnect_by')::bigint AS reconnect_by,
       (settings ->> 'connected_at')::bigint AS connected_at,
       settings -> 'webhook_fields' AS webhook_fields
FROM channels
WHERE tenant_id = $1 AND platform IN ('facebook', 'tiktok', 'zalo')
ORDER BY platform, id;

-- name: recent_channel_logins
-- $1 tenant, $2 how many.
SELECT id, platform, status, problem, created_at, finished_at, cardinality(channel_ids) AS channels
FROM channel_logins
WHERE tenant_id = $1
ORDER BY created_at DESC, id DESC
LIMIT $2;

-- name: channel_login_result
-- $1 login id, $2 staff. How an attempt of this director ended, with the channels it connected.
SELECT l.platform, l.status, l.problem,
       ARRAY(SELECT c.name FROM channels c WHERE c.id = ANY (l.channel_ids) ORDER BY c.id) AS names
FROM channel_logins l
WHERE l.id = $1 AND l.staff_id = $2;
