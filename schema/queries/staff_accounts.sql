-- The director's staff page (/cai-dat/nhan-vien): the cooperative's accounts, their login delays,
-- unlock and password reset. Every query takes the director's tenant id.

-- name: staff_accounts
-- $1 tenant id. Each account with its wrong tries and until when its login is delayed (NULL when
-- it is not): the login bucket of migration 0021, keyed by the lower-case login.
SELECT s.id, s.login, s.display_name, s.role, s.active,
       coalesce(l.attempts, 0) AS wrong_tries,
       CASE WHEN l.blocked_until > now() THEN l.blocked_until END AS delayed_until
FROM staff s
LEFT JOIN login_limits l ON l.scope = 'login' AND l.key = lower(s.login)
WHERE s.tenant_id = $1
ORDER BY CASE s.role WHEN 'director' THEN 0 WHEN 'staff' THEN 1 ELSE 2 END, s.display_name, s.id;

-- name: staff_account
-- $1 tenant id, $2 staff id. NULL for an account of another cooperative.
SELECT id, login, display_name, role, active FROM staff WHERE tenant_id = $1 AND id = $2;

-- name: reset_staff_password
-- $1 tenant id, $2 staff id, $3 new argon2 hash: the new password, every open session of the
-- account ended (whoever knew the old password is logged out), its login delay forgotten.
WITH changed AS (
    UPDATE staff SET password_hash = $3 WHERE tenant_id = $1 AND id = $2 RETURNING id, login
), ended AS (
    DELETE FROM staff_sessions WHERE staff_id IN (SELECT id FROM changed) AND tenant_id = $1
), unlocked AS (
    UPDATE login_limits SET attempts = 0, refused = 0, blocked_until = '-infinity',
                            updated_at = now()
    WHERE scope = 'login' AND key IN (SELECT lower(login) FROM changed)
)
SELECT login FROM changed;

-- name: insert_staff_account
-- $1 tenant id, $2 login, $3 display name, $4 role, $5 argon2 hash. No row when the login is
-- taken (logins are unique across cooperatives, any case).
INSERT INTO staff (tenant_id, login, display_name, role, password_hash)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
RETURNING id;
