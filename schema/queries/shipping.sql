-- Couriers: hand-off, status events, polling, risk and packing slips.

-- name: order_for_shipment
-- ship_block: why it may not be booked now (0019: 'unpaid', 'empty'), NULL when it may.
SELECT o.id, o.tenant_id, o.order_no, o.status, o.total_vnd, o.payment_method, o.paid_at,
       o.recipient_name, o.recipient_phone, o.province_code, o.ward_code, o.address_line, o.note,
       o.shipping_vnd, o.free_shipping, chotdon_paid_vnd(o.id) AS paid_vnd,
       chotdon_ship_block(o.id) AS ship_block,
       t.name AS tenant_name, t.province AS tenant_province, t.settings AS tenant_settings,
       chotdon_sandbox(o.session_id) AS sandbox,
       chotdon_platform_ships(o.id) AS platform_ships
FROM orders o JOIN tenants t ON t.id = o.tenant_id
WHERE o.id = $1;

-- name: lines_of_orders
SELECT i.order_id, i.code, coalesce(p.name, i.code) AS name, i.variant, i.qty, i.unit_price_vnd,
       coalesce(v.weight_g, p.weight_g, 0) AS weight_g, b.public_code AS batch_public_code,
       b.code AS batch_code
FROM order_items i LEFT JOIN products p ON p.id = i.product_id
LEFT JOIN product_variants v ON v.product_id = i.product_id AND v.name = i.variant
LEFT JOIN product_batches b ON b.id = i.batch_id
WHERE i.order_id = ANY($1::bigint[]) AND i.status IN ('held', 'requested')
ORDER BY i.order_id, i.id;

-- name: reserve_shipment
-- The row exists before the courier is called: one live shipment per order (unique index).
INSERT INTO shipments (tenant_id, order_id, courier, client_order_code, cod_vnd)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: live_shipment_of_order
SELECT id, courier, client_order_code, tracking_code, status
FROM shipments WHERE order_id = $1 AND status <> 'cancelled';

-- name: store_created_shipment
-- A second writer (a duplicated job) may only fill in a tracking code still missing.
UPDATE shipments
SET status = CASE WHEN status = 'creating' THEN 'created' ELSE status END,
    tracking_code = coalesce(tracking_code, $2),
    fee_vnd = CASE WHEN $3 > 0 THEN $3 ELSE fee_vnd END,
    courier_status = coalesce(courier_status, nullif($4, '')),
    status_rank = greatest(status_rank, $5),
    next_poll_at = coalesce(next_poll_at, now() + make_interval(secs => $6)),
    updated_at = now()
WHERE id = $1 AND (status = 'creating' OR tracking_code IS NULL)
RETURNING id, tracking_code;

-- name: cancel_reserved_shipment
UPDATE shipments SET status = 'cancelled', updated_at = now()
WHERE id = $1 AND status = 'creating';

-- name: packed_orders_without_shipment
-- Packed orders whose shipment never got made: no row, or a row stuck in 'creating'.
SELECT o.id
FROM orders o
LEFT JOIN shipments s ON s.order_id = o.id AND s.status <> 'cancelled'
WHERE o.status = 'packed' AND NOT chotdon_sandbox(o.session_id)
  AND NOT chotdon_platform_ships(o.id)  -- TikTok ships those (tiktok_fulfilment.sql)
  -- An order that must be paid first waits for its transfer (its payment moves updated_at);
  -- one holding no goods is never booked (0019: chotdon_ship_block).
  AND chotdon_ship_block(o.id) IS NULL
  AND ((s.id IS NULL AND o.updated_at < now() - make_interval(secs => $1))
       OR (s.status = 'creating' AND s.updated_at < now() - make_interval(secs => $1)))
ORDER BY o.id
LIMIT $2;

-- name: shipment_for_event
-- By tracking code, or by our client order code (Viettel Post tells the waybill late).
SELECT s.id, s.tenant_id, s.order_id, s.tracking_code, s.status, s.status_rank, s.last_event_at,
       o.order_no, o.buyer_id
