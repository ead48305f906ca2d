-- name: session_recording
SELECT external_id, platform, author_external_id, author_name, body, commented_at
FROM comments
WHERE session_id = $1 AND status IN ('pending', 'processed')
ORDER BY commented_at, id;

-- name: session_to_copy
SELECT s.id, s.tenant_id, s.channel_id, s.title, l.hold_mode, l.promotion, c.platform,
       c.external_id
FROM live_sessions s JOIN channels c ON c.id = s.channel_id JOIN lives l ON l.id = s.live_id
WHERE s.id = $1;

-- name: create_sandbox_session
-- A rehearsal or replay: a sandbox live of its own (hold mode $5, promotion $6) on the rehearsal
-- channel (0020_sandbox_tiktok_fulfilment), on air until it ends.
WITH live AS (
    INSERT INTO lives (tenant_id, title, status, hold_mode, promotion, started_at)
    VALUES ($1, $4, 'live', $5, $6, now())
    RETURNING id
)
INSERT INTO live_sessions (tenant_id, channel_id, external_live_id, title, status, started_at,
                           live_id, sandbox)
SELECT $1, $2, $3, $4, 'live', now(), live.id, true FROM live
RETURNING id;

-- name: end_sandbox_session
UPDATE live_sessions SET status = 'ended', ended_at = coalesce(ended_at, now())
WHERE id = $1 AND sandbox AND status <> 'ended';

-- name: copy_session_stock
-- $1 the session copied, $2 the rehearsal's session: the stock of the one's live, nothing held.
INSERT INTO live_stock (tenant_id, live_id, product_id, variant, quantity, reserved, price_vnd)
SELECT st.tenant_id, (SELECT live_id FROM live_sessions WHERE id = $2), st.product_id, st.variant,
       st.quantity, 0, st.price_vnd
FROM live_stock st
WHERE st.live_id = (SELECT live_id FROM live_sessions WHERE id = $1);

-- name: live_counts_by_platform
-- The demo's and rehearsal's progress figures, per platform, for a set of lives. A relay channel
-- says which platform it carries (settings.source: TikTok LIVE comments come through a bridge).
SELECT coalesce(c.settings ->> 'source', c.platform) AS platform,
       (SELECT count(*) FROM comments m WHERE m.session_id = s.id) AS comments,
       (SELECT count(*) FROM orders o WHERE o.session_id = s.id) AS orders,
       (SELECT count(*) FROM orders o WHERE o.session_id = s.id
         AND o.status IN ('confirmed', 'packing', 'packed', 'shipped', 'delivered', 'returned'))
           AS confirmed,
       (SELECT count(*) FROM orders o WHERE o.session_id = s.id AND o.status = 'expired')
           AS expired,
       (SELECT count(*) FROM orders o WHERE o.session_id = s.id AND o.status = 'cancelled')
           AS cancelled,
       (SELECT count(*) FROM orders o WHERE o.session_id = s.id
         AND o.status IN ('shipped', 'delivered', 'returned')) AS shipped,
       (SELECT count(*) FROM orders o WHERE o.session_id = s.id AND o.status = 'delivered')
           AS delivered,
       (SELECT count(*) FROM orders o WHERE o.session_id = s.id AND o.status = 'returned')
           AS returned,
       (SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE o.session_id = s.id AND i.status = 'waitlisted') AS waitlisted
FROM live_sessions s JOIN channels c ON c.id = s.channel_id
WHERE s.id = ANY($1::bigint[])
ORDER BY 1;

-- name: rehearsal_channel
-- Each cooperative has one 'manual' channel that rehearsals and replays play into; it is a
-- sandbox channel: the buyers its comments make are sandbox buyers.
WITH made AS (
    INSERT INTO channels (tenant_id, platform, external_id, name, settings)
    VALUES ($1, 'manual', $2, 'Tập dượt / phát lại', '{"sandbox": true}'::jsonb)
    ON CONFLICT (platform, external_id) DO UPDATE
    SET settings = channels.settings || '{"sandbox": true}'::jsonb
    WHERE channels.tenant_id = excluded.tenant_id
      AND channels.settings ->> 'sandbox' IS DISTINCT FROM 'true'
    RETURNING id
)
SELECT id FROM made
UNION ALL
SELECT id FROM channels WHERE platform = 'manual' AND external_id = $2
LIMIT 1;

-- name: tenant_by_slug
SELECT id, slug FROM tenants WHERE slug = $1;
