-- Tax figures of a household business / cooperative (aggregator/core/tax.py says what counts).
-- $1 tenant id; $2/$3 the UTC instants of [first day 00:00, the day after the last 00:00) in
-- Asia/Ho_Chi_Minh. Sales count by the Vietnam day the order was created, as in the reports;
-- refunds (0024) by the day they were settled.

-- name: tax_sales
-- Orders that are revenue: delivered, or paid and not cancelled, expired or returned; never a
-- rehearsal. payment_method 'platform' = paid through TikTok Shop (the platform withheld tax).
WITH earned AS (
    SELECT o.id, o.order_no, o.created_at, o.payment_method, o.total_vnd, o.shipping_vnd,
           o.discount_vnd, coalesce(ch.platform, 'manual') AS platform,
           coalesce(nullif(o.recipient_name, ''), nullif(b.full_name, ''), b.display_name)
               AS buyer
    FROM orders o
    JOIN buyers b ON b.id = o.buyer_id AND b.tenant_id = o.tenant_id
    LEFT JOIN live_sessions ls ON ls.id = o.session_id AND ls.tenant_id = o.tenant_id
    LEFT JOIN channels ch ON ch.id = ls.channel_id AND ch.tenant_id = o.tenant_id
    WHERE o.tenant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
      AND NOT coalesce(ls.sandbox, false)
      AND (o.status = 'delivered'
           OR (o.paid_at IS NOT NULL AND o.status NOT IN ('cancelled', 'expired', 'returned')))
), lines AS (
    SELECT i.order_id,
           jsonb_agg(jsonb_build_object('code', i.code, 'name', coalesce(p.name, i.code),
                                        'variant', i.variant, 'qty', i.qty,
                                        'price', i.unit_price_vnd)
                     ORDER BY i.queue_position, i.id) AS items
    FROM order_items i
    JOIN earned e ON e.id = i.order_id
    LEFT JOIN products p ON p.id = i.product_id AND p.tenant_id = $1
    WHERE i.tenant_id = $1 AND i.status IN ('requested', 'held')
    GROUP BY i.order_id
)
SELECT e.order_no, e.created_at, e.payment_method, e.platform, e.total_vnd, e.shipping_vnd,
       e.discount_vnd, e.buyer, coalesce(l.items, '[]'::jsonb) AS items
FROM earned e LEFT JOIN lines l ON l.order_id = e.id
ORDER BY e.created_at, e.id;

-- name: tax_refunds
-- Refunds settled in the range, with the order's payment method (who declared the sale).
SELECT r.id, r.amount_vnd, r.method, r.settled_at, o.order_no, o.payment_method
FROM refunds r JOIN orders o ON o.id = r.order_id AND o.tenant_id = r.tenant_id
WHERE r.tenant_id = $1 AND r.status = 'settled' AND r.settled_at >= $2 AND r.settled_at < $3
  AND NOT chotdon_sandbox(o.session_id)
ORDER BY r.settled_at, r.id;

-- name: tax_seller
-- The cooperative's name and its e-invoice details (tenants.settings -> 'einvoice').
SELECT name, coalesce(settings -> 'einvoice', '{}'::jsonb) AS einvoice
FROM tenants WHERE id = $1;
