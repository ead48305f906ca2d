-- Director's reports: per Vietnam day, live, platform and product, the tax invoice list, and the
-- full event log of one order. Set-based; every query takes the tenant id first. $2/$3 are the
-- UTC instants of [first day 00:00, the day after the last 00:00) in Asia/Ho_Chi_Minh.
-- The meaning of each number is written in aggregator/core/reports.py.

-- name: report_groups
-- One pass over the orders: GROUPING SETS give the per-day, per-live and per-platform rows.
WITH o AS (
    SELECT o.id, (o.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,
           o.live_id, chotdon_live_label(lv.id) AS live_title,
           chotdon_shown_platform(ch.platform, ch.settings) AS platform,
           o.total_vnd,
           o.status IN ('confirmed', 'packing', 'packed', 'shipped', 'delivered', 'returned')
               AS confirmed,
           o.status = 'delivered' AS delivered,
           o.status = 'returned' AS returned,
           (o.status = 'delivered'
            OR (o.paid_at IS NOT NULL AND o.status NOT IN ('cancelled', 'expired', 'returned')))
               AS earned,
           o.status IN ('confirmed', 'packing', 'packed', 'shipped') AND o.paid_at IS NULL
               AS unpaid,
           CASE WHEN o.status = 'delivered' AND o.payment_method = 'cod' AND o.paid_at IS NULL
                     AND rec.order_id IS NULL
                THEN coalesce(s.cod_vnd, 0) ELSE 0 END AS cod_outstanding
    FROM orders o
    LEFT JOIN live_sessions ls ON ls.id = o.session_id AND ls.tenant_id = o.tenant_id
    LEFT JOIN lives lv ON lv.id = o.live_id AND lv.tenant_id = o.tenant_id
    LEFT JOIN channels ch ON ch.id = ls.channel_id AND ch.tenant_id = o.tenant_id
    -- one live shipment per order (unique index), so these joins never multiply orders
    LEFT JOIN shipments s ON s.order_id = o.id AND s.status <> 'cancelled'
    LEFT JOIN (SELECT DISTINCT order_id FROM order_events
               WHERE tenant_id = $1 AND kind = 'cod_reconciled') rec ON rec.order_id = o.id
    WHERE o.tenant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
      AND NOT coalesce(ls.sandbox, false)  -- rehearsals are no revenue
)
-- A live is one row whatever channels it ran on (its orders' platforms are in the platform rows).
SELECT GROUPING(day) = 0 AS by_day, GROUPING(live_id) = 0 AS by_live,
       GROUPING(platform) = 0 AS by_platform,
       day, live_id, max(live_title) AS live_title, platform,
       CASE WHEN GROUPING(live_id) = 0 THEN (
           SELECT array_agg(DISTINCT chotdon_shown_platform(c.platform, c.settings))
           FROM live_sessions s JOIN channels c ON c.id = s.channel_id
           WHERE s.live_id = o.live_id AND s.tenant_id = $1 AND s.external_live_id <> 'zalo-chat'
       ) END AS live_platforms,
       count(*) AS orders,
       count(*) FILTER (WHERE confirmed) AS confirmed,
       count(*) FILTER (WHERE delivered) AS delivered,
       count(*) FILTER (WHERE returned) AS returned,
       coalesce(sum(total_vnd) FILTER (WHERE earned), 0)::bigint AS revenue_vnd,
       coalesce(sum(total_vnd) FILTER (WHERE unpaid), 0)::bigint AS unpaid_vnd,
       coalesce(sum(cod_outstanding), 0)::bigint AS cod_outstanding_vnd
FROM o
GROUP BY GROUPING SETS ((day), (live_id), (platform))
ORDER BY by_day DESC, day, by_live DESC, live_id NULLS LAST, platform;

-- name: report_products
-- Per product and variant: the lines that count (requested or held) of the period's orders.
SELECT i.code, coalesce(p.name, i.code) AS name, i.variant,
       count(DISTINCT o.id) AS orders,
       count(DISTINCT o.id) FILTER (WHERE o.status IN ('confirmed', 'packing', 'packed',
                                                      'shipped', 'delivered', 'returned'))
           AS confirmed,
       count(DISTINCT o.id) FILTER (WHERE o.status = 'delivered') AS delivered,
       count(DISTINCT o.id) FILTER (WHERE o.status = 'returned') AS returned,
       sum(i.qty)::bigint AS qty,
       coalesce(sum(i.qty * i.unit_price_vnd) FILTER (
           WHERE o.status = 'delivered'
              OR (o.paid_at IS NOT NULL AND o.status NOT IN ('cancelled', 'expired', 'returned'))
       ), 0)::bigint AS revenue_vnd,
       coalesce(sum(i.qty * i.unit_price_vnd) FILTER (
           WHERE o.status IN ('confirmed', 'packing', 'packed', 'shipped') AND o.paid_at IS NULL
       ), 0)::bigint AS unpaid_vnd
FROM orders o
JOIN order_items i ON i.order_id = o.id AND i.tenant_id = o.tenant_id
LEFT JOIN products p ON p.id = i.product_id AND p.tenant_id = o.tenant_id
WHERE o.tenant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
  AND i.status IN ('requested', 'held') AND NOT chotdon_sandbox(o.session_id)
GROUP BY i.code, coalesce(p.name, i.code), i.variant
ORDER BY revenue_vnd DESC, i.code, i.variant;

-- name: report_invoices
-- Per-buyer invoices for the tax declaration: every order that counts as revenue, its counted
-- lines aggregated in one pass (not one subquery per order).
WITH earned AS (
    SELECT o.id, o.order_no, o.created_at, o.status, o.payment_method, o.paid_at,
           coalesce(nullif(o.recipient_name, ''), nullif(b.full_name, ''), b.display_name)
               AS buyer,
           coalesce(o.recipient_phone, b.phone) AS phone,
           o.subtotal_vnd, o.shipping_vnd, o.discount_vnd, o.total_vnd
    FROM orders o
    JOIN buyers b ON b.id = o.buyer_id AND b.tenant_id = o.tenant_id
    WHERE o.tenant_id = $1 AND o.created_at >= $2 AND o.created_at < $3
      AND NOT chotdon_sandbox(o.session_id)
      AND (o.status = 'delivered'
           OR (o.paid_at IS NOT NULL AND o.status NOT IN ('cancelled', 'expired', 'returned')))
), lines AS (
    SELECT i.order_id,
           jsonb_agg(jsonb_build_object('name', coalesce(p.name, i.code), 'variant', i.variant,
                                        'qty', i.qty, 'price', i.unit_price_vnd)
                     ORDER BY i.queue_position, i.id) AS items
    FROM order_items i
    JOIN earned e ON e.id = i.order_id
    LEFT JOIN products p ON p.id = i.product_id AND p.tenant_id = $1
    WHERE i.tenant_id = $1 AND i.status IN ('requested', 'held')
    GROUP BY i.order_id
)
SELECT e.order_no, e.created_at, e.status, e.payment_method, e.paid_at, e.buyer, e.phone,
       e.subtotal_vnd, e.shipping_vnd, e.discount_vnd, e.total_vnd,
       coalesce(l.items, '[]'::jsonb) AS items
FROM earned e
LEFT JOIN lines l ON l.order_id = e.id
ORDER BY e.created_at, e.id;

-- name: order_full_log
-- $1 tenant id, $2 order id. Everything that happened to the order, oldest first: its own
-- events (with the staff member's name), the buyer's comments, courier events, messages sent
-- (links replaced: a buyer's confirmation link is a credential) and bank transfers.
SELECT at, source, actor, kind, detail, raw_actor, from_status, to_status, reason FROM (
    SELECT e.at, 'don' AS source, coalesce(s.display_name, e.actor) AS actor, e.kind,
           concat_ws(' · ',
               CASE WHEN e.to_status IS NOT NULL
                    THEN coalesce(e.from_status, '') || ' → ' || e.to_status END,
               nullif(e.reason, ''),
               CASE WHEN e.data <> '{}'::jsonb THEN e.data::text END) AS detail,
           1 AS part, e.id AS seq,
           -- the parts, for the screen to translate (the CSV keeps the detail as recorded)
           CASE WHEN s.id IS NULL THEN e.actor END AS raw_actor, e.from_status, e.to_status,
           e.reason
    FROM order_events e
    LEFT JOIN staff s ON e.actor = 'staff:' || s.id::text AND s.tenant_id = e.tenant_id
    WHERE e.tenant_id = $1 AND e.order_id = $2
    UNION ALL
    SELECT c.commented_at, 'binh-luan', c.author_name, c.intent, c.body, 0, c.id,
           NULL, NULL, NULL, NULL
    FROM comments c
    WHERE c.tenant_id = $1
      AND c.id IN (SELECT source_comment_id FROM order_items WHERE order_id = $2 AND tenant_id = $1)
    UNION ALL
    SELECT se.at, 'van-chuyen', sh.courier, se.status,
           concat_ws(' · ', se.courier_status, sh.tracking_code), 2, se.id,
           NULL, NULL, NULL, se.courier_status
    FROM shipment_events se JOIN shipments sh ON sh.id = se.shipment_id
    WHERE sh.tenant_id = $1 AND sh.order_id = $2
    UNION ALL
    SELECT coalesce(m.sent_at, m.created_at), 'tin-nhan', 'chotdon', m.kind,
           m.status || ': ' || regexp_replace(m.body, 'https?://\S+', '[liên kết]', 'g'), 3, m.id,
           NULL, NULL, NULL, m.status
    FROM outbound_messages m
    WHERE m.tenant_id = $1 AND m.order_id = $2
    UNION ALL
    SELECT p.received_at, 'chuyen-khoan', 'ngân hàng', p.status,
           p.amount_vnd::text || ' đ · ' || p.content, 4, p.id,
           NULL, NULL, NULL, NULL
    FROM payments p
    WHERE p.tenant_id = $1 AND p.order_id = $2
) AS log
ORDER BY at, part, seq;

-- name: report_refunds
-- Refunds settled in the period (issue 22; table refunds, 0024), in the period of settled_at:
-- the money left the cooperative then, whenever the order was made. Per Vietnam day of
-- settlement, per live and per platform of the order; rehearsals never count.
WITH f AS (
    SELECT (f.settled_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, o.live_id,
           lv.title AS live_title, coalesce(ch.platform, 'manual') AS platform, f.amount_vnd
    FROM refunds f
    JOIN orders o ON o.id = f.order_id AND o.tenant_id = f.tenant_id
    LEFT JOIN live_sessions ls ON ls.id = o.session_id AND ls.tenant_id = o.tenant_id
    LEFT JOIN lives lv ON lv.id = o.live_id AND lv.tenant_id = o.tenant_id
    LEFT JOIN channels ch ON ch.id = ls.channel_id AND ch.tenant_id = o.tenant_id
    WHERE f.tenant_id = $1 AND f.status = 'settled' AND f.settled_at >= $2 AND f.settled_at < $3
      AND NOT coalesce(ls.sandbox, false)
)
SELECT GROUPING(day) = 0 AS by_day, GROUPING(live_id) = 0 AS by_live,
       day, live_id, max(live_title) AS live_title, platform,
       NULL::text[] AS live_platforms,
       sum(amount_vnd)::bigint AS refunds_vnd
FROM f
GROUP BY GROUPING SETS ((day), (live_id), (platform))
ORDER BY by_day DESC, day, by_live DESC, live_id NULLS LAST, platform;
