-- The director's live dashboard. Every query takes the tenant id first and reads only that
-- cooperative's rows; each is one set-based statement over all the lives shown.
--
-- What the figures mean (orders of the live, whatever their source):
--   orders     every order the live made, cancelled and expired ones included;
--   confirmed  orders the buyer (or staff) confirmed, whatever happened after;
--   paid       paid by transfer or on the platform (paid_at), or COD delivered (cash collected);
--   shipped    handed to a courier (shipped, delivered or returned);
--   revenue    total of the orders still standing (not cancelled, expired or returned);
--   unpaid     the part of that revenue not paid yet.

-- name: dashboard_lives_recount
-- The recount this file used before the counters of migration 0033 (p95 589 ms at 200k
-- comments): kept as the baseline `chotdon bench dashboard` measures in the same run and as the
-- reference the counters are tested against.
-- $1 tenant id, $2 start of today (Vietnam), $3 how many lives at most, $4 the comment-rate
-- window. Lives on air, and those that ended today, with their connector's state, comment counts
-- (all, and within the window) and order figures.
-- One row per channel of a live (its session); the page groups them by live_id.
WITH shown AS (
    SELECT s.id, s.title, s.status, s.started_at, s.ended_at, s.created_at,
           s.last_comment_at AS watermark, s.live_id,
           chotdon_live_label(s.live_id) AS live_title,
           c.id AS channel_id, c.platform, c.name AS channel_name, c.status AS channel_status,
           c.status_reason, (c.settings ->> 'token_expires_at')::bigint AS token_expires_at
    FROM live_sessions s
    JOIN channels c ON c.id = s.channel_id AND c.tenant_id = s.tenant_id
    WHERE s.tenant_id = $1 AND NOT s.sandbox  -- rehearsals are not lives the director runs
      AND (s.status = 'live' OR (s.status = 'ended' AND s.ended_at >= $2))
    ORDER BY s.status = 'live' DESC, coalesce(s.started_at, s.created_at) DESC, s.id DESC
    LIMIT $3
), order_counts AS (
    SELECT o.session_id,
           count(*) AS orders,
           count(*) FILTER (WHERE o.status IN ('confirmed', 'packing', 'packed', 'shipped',
                                               'delivered', 'returned')) AS confirmed,
           count(*) FILTER (WHERE o.paid_at IS NOT NULL
                               OR (o.status = 'delivered' AND o.payment_method = 'cod')) AS paid,
           count(*) FILTER (WHERE o.status IN ('shipped', 'delivered', 'returned')) AS shipped,
           coalesce(sum(o.total_vnd) FILTER (
               WHERE o.status NOT IN ('cancelled', 'expired', 'returned')), 0) AS revenue_vnd,
           coalesce(sum(o.total_vnd) FILTER (
               WHERE o.status NOT IN ('cancelled', 'expired', 'returned') AND o.paid_at IS NULL
                 AND NOT (o.status = 'delivered' AND o.payment_method = 'cod')), 0) AS unpaid_vnd
    FROM orders o
    WHERE o.tenant_id = $1 AND o.session_id IN (SELECT id FROM shown)
    GROUP BY o.session_id
)
SELECT l.*, coalesce(cc.comments, 0) AS comments,
       coalesce(cc.recent_comments, 0) AS recent_comments, cc.last_comment_at,
       coalesce(oc.orders, 0) AS orders, coalesce(oc.confirmed, 0) AS confirmed,
       coalesce(oc.paid, 0) AS paid, coalesce(oc.shipped, 0) AS shipped,
       coalesce(oc.revenue_vnd, 0)::bigint AS revenue_vnd,
       coalesce(oc.unpaid_vnd, 0)::bigint AS unpaid_vnd
FROM shown l
-- Per live, so each count is a range of comments_session_idx (an index-only scan once vacuumed).
LEFT JOIN LATERAL (
    SELECT count(*) AS comments,
           count(*) FILTER (WHERE cm.commented_at >= now() - $4::interval) AS recent_comments,
           max(cm.commented_at) AS last_comment_at
    FROM comments cm
    WHERE cm.tenant_id = $1 AND cm.session_id = l.id
) cc ON true
LEFT JOIN order_counts oc ON oc.session_id = l.id
ORDER BY l.status = 'live' DESC, coalesce(l.started_at, l.created_at) DESC, l.id DESC;

