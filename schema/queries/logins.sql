-- name: reserve_login_attempt
-- $1 scopes, $2 keys, $3 free tries of each bucket, $4 first delay (s), $5 longest delay (s),
-- $6 quiet spell (s) after which a bucket starts afresh. One statement: the function locks the
-- try's buckets, and counts the try in all of them or in none (see migration 0021). wait_s: how
-- long the bucket stays delayed (0 when it is not).
SELECT scope, key, reserved,
       CASE WHEN isfinite(blocked_until) THEN greatest(0, extract(epoch FROM blocked_until - now()))
            ELSE 0 END::float8 AS wait_s
FROM chotdon_reserve_login($1::text[], $2::text[], $3::int[], $4, $5, $6);

-- name: login_succeeded
-- $1 normalized login, $2 client address, $3 trusted device id or ''. The device's delay is
-- forgotten, and the login's unless the try came from a trusted device (others may still be
-- attacking that login: their delay stays); the address gets its try back.
UPDATE login_limits SET
    attempts = CASE WHEN scope = 'address' THEN greatest(attempts - 1, 0) ELSE 0 END,
    blocked_until = CASE WHEN scope = 'address' THEN blocked_until ELSE '-infinity' END,
    updated_at = now()
WHERE (scope = 'login' AND key = $1 AND $3 = '') OR (scope = 'address' AND key = $2)
   OR (scope = 'device' AND key = $3);

-- name: unlock_login
-- $1 normalized login: `chotdon staff unlock` forgets its tries and delay. Returns the rows.
UPDATE login_limits SET attempts = 0, refused = 0, blocked_until = '-infinity', updated_at = now()
WHERE scope = 'login' AND key = $1 AND (attempts > 0 OR blocked_until > now())
RETURNING key;

-- name: insert_login_failure
-- $1 normalized login, $2 client address: a password was checked and refused.
INSERT INTO login_failures (login, ip) VALUES ($1, $2);

-- name: delete_stale_login_limits
-- $1 seconds: buckets quiet that long and not delayed (every past per-minute global row among
-- them: a flood of new login names leaves one row per name), and refused passwords older than a
-- day. Housekeeping, indexed; returns the buckets deleted.
WITH gone AS (
    DELETE FROM login_limits
    WHERE updated_at < now() - make_interval(secs => $1) AND blocked_until < now()
    RETURNING 1
), old AS (
    DELETE FROM login_failures WHERE at < now() - interval '1 day'
)
SELECT count(*) FROM gone;

-- name: login_attack_figures
-- $1 tenant id, $2 since: refused passwords and delayed tries of this cooperative's logins,
-- the same across the whole server, and this cooperative's logins delayed now.
SELECT
    (SELECT count(*) FROM login_failures f JOIN staff s ON lower(s.login) = f.login
     WHERE s.tenant_id = $1 AND f.at > $2) AS own_wrong,
    (SELECT coalesce(sum(l.refused), 0) FROM login_limits l JOIN staff s ON lower(s.login) = l.key
     WHERE l.scope = 'login' AND s.tenant_id = $1 AND l.updated_at > $2) AS own_refused,
    (SELECT count(*) FROM login_failures f WHERE f.at > $2) AS all_wrong,
    (SELECT coalesce(sum(l.refused), 0) FROM login_limits l
     WHERE l.scope <> 'device' AND l.updated_at > $2) AS all_refused,
    (SELECT coalesce(array_agg(s.login ORDER BY s.login), '{}') FROM login_limits l
     JOIN staff s ON lower(s.login) = l.key
     WHERE l.scope = 'login' AND s.tenant_id = $1 AND l.blocked_until > now()) AS delayed_logins;
