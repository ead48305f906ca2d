-- name: transition_orders
-- The guarded move of the state machine: only orders in an allowed status move.
WITH old AS (
    SELECT id, status FROM orders
    WHERE id = ANY($1::bigint[]) AND status = ANY($3::text[])
    ORDER BY id
    FOR UPDATE
)
UPDATE orders AS o
SET status = $2, updated_at = now(), version = o.version + 1,
    needs_reconfirmation = CASE WHEN $2 = 'confirmed' THEN false ELSE o.needs_reconfirmation END
FROM old
WHERE o.id = old.id
RETURNING o.id, o.tenant_id, old.status AS from_status;

-- name: insert_order_events
INSERT INTO order_events (tenant_id, order_id, actor, kind, from_status, to_status, reason, data)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::jsonb[]);

-- name: lock_session_for_merge
-- Taken first in every merge transaction: one merge per live at a time, comments in order.
SELECT pg_advisory_xact_lock(hashtext('chotdon.merge'), $1::int) AS locked,
       s.id, s.tenant_id, s.channel_id, s.hold_mode, s.status
FROM (SELECT 1) AS one LEFT JOIN live_sessions s ON s.id = $1;

-- name: pending_comments_of_session
SELECT id, author_external_id, author_name, body, intent, parsed, phone, commented_at, replaced,
       removed_at
FROM comments
WHERE session_id = $1 AND status = 'pending'
ORDER BY id
LIMIT $2;

-- name: mark_comments_processed
-- clock_timestamp, not now(): the moment the batch finished, for latency figures. A comment the
-- buyer removed is 'ignored' once its lines are recomputed; a revision is done with `replaced`.
UPDATE comments
SET status = CASE WHEN removed_at IS NULL THEN 'processed' ELSE 'ignored' END,
    processed_at = clock_timestamp(), replaced = NULL
WHERE id = ANY($1::bigint[]);

-- name: identities_by_external_id
SELECT id, external_user_id, buyer_id FROM buyer_identities
WHERE channel_id = $1 AND external_user_id = ANY($2::text[]);

-- name: create_buyers_with_identities
WITH input AS (
    SELECT nextval(pg_get_serial_sequence('buyers', 'id')) AS buyer_id, ext, name
    FROM unnest($3::text[], $4::text[]) AS t(ext, name)
), new_buyers AS (
    -- A buyer first seen on a sandbox channel (rehearsals) is a sandbox buyer.
    INSERT INTO buyers (id, tenant_id, display_name, sandbox)
    SELECT buyer_id, $1, name,
           coalesce((SELECT (c.settings ->> 'sandbox')::boolean FROM channels c WHERE c.id = $2),
                    false)
    FROM input
)
INSERT INTO buyer_identities (tenant_id, buyer_id, channel_id, external_user_id, display_name)
SELECT $1, buyer_id, $2, ext, name FROM input
ON CONFLICT (channel_id, external_user_id) DO NOTHING
RETURNING id, external_user_id, buyer_id;

-- name: open_orders_of_identities
SELECT id, buyer_identity_id, buyer_id, status
FROM orders
WHERE session_id = $1 AND buyer_identity_id = ANY($2::bigint[])
  AND status IN ('draft', 'awaiting_confirmation', 'confirmed');

-- name: live_lines_of_orders
SELECT id, order_id, product_id, code, variant, qty, status, queue_position
FROM order_items
WHERE order_id = ANY($1::bigint[]) AND status <> 'removed'
ORDER BY order_id, queue_position, id;

-- name: recent_comments_of_authors
-- What these buyers already wrote in this live, for the repeat rule.
SELECT author_external_id, body, commented_at
FROM comments
WHERE session_id = $1 AND author_external_id = ANY($2::text[]) AND status = 'processed'
  AND commented_at > $3;

-- name: create_orders
-- New orders start in their first status with the audit row that says why, in one statement.
WITH created AS (
    INSERT INTO orders (tenant_id, session_id, buyer_id, buyer_identity_id, source, status,
                        confirm_deadline)
    SELECT $1, $2, buyer_id, identity_id, $5, $7, now() + make_interval(secs => $6)
    FROM unnest($3::bigint[], $4::bigint[]) AS t(buyer_id, identity_id)
    RETURNING id, buyer_identity_id
), audited AS (
    INSERT INTO order_events (tenant_id, order_id, actor, kind, to_status, reason)
    SELECT $1, id, $8, 'created', $7, $9 FROM created
)
SELECT id, buyer_identity_id FROM created;

-- name: products_by_code
SELECT id, code, price_vnd FROM products WHERE tenant_id = $1 AND code = ANY($2::text[]);

-- name: insert_order_items
INSERT INTO order_items (tenant_id, order_id, product_id, code, variant, qty, unit_price_vnd,
                         status, source_comment_id, queue_position)
SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[],
                         $7::bigint[], $8::text[], $9::bigint[], $10::bigint[]);

-- name: update_order_items
UPDATE order_items AS i
SET qty = u.qty, status = u.status, updated_at = now()
FROM unnest($1::bigint[], $2::int[], $3::text[]) AS u(id, qty, status)
WHERE i.id = u.id;

-- name: flag_reconfirmation
UPDATE orders SET needs_reconfirmation = true WHERE id = ANY($1::bigint[]);

-- name: sessions_with_overdue_orders
-- The lives (NULL: orders of no live) with unconfirmed orders past their deadline.
SELECT DISTINCT session_id FROM orders
WHERE status IN ('draft', 'awaiting_confirmation') AND confirm_deadline < now();

-- name: orders_past_deadline
-- $1 live (NULL: orders of no live), $2 batch size. Taken after the live's merge lock.
SELECT id FROM orders
WHERE session_id IS NOT DISTINCT FROM $1
  AND status IN ('draft', 'awaiting_confirmation') AND confirm_deadline < now()
ORDER BY confirm_deadline
LIMIT $2
FOR UPDATE SKIP LOCKED;

-- name: order_totals_inputs
-- $1 order ids. What an order's totals are computed from: the wanted lines (requested or held;
-- waitlisted and unclear ones do not count yet), the shipping fee, and its live's promotion.
SELECT o.id, o.shipping_vnd, coalesce(s.promotion, '{}'::jsonb) AS promotion,
       coalesce(t.subtotal, 0) AS subtotal, coalesce(t.items, 0) AS items
FROM unnest($1::bigint[]) AS ids(id)
JOIN orders o ON o.id = ids.id
LEFT JOIN live_sessions s ON s.id = o.session_id
LEFT JOIN LATERAL (
    SELECT sum(i.qty * i.unit_price_vnd) AS subtotal, sum(i.qty) AS items FROM order_items i
    WHERE i.order_id = ids.id AND i.status IN ('requested', 'held')
) AS t ON true;

-- name: store_order_totals
UPDATE orders AS o
SET subtotal_vnd = t.subtotal, discount_vnd = t.discount, free_shipping = t.free,
    total_vnd = t.total, updated_at = now()
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::boolean[], $5::bigint[])
     AS t(id, subtotal, discount, free, total)
WHERE o.id = t.id;