-- name: dashboard_products_recount
-- The recount before migration 0033 (baseline and test reference, like dashboard_lives_recount).
-- $1 tenant id, $2 live ids (lives.id). Per live and product (and variant): units ordered and
-- their value in orders still standing, the live's one pool and what is reserved of it, buyers
-- waitlisted, whatever channel the orders came from.
WITH lines AS (
    SELECT o.live_id, i.product_id, i.variant,
           coalesce(sum(i.qty) FILTER (WHERE i.status IN ('requested', 'held')), 0) AS ordered,
           coalesce(sum(i.qty * i.unit_price_vnd)
                    FILTER (WHERE i.status IN ('requested', 'held')), 0) AS revenue_vnd,
           count(*) FILTER (WHERE i.status = 'waitlisted') AS waitlist
    FROM order_items i
    JOIN orders o ON o.id = i.order_id AND o.tenant_id = i.tenant_id
    WHERE i.tenant_id = $1 AND o.live_id = ANY($2::bigint[]) AND i.product_id IS NOT NULL
      AND NOT chotdon_sandbox(o.session_id)
      AND o.status NOT IN ('cancelled', 'expired', 'returned')
    GROUP BY o.live_id, i.product_id, i.variant
), stock AS (
    SELECT live_id, product_id, variant, quantity, reserved
    FROM live_stock
    WHERE tenant_id = $1 AND live_id = ANY($2::bigint[])
)
SELECT coalesce(l.live_id, s.live_id) AS live_id, p.code, p.name,
       coalesce(l.variant, s.variant) AS variant,
       coalesce(l.ordered, 0)::int AS ordered, coalesce(l.revenue_vnd, 0)::bigint AS revenue_vnd,
       coalesce(l.waitlist, 0)::int AS waitlist, s.quantity AS stock,
       coalesce(s.reserved, 0) AS reserved,
       -- "chốt mật ong" of a product sold by variant: no pool is the buyer's, someone must ask
       (cardinality(p.variants) > 0 AND coalesce(l.variant, s.variant) = '') AS variant_missing
FROM lines l
FULL JOIN stock s
  ON s.live_id = l.live_id AND s.product_id = l.product_id AND s.variant = l.variant
JOIN products p ON p.id = coalesce(l.product_id, s.product_id) AND p.tenant_id = $1
ORDER BY live_id, p.code, variant;

-- name: dashboard_orders_per_minute_recount
-- The recount before migration 0033 (baseline and test reference, like dashboard_lives_recount).
-- $1 tenant id, $2 live ids (lives.id), $3 ends (now for a live on air, its end otherwise),
-- $4 minutes. Orders created per whole minute in each live's last $4 minutes, every channel
-- together; empty minutes are left out.
SELECT o.live_id, date_trunc('minute', o.created_at) AS minute, count(*) AS orders
FROM orders o
JOIN unnest($2::bigint[], $3::timestamptz[]) AS w(live_id, ends) ON w.live_id = o.live_id
WHERE o.tenant_id = $1 AND NOT chotdon_sandbox(o.session_id)
  AND o.created_at >= date_trunc('minute', w.ends) - make_interval(mins => $4 - 1)
  AND o.created_at < date_trunc('minute', w.ends) + interval '1 minute'
GROUP BY o.live_id, minute;

-- name: dashboard_fold
-- $1 tenant id. Fold the cooperative's counter rows into one per key (migration 0033); false
-- when another fold of it is running.
SELECT chotdon_dashboard_fold($1);

-- name: dashboard_fold_on_air
-- Fold the counters of every cooperative with a live on air (the sweeper, every few seconds,
-- so rows do not pile up while no director watches). Returns how many were folded.
SELECT count(*) FILTER (WHERE chotdon_dashboard_fold(tenant_id))
FROM (SELECT DISTINCT tenant_id FROM live_sessions WHERE status = 'live') t;

