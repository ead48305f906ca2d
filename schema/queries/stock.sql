-- name: lock_stock_rows
-- $1 live: one pool for every channel of the live.
SELECT product_id, variant, quantity, reserved
FROM live_stock
WHERE live_id = $1
  AND (product_id, variant) IN (SELECT * FROM unnest($2::bigint[], $3::text[]))
ORDER BY product_id, variant
FOR UPDATE;

-- name: keys_with_waitlist
-- $1 live. In a first_payment live only paid orders are in line for stock: an unpaid confirmed
-- order waits without blocking anyone (paying is what takes the stock).
SELECT DISTINCT i.product_id, i.variant
FROM order_items i JOIN orders o ON o.id = i.order_id JOIN lives l ON l.id = o.live_id
WHERE o.live_id = $1 AND i.status = 'waitlisted'
  AND (l.hold_mode <> 'first_payment' OR o.paid_at IS NOT NULL)
  AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed')  -- a packed parcel takes none
  AND (i.product_id, i.variant) IN (SELECT * FROM unnest($2::bigint[], $3::text[]));

-- name: adjust_reserved
UPDATE live_stock AS s
SET reserved = s.reserved + d.delta
FROM unnest($2::bigint[], $3::text[], $4::int[]) AS d(product_id, variant, delta)
WHERE s.live_id = $1 AND s.product_id = d.product_id AND s.variant = d.variant;

-- name: hold_lines
UPDATE order_items SET status = 'held', updated_at = now() WHERE id = ANY($1::bigint[]);

-- name: remove_lines_of_orders
-- Every live line of these orders goes; what they held is returned so the caller can release it.
WITH old AS (
    SELECT i.id, i.status, i.qty, i.product_id, i.variant, o.live_id
    FROM order_items i JOIN orders o ON o.id = i.order_id
    WHERE i.order_id = ANY($1::bigint[]) AND i.status <> 'removed'
    FOR UPDATE OF i
)
UPDATE order_items AS i
SET status = 'removed', updated_at = now()
FROM old
WHERE i.id = old.id
RETURNING old.live_id, old.product_id, old.variant, old.qty, old.status AS was_status;

-- name: set_live_stock
-- The director's new quantities for a running live ($2, $3, $4 parallel arrays). The rows are
-- already locked (lock_stock_rows); the CHECK keeps quantity >= reserved as a last wall.
UPDATE live_stock AS st
SET quantity = t.quantity
FROM unnest($2::bigint[], $3::text[], $4::integer[]) AS t(product_id, variant, quantity)
WHERE st.live_id = $1 AND st.product_id = t.product_id AND st.variant = t.variant;

-- name: order_for_hold
-- $1 order id. The order with its live's hold mode (aggregator/orders/holds.py).
SELECT o.id, o.tenant_id, o.live_id, o.paid_at, l.hold_mode
FROM orders o LEFT JOIN lives l ON l.id = o.live_id
WHERE o.id = $1;

-- name: lines_to_hold
-- $1 order id, $2 statuses. Its lines of catalogue products in these statuses, locked, in queue
-- order.
SELECT id, product_id, variant, qty, status, queue_position
FROM order_items
WHERE order_id = $1 AND status = ANY($2::text[]) AND product_id IS NOT NULL
ORDER BY queue_position, id
FOR UPDATE;
