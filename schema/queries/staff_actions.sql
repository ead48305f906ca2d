-- Staff actions on one order: edit lines, resolve unclear lines and comments, merge, cancel.
-- Every query takes the staff member's tenant id: another cooperative's rows are never found.

-- name: lock_order_for_action
-- $1 tenant id, $2 order id. The order row locked with what the actions need; NULL if not ours.
SELECT o.id, o.order_no, o.status, o.session_id, o.live_id, o.buyer_id, o.merge_review,
       ls.channel_id, l.hold_mode,
       EXISTS (SELECT 1 FROM shipments s
               WHERE s.order_id = o.id AND s.status <> 'cancelled') AS has_shipment
FROM orders o
LEFT JOIN live_sessions ls ON ls.id = o.session_id
LEFT JOIN lives l ON l.id = o.live_id
WHERE o.tenant_id = $1 AND o.id = $2
FOR UPDATE OF o;

-- name: lock_orders_for_merge
-- $1 tenant id, $2 order ids. Locked in id order (two merges never deadlock).
-- person: the buyer the order's identity belongs to today (a phone link may have moved it).
SELECT id, order_no, status, session_id, live_id, buyer_id,
       coalesce((SELECT bi.buyer_id FROM buyer_identities bi WHERE bi.id = buyer_identity_id),
                buyer_id) AS person
FROM orders
WHERE tenant_id = $1 AND id = ANY($2::bigint[])
ORDER BY id
FOR UPDATE;

-- name: linked_open_orders
-- $1 tenant id, $2 order id. Other open orders of the same person in the same live: the ones
-- the merge flag (orders.merge_review) asks staff to look at. The merge joins a buyer's orders
-- itself when identities link by phone, except two orders both paid: they keep their buyers and
-- are found here through the identities that opened them, now linked to one buyer.
SELECT o2.id, o2.order_no, o2.status, o2.total_vnd, o2.merge_review
FROM orders o
JOIN orders o2 ON o2.tenant_id = o.tenant_id AND o2.live_id = o.live_id AND o2.id <> o.id
LEFT JOIN buyer_identities bi ON bi.id = o.buyer_identity_id
LEFT JOIN buyer_identities bi2 ON bi2.id = o2.buyer_identity_id
WHERE o.tenant_id = $1 AND o.id = $2
  AND (o2.buyer_id = o.buyer_id OR bi2.buyer_id = coalesce(bi.buyer_id, o.buyer_id))
  AND o2.status IN ('draft', 'awaiting_confirmation', 'confirmed')
ORDER BY o2.id;

-- name: order_line_for_action
-- $1 tenant id, $2 order id, $3 line id. A live line of the order, locked.
SELECT id, product_id, code, variant, qty, status, source_comment_id, queue_position
FROM order_items
WHERE tenant_id = $1 AND order_id = $2 AND id = $3 AND status <> 'removed'
FOR UPDATE;

-- name: set_line_qty
-- $1 line id, $2 quantity, $3 status.
UPDATE order_items SET qty = $2, status = $3, updated_at = now() WHERE id = $1;

-- name: insert_staff_order_item
-- $1 tenant id, $2 order id, $3 product id, $4 code, $5 variant, $6 qty, $7 unit price,
-- $8 status, $9 source comment id or NULL, $10 queue position or NULL (then: after every comment
-- of the live so far, the back of any waitlist).
INSERT INTO order_items (tenant_id, order_id, product_id, code, variant, qty, unit_price_vnd,
                         status, source_comment_id, queue_position)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9,
       coalesce($10::bigint,
                (SELECT coalesce(max(c.id), 0) + 1 FROM comments c
                 JOIN live_sessions s ON s.id = c.session_id
                 JOIN orders o ON o.live_id = s.live_id WHERE o.id = $2))
RETURNING id;

-- name: product_for_action
-- $1 tenant id, $2 product id, $3 variant: the line's price is the variant's own when it has one.
SELECT p.id, p.code, p.name, p.variants,
       coalesce((SELECT v.price_vnd FROM product_variants v
                 WHERE v.product_id = p.id AND v.name = $3), p.price_vnd) AS price_vnd
FROM products p
WHERE p.tenant_id = $1 AND p.id = $2 AND p.active;

-- name: catalogue_for_staff
-- $1 tenant id. Active products, for the pickers and the fuzzy suggestions; the pickers show each
-- variant's own price ({"2kg": 85000}, the others cost price_vnd).
SELECT p.id, p.code, p.name, p.aliases, p.variants, p.price_vnd,
       (SELECT coalesce(jsonb_object_agg(v.name, v.price_vnd), '{}'::jsonb)
        FROM product_variants v WHERE v.product_id = p.id AND v.price_vnd IS NOT NULL)
           AS variant_prices
FROM products p
WHERE p.tenant_id = $1 AND p.active
ORDER BY p.code;

-- name: move_lines_to_order
-- $1 tenant id, $2 target order id, $3 source order ids. Live lines change order; their stock
-- stays reserved (same live), so nothing is released or taken.
UPDATE order_items SET order_id = $2, updated_at = now()
WHERE tenant_id = $1 AND order_id = ANY($3::bigint[]) AND status <> 'removed'
RETURNING id;

-- name: clear_merge_review
-- $1 tenant id, $2 order ids.
UPDATE orders SET merge_review = false, updated_at = now()
WHERE tenant_id = $1 AND id = ANY($2::bigint[]);

-- name: order_has_live_lines
-- $1 order id.
SELECT EXISTS (SELECT 1 FROM order_items WHERE order_id = $1 AND status <> 'removed');