FROM shipments s JOIN orders o ON o.id = s.order_id
WHERE s.courier = $1 AND (s.tracking_code = $2 OR s.client_order_code = $3)
ORDER BY (s.status = 'cancelled'), s.id DESC
LIMIT 1
FOR UPDATE OF s;

-- name: insert_shipment_event
INSERT INTO shipment_events (tenant_id, shipment_id, status, courier_status, at, raw)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (shipment_id, courier_status, at, tenant_id) DO NOTHING
RETURNING id;

-- name: move_shipment
-- $9 the courier's reason for the new status. Final statuses and incidents are not polled.
UPDATE shipments
SET status = $2, courier_status = $3, status_rank = $4, last_event_at = $5,
    tracking_code = coalesce(tracking_code, $6),
    cod_vnd = coalesce($7, cod_vnd),
    next_poll_at = CASE WHEN $2 IN ('delivered', 'returned', 'cancelled', 'lost', 'damaged',
                                    'exception') THEN NULL
                        ELSE now() + make_interval(secs => $8) END,
    status_reason = $9,
    updated_at = now()
WHERE id = $1;

-- name: fill_tracking_code
UPDATE shipments SET tracking_code = $2, updated_at = now()
WHERE id = $1 AND tracking_code IS NULL;

-- name: add_buyer_outcome
UPDATE buyers
SET delivered_count = delivered_count + $2, returned_count = returned_count + $3
WHERE id = $1;

-- name: queue_buyer_message
-- A message on the buyer's own platform; the idempotency key sends nothing twice.
INSERT INTO outbound_messages (tenant_id, channel_id, buyer_identity_id, order_id, kind,
                               idempotency_key, body)
SELECT o.tenant_id, bi.channel_id, o.buyer_identity_id, o.id, $2, $3, $4
FROM orders o JOIN buyer_identities bi ON bi.id = o.buyer_identity_id
WHERE o.id = $1;  -- a repeated key is skipped by outbound_messages_once (migration 0034)

-- name: shipments_due_for_poll
SELECT id, tenant_id, courier, tracking_code
FROM shipments
WHERE status IN ('created', 'picked_up', 'in_transit', 'failed_attempt', 'returning',
                 'pickup_failed')
  AND tracking_code IS NOT NULL AND next_poll_at <= now()
ORDER BY next_poll_at
LIMIT $1;

-- name: postpone_poll
UPDATE shipments SET next_poll_at = now() + make_interval(secs => $2) WHERE id = $1;

-- name: order_risk
-- Delivered vs returned parcels of the order's buyer and of every buyer with the same phone,
-- and whether the cooperative blocked the buyer's or the recipient's phone.
SELECT o.id, o.tenant_id, t.settings AS tenant_settings,
       coalesce(sum(b.delivered_count), 0)::int AS delivered,
       coalesce(sum(b.returned_count), 0)::int AS returned,
       EXISTS (SELECT 1 FROM blocked_phones bp JOIN buyers ob ON ob.id = o.buyer_id
               WHERE bp.tenant_id = o.tenant_id AND bp.phone IN (o.recipient_phone, ob.phone))
           AS blocked
FROM orders o
JOIN tenants t ON t.id = o.tenant_id
LEFT JOIN buyers b ON b.tenant_id = o.tenant_id
    AND (b.id = o.buyer_id OR (o.recipient_phone IS NOT NULL AND b.phone = o.recipient_phone
                               AND b.sandbox = chotdon_sandbox(o.session_id)))
WHERE o.id = $1
GROUP BY o.id, o.tenant_id, t.settings;

-- name: set_tenant_setting
UPDATE tenants SET settings = settings || jsonb_build_object($2::text, $3::jsonb)
WHERE id = $1
RETURNING settings;

-- name: session_orders_for_slips
SELECT o.id, o.order_no, o.recipient_name, o.recipient_phone, o.total_vnd, o.payment_method,
       o.paid_at, o.address_line, o.ward_code, o.province_code, o.note,
       o.shipping_vnd, o.free_shipping, o.discount_vnd, chotdon_paid_vnd(o.id) AS paid_vnd,
       coalesce(ls.promotion, '{}'::jsonb) AS promotion,
       t.name AS tenant_name, s.courier, s.tracking_code
