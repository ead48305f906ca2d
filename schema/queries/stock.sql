-- name: lock_stock_rows
SELECT product_id, variant, quantity, reserved
FROM session_stock
WHERE session_id = $1
  AND (product_id, variant) IN (SELECT * FROM unnest($2::bigint[], $3::text[]))
ORDER BY product_id, variant
FOR UPDATE;

-- name: keys_with_waitlist
SELECT DISTINCT i.product_id, i.variant
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.session_id = $1 AND i.status = 'waitlisted'
  AND (i.product_id, i.variant) IN (SELECT * FROM unnest($2::bigint[], $3::text[]));

-- name: adjust_reserved
UPDATE session_stock AS s
SET reserved = s.reserved + d.delta
FROM unnest($2::bigint[], $3::text[], $4::int[]) AS d(product_id, variant, delta)
WHERE s.session_id = $1 AND s.product_id = d.product_id AND s.variant = d.variant;

-- name: waitlist_of_key
SELECT i.id, i.qty, i.order_id
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.session_id = $1 AND i.product_id = $2 AND i.variant = $3 AND i.status = 'waitlisted'
ORDER BY i.queue_position, i.id
FOR UPDATE OF i;

-- name: hold_lines
UPDATE order_items SET status = 'held', updated_at = now() WHERE id = ANY($1::bigint[]);

-- name: remove_lines_of_orders
-- Every live line of these orders goes; what they held is returned so the caller can release it.
WITH old AS (
    SELECT i.id, i.status, i.qty, i.product_id, i.variant, o.session_id
    FROM order_items i JOIN orders o ON o.id = i.order_id
    WHERE i.order_id = ANY($1::bigint[]) AND i.status <> 'removed'
    FOR UPDATE OF i
)
UPDATE order_items AS i
SET status = 'removed', updated_at = now()
FROM old
WHERE i.id = old.id
RETURNING old.session_id, old.product_id, old.variant, old.qty, old.status AS was_status;

-- name: set_live_stock
-- The director's new quantities for a running live ($2, $3, $4 parallel arrays). The rows are
-- already locked (lock_stock_rows); the CHECK keeps quantity >= reserved as a last wall.
UPDATE session_stock AS st
SET quantity = t.quantity
FROM unnest($2::bigint[], $3::text[], $4::integer[]) AS t(product_id, variant, quantity)
WHERE st.session_id = $1 AND st.product_id = t.product_id AND st.variant = t.variant;
