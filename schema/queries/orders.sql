-- name: transition_orders
-- The guarded move of the state machine: only orders in an allowed status move. An order that
-- must be paid first or holds no goods (chotdon_ship_block, 0019) is never claimed or packed.
WITH old AS (
    SELECT id, status FROM orders
    WHERE id = ANY($1::bigint[]) AND status = ANY($3::text[])
      AND ($2::text NOT IN ('packing', 'packed') OR chotdon_ship_block(id) IS NULL)
    ORDER BY id
    FOR UPDATE
)
UPDATE orders AS o
SET status = $2, updated_at = now(), version = o.version + 1,
    needs_reconfirmation = CASE WHEN $2 = 'confirmed' THEN false ELSE o.needs_reconfirmation END
FROM old
WHERE o.id = old.id
RETURNING o.id, o.tenant_id, old.status AS from_status;

-- name: drop_waitlisted_lines
-- $1 order ids moving to packing: their lines still waiting for stock leave with the
-- order unfilled. Marked removed so that no screen counts their buyers as waiting any more (the
-- waitlist itself stopped serving them at packing, stock.sql). One row per order and line.
UPDATE order_items
SET status = 'removed', updated_at = now()
WHERE order_id = ANY($1::bigint[]) AND status = 'waitlisted'
RETURNING tenant_id, order_id, code, variant, qty;

-- name: insert_order_events
INSERT INTO order_events (tenant_id, order_id, actor, kind, from_status, to_status, reason, data)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::jsonb[]);

-- name: lock_session_for_merge
-- Taken first in every transaction that changes a live's orders or stock: the lock is the live's
-- (all its channels), so merges of two channels of one live, a buyer's confirmation and a payment
-- take turns and one buyer never gets two open orders in it. Comments merge in order.
-- With what a new order's totals need (the cooperative's fee settings, the live's promotion).
SELECT pg_advisory_xact_lock(hashtext('chotdon.merge'), s.live_id::int) AS locked,
       s.id, s.tenant_id, s.channel_id, s.live_id, l.hold_mode, s.status, s.sandbox,
       tn.settings AS tenant_settings, coalesce(l.promotion, '{}'::jsonb) AS promotion
FROM (SELECT 1) AS one
LEFT JOIN live_sessions s ON s.id = $1
LEFT JOIN lives l ON l.id = s.live_id
LEFT JOIN tenants tn ON tn.id = s.tenant_id;

-- name: lock_live
-- $1 live id: the lock lock_session_for_merge takes.
SELECT pg_advisory_xact_lock(hashtext('chotdon.merge'), $1::int);

-- name: lock_live_of_order
-- $1 order id. The order's live lock (none for an order of no live), taken before the order row
-- by anyone who then changes its lines or stock, the merge's lock order.
SELECT pg_advisory_xact_lock(hashtext('chotdon.merge'), live_id::int)
FROM orders WHERE id = $1 AND live_id IS NOT NULL;

-- name: lock_live_of_order_no
-- $1 order number (a bank transfer names it); as lock_live_of_order.
SELECT pg_advisory_xact_lock(hashtext('chotdon.merge'), live_id::int)
FROM orders WHERE order_no = $1 AND live_id IS NOT NULL;