FROM orders o
JOIN tenants t ON t.id = o.tenant_id
LEFT JOIN lives ls ON ls.id = o.live_id
LEFT JOIN shipments s ON s.order_id = o.id AND s.status <> 'cancelled'
WHERE o.session_id = $1 AND o.status IN ('packing', 'packed', 'shipped')
  AND NOT chotdon_sandbox(o.session_id)
ORDER BY o.order_no;

-- name: order_for_slip
-- $1 order, $2 the staff member's cooperative: one order's slip, for the packer who holds it.
SELECT o.id, o.order_no, o.recipient_name, o.recipient_phone, o.total_vnd, o.payment_method,
       o.paid_at, o.address_line, o.ward_code, o.province_code, o.note,
       o.shipping_vnd, o.free_shipping, o.discount_vnd, chotdon_paid_vnd(o.id) AS paid_vnd,
       coalesce(ls.promotion, '{}'::jsonb) AS promotion,
       t.name AS tenant_name, s.courier, s.tracking_code
FROM orders o
JOIN tenants t ON t.id = o.tenant_id
LEFT JOIN lives ls ON ls.id = o.live_id
LEFT JOIN shipments s ON s.order_id = o.id AND s.status <> 'cancelled'
WHERE o.id = $1 AND o.tenant_id = $2
  AND o.status IN ('packing', 'packed', 'shipped', 'needs_address');

-- name: shipments_for_cod
-- The courier's parcels a COD report may name: by waybill or by our order number.
SELECT s.id, s.order_id, s.tracking_code, s.client_order_code, s.status, s.cod_vnd
FROM shipments s
WHERE s.courier = $1 AND s.status <> 'cancelled'
  AND (s.tracking_code = ANY($2::text[]) OR s.client_order_code = ANY($3::text[])
       OR (s.status = 'delivered' AND s.cod_vnd > 0
           AND NOT EXISTS (SELECT 1 FROM order_events e
                           WHERE e.order_id = s.order_id AND e.kind = 'cod_reconciled')));

-- name: record_cod_reconciled
-- Once per order: a report imported twice records nothing new.
INSERT INTO order_events (tenant_id, order_id, actor, kind, reason, data)
SELECT o.tenant_id, o.id, $2, 'cod_reconciled', $3, jsonb_build_object('cod_vnd', r.cod)
FROM unnest($1::bigint[], $4::bigint[]) AS r(order_id, cod)
JOIN orders o ON o.id = r.order_id
WHERE NOT EXISTS (SELECT 1 FROM order_events e
                  WHERE e.order_id = o.id AND e.kind = 'cod_reconciled');

-- name: store_converted_address
-- $1 order id, $2 old province, $3 old ward, $4 new province code, $5 new ward code, $6 street.
-- Only if the address is still the one that was converted (staff may have changed it meanwhile).
UPDATE orders SET province_code = $4, ward_code = $5, address_line = $6, updated_at = now()
WHERE id = $1 AND province_code IS NOT DISTINCT FROM $2 AND ward_code IS NOT DISTINCT FROM $3
RETURNING id;

-- name: pending_shipment_news
-- $1 batch size. Delivery news recorded by the courier webhooks, and news of a buyer's return
-- recorded by staff moves (aggregator/staff/returns.py), not yet handed to a platform.
SELECT id, order_id, kind, idempotency_key, body FROM outbound_messages
WHERE status = 'pending' AND (kind LIKE 'shipment\_%' OR kind LIKE 'return\_%')
  AND order_id IS NOT NULL
ORDER BY id
LIMIT $1;

-- name: mark_shipment_news_unsent
-- $1 news row, $2 why. The order has no buyer on a platform to write to (its order or identity
-- is gone): staff tell the buyer by hand; left pending it would come back in every batch.
UPDATE outbound_messages SET status = 'unsent', last_error = $2
WHERE id = $1 AND status = 'pending';

-- name: mark_shipment_news_handed_over
-- $1 news row, $2 the platform message that carries it (its own row tracks the actual send).
UPDATE outbound_messages
SET status = 'sent', sent_at = now(), external_message_id = 'outbound:' || $2::bigint::text
WHERE id = $1 AND status = 'pending';