-- name: dashboard_lives
-- $1 tenant id, $2 start of today (Vietnam), $3 how many lives at most, $4 the comment-rate
-- window. The lives part of dashboard_snapshot on its own (the rehearsal check reads it): lives
-- on air, and those that ended today, with their connector's state, comment counts (all, and
-- within the window) and order figures, read from the counters of migration 0033.
-- One row per channel of a live (its session); the page groups them by live_id.
-- Comments within the window come from per-minute counts: the oldest minute counts for the
-- part of it inside the window (comments taken as spread evenly over their minute).
WITH shown AS (
    SELECT s.id, s.title, s.status, s.started_at, s.ended_at, s.created_at,
           s.last_comment_at AS watermark, s.live_id,
           chotdon_live_label(s.live_id) AS live_title,
           c.id AS channel_id, c.platform, c.name AS channel_name, c.status AS channel_status,
           c.status_reason, (c.settings ->> 'token_expires_at')::bigint AS token_expires_at
    FROM live_sessions s
    JOIN channels c ON c.id = s.channel_id AND c.tenant_id = s.tenant_id
    WHERE s.tenant_id = $1 AND NOT s.sandbox  -- rehearsals are not lives the director runs
      AND (s.status = 'live' OR (s.status = 'ended' AND s.ended_at >= $2))
    ORDER BY s.status = 'live' DESC, coalesce(s.started_at, s.created_at) DESC, s.id DESC
    LIMIT $3
), comment_counts AS (
    SELECT m.session_id, sum(m.comments) AS comments,
           round(sum(m.comments * least(1.0, greatest(0.0, extract(epoch FROM
               m.minute + interval '1 minute' - (now() - $4::interval)) / 60.0)))) AS recent
    FROM dashboard_minutes m
    WHERE m.tenant_id = $1 AND m.session_id IN (SELECT id FROM shown)
    GROUP BY m.session_id
), order_counts AS (
    SELECT d.session_id, sum(d.orders) AS orders, sum(d.confirmed) AS confirmed,
           sum(d.paid) AS paid, sum(d.shipped) AS shipped, sum(d.revenue_vnd) AS revenue_vnd,
           sum(d.unpaid_vnd) AS unpaid_vnd
    FROM dashboard_orders d
    WHERE d.tenant_id = $1 AND d.session_id IN (SELECT id FROM shown)
    GROUP BY d.session_id
)
SELECT l.*, coalesce(cc.comments, 0)::bigint AS comments,
       coalesce(cc.recent, 0)::bigint AS recent_comments, lc.last_comment_at,
       coalesce(oc.orders, 0)::bigint AS orders, coalesce(oc.confirmed, 0)::bigint AS confirmed,
       coalesce(oc.paid, 0)::bigint AS paid, coalesce(oc.shipped, 0)::bigint AS shipped,
       coalesce(oc.revenue_vnd, 0)::bigint AS revenue_vnd,
       coalesce(oc.unpaid_vnd, 0)::bigint AS unpaid_vnd
FROM shown l
-- The newest comment's time: one step down comments_session_idx, however many comments.
LEFT JOIN LATERAL (
    SELECT max(cm.commented_at) AS last_comment_at
    FROM comments cm
    WHERE cm.tenant_id = $1 AND cm.session_id = l.id
) lc ON true
LEFT JOIN comment_counts cc ON cc.session_id = l.id
LEFT JOIN order_counts oc ON oc.session_id = l.id
ORDER BY l.status = 'live' DESC, coalesce(l.started_at, l.created_at) DESC, l.id DESC;

-- name: dashboard_snapshot
-- Everything the page shows but the login alerts, in one statement (one round trip, one
-- snapshot: the figures agree with each other without a transaction around several queries).
-- The statement is the body of chotdon_dashboard_snapshot() in migration 0033, a function only
-- so that it keeps one generic plan per connection (planning it cost more than running it).
-- $1 tenant id, $2 start of today (Vietnam), $3 how many lives at most, $4 the comment-rate
-- window, $5 now, $6 chart minutes, $7 courier news since, $8 how many incidents at most.
-- Each part is JSON: lives (as dashboard_lives), products (as dashboard_products_recount, from
-- the counters), per_minute (as dashboard_orders_per_minute_recount, from the counters, each
-- live's chart ending now while on air, else at its end), channels (disconnected, token
-- expired, or login running out within 14 days), incidents (parcels whose latest courier news
-- needs staff, dangers first; `total` counts them all); and unreadable (dead letters since $7).
SELECT lives_json AS lives, products_json AS products, per_minute_json AS per_minute,
       channels_json AS channels, incidents_json AS incidents, unreadable_count AS unreadable
FROM chotdon_dashboard_snapshot($1, $2, $3, $4, $5, $6, $7, $8);