-- name: waiting_sessions_of_shard
-- $1 shard, $2 shard count: the sessions one merge round takes (workers/merge_runner.py), in
-- the order its transactions take their lives' locks (sessions_in_lock_order), each with how
-- many comments wait (what pending_counts_of_sessions would say, uncapped): one statement where
-- a round asked three times. One pass over the partial index of pending comments: what it reads
-- is what waits (a round's worth under a steady stream), so counting them costs nothing more.
-- It was a recursive skip scan, one probe per session, meant to read one entry each; but
-- comments is partitioned, and with the few pending rows its statistics always show, the planner
-- answers each probe with Append + Sort of every pending entry above it rather than a Merge
-- Append: 30,000 to 85,000 buffers a call in the ingest bench's steady phase.
SELECT w.session_id AS id, w.pending
FROM (SELECT session_id, count(*) AS pending FROM comments
      WHERE status = 'pending' AND session_id IS NOT NULL AND session_id % $2 = $1
      GROUP BY session_id) AS w
JOIN live_sessions s ON s.id = w.session_id
ORDER BY s.live_id, s.id;

-- name: sessions_in_lock_order
-- $1 session ids, in the order a transaction merging several takes their lives' locks.
SELECT id FROM live_sessions WHERE id = ANY($1::bigint[]) ORDER BY live_id, id;

-- name: mark_comments_processed
-- clock_timestamp, not now(): the moment the batch finished, for latency figures. A comment the
-- buyer removed is 'ignored' once its lines are recomputed; a revision is done with `replaced`.
UPDATE comments
SET status = CASE WHEN removed_at IS NULL THEN 'processed' ELSE 'ignored' END,
    processed_at = clock_timestamp(), replaced = NULL
WHERE id = ANY($1::bigint[]);

-- name: set_order_buyer
-- $1 order id, $2 buyer id: the order follows its identity to the buyer a phone linked it to.
UPDATE orders SET buyer_id = $2, updated_at = now() WHERE id = $1;

-- name: live_lines_of_orders
SELECT id, order_id, product_id, code, variant, qty, status, queue_position
FROM order_items
WHERE order_id = ANY($1::bigint[]) AND status <> 'removed'
ORDER BY order_id, queue_position, id;

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

-- name: reserve_order_ids
-- $1 how many: ids for orders the merge creates once their lines and totals are known. The
-- sequence by name (a constant): pg_get_serial_sequence looked it up in the catalogue again for
-- every id, 9 us each, ten times the nextval.
SELECT nextval('orders_id_seq') AS id FROM generate_series(1, $1);

-- name: products_by_code
-- With the prices of the variants that have their own ({"2kg": 85000}; 0028_product_variants).
SELECT p.id, p.code, p.price_vnd,
       (SELECT coalesce(jsonb_object_agg(v.name, v.price_vnd), '{}'::jsonb)
        FROM product_variants v WHERE v.product_id = p.id AND v.price_vnd IS NOT NULL)
           AS variant_prices
FROM products p WHERE p.tenant_id = $1 AND p.code = ANY($2::text[]);

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
SELECT o.id, o.shipping_vnd, o.province_code, coalesce(s.promotion, '{}'::jsonb) AS promotion,
       coalesce(t.subtotal, 0) AS subtotal, coalesce(t.items, 0) AS items,
       tn.settings AS tenant_settings
FROM unnest($1::bigint[]) AS ids(id)
JOIN orders o ON o.id = ids.id
JOIN tenants tn ON tn.id = o.tenant_id
LEFT JOIN lives s ON s.id = o.live_id
LEFT JOIN LATERAL (
    SELECT sum(i.qty * i.unit_price_vnd) AS subtotal, sum(i.qty) AS items FROM order_items i
    WHERE i.order_id = ids.id AND i.status IN ('requested', 'held')
) AS t ON true;

-- name: store_order_totals
UPDATE orders AS o
SET subtotal_vnd = t.subtotal, discount_vnd = t.discount, free_shipping = t.free,
    total_vnd = t.total, shipping_vnd = t.shipping, updated_at = now()
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::boolean[], $5::bigint[],
            $6::bigint[])
     AS t(id, subtotal, discount, free, total, shipping)
WHERE o.id = t.id;

-- name: flag_merge_review
-- $1 order ids: several open orders of one buyer in one live that only staff may merge.
UPDATE orders SET merge_review = true, updated_at = now() WHERE id = ANY($1::bigint[]);

-- name: order_numbers
SELECT id, order_no FROM orders WHERE id = ANY($1::bigint[]);
