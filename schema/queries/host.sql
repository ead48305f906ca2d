-- The host role (0025): accounts, sessions, and each cooperative's health as counts and times.
-- Nothing here returns an order, a buyer, a comment or a message: a host sees none of them.

-- name: insert_host
INSERT INTO host_accounts (login, display_name, password_hash) VALUES ($1, $2, $3) RETURNING id;

-- name: host_for_login
SELECT id, login, display_name, password_hash FROM host_accounts
WHERE lower(login) = lower($1) AND active;

-- name: insert_host_session
-- $1 host id, $2 token hash, $3 csrf token, $4 lifetime (s).
INSERT INTO host_sessions (token_hash, host_id, csrf_token, expires_at)
VALUES ($2, $1, $3, now() + make_interval(secs => $4));

-- name: host_session
SELECT h.id, h.login, h.display_name, s.csrf_token
FROM host_sessions s JOIN host_accounts h ON h.id = s.host_id AND h.active
WHERE s.token_hash = $1 AND s.expires_at > now();

-- name: delete_host_session
DELETE FROM host_sessions WHERE token_hash = $1 OR expires_at <= now();

-- name: cooperatives_health
-- One row per cooperative: its channels, when chotdon last heard from its platforms and
-- couriers, the work waiting (orders confirmed and not yet packed, messages not yet sent) and
-- what went wrong in the last 24 hours (refused or unreadable deliveries, failed messages).
SELECT t.id, t.slug, t.name, coalesce(t.province, '') AS province, t.created_at,
       ch.active_channels, ch.disconnected_channels, ch.platforms,
       (SELECT max(d.received_at) FROM webhook_deliveries d WHERE d.tenant_id = t.id)
           AS last_delivery_at,
       (SELECT count(*) FROM orders o
        WHERE o.tenant_id = t.id AND o.status IN ('confirmed', 'packing')) AS orders_waiting,
       (SELECT count(*) FROM outbound_messages m
        WHERE m.tenant_id = t.id AND m.status = 'pending') AS messages_waiting,
       (SELECT count(*) FROM webhook_deliveries d
        WHERE d.tenant_id = t.id AND d.received_at > now() - interval '24 hours'
          AND d.status IN ('rejected', 'failed', 'unreadable'))
       + (SELECT count(*) FROM outbound_messages m
          WHERE m.tenant_id = t.id AND m.status = 'failed'
            AND m.created_at > now() - interval '24 hours') AS errors_24h,
       (SELECT count(*) FROM staff s WHERE s.tenant_id = t.id AND s.active) AS staff_count
FROM tenants t
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE c.status = 'active' AND c.platform <> 'manual')
               AS active_channels,
           count(*) FILTER (WHERE c.status = 'disconnected') AS disconnected_channels,
           coalesce(array_agg(DISTINCT c.platform) FILTER (WHERE c.status = 'active'
                                                           AND c.platform <> 'manual'),
                    '{}') AS platforms
    FROM channels c WHERE c.tenant_id = t.id
) ch
ORDER BY t.name;
