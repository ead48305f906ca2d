-- TikTok-shipped orders (0020_sandbox_tiktok_fulfilment): arranged through TikTok's Fulfillment
-- API and packed with TikTok's label, never booked on chotdon's couriers.

-- name: start_tiktok_fulfilment
-- $1 order id. The fulfilment row of a TikTok-shipped order, made once from its platform order.
INSERT INTO tiktok_fulfilments (order_id, tenant_id, channel_id, external_order_id, package_id)
SELECT o.id, o.tenant_id, po.channel_id, po.external_order_id,
       po.payload -> 'packages' -> 0 ->> 'id'
FROM orders o JOIN platform_orders po ON po.order_id = o.id
WHERE o.id = $1 AND chotdon_platform_ships(o.id)
ON CONFLICT (order_id, tenant_id) DO NOTHING;

-- name: tiktok_fulfilment
SELECT f.order_id, f.tenant_id, f.channel_id, f.external_order_id, f.package_id,
       f.ship_requested_at, f.arranged_at, f.label_at, o.status AS order_status
FROM tiktok_fulfilments f JOIN orders o ON o.id = f.order_id
WHERE f.order_id = $1;

-- name: set_tiktok_package
UPDATE tiktok_fulfilments SET package_id = $2, updated_at = now()
WHERE order_id = $1 AND package_id IS DISTINCT FROM $2;

-- name: mark_tiktok_ship_requested
-- Committed before Ship Package is called: a retry knows a call may have reached TikTok.
UPDATE tiktok_fulfilments
SET ship_requested_at = coalesce(ship_requested_at, now()), attempts = attempts + 1,
    updated_at = now()
WHERE order_id = $1;

-- name: mark_tiktok_arranged
UPDATE tiktok_fulfilments
SET arranged_at = coalesce(arranged_at, now()), last_error = NULL, updated_at = now()
WHERE order_id = $1 AND arranged_at IS NULL
RETURNING order_id;

-- name: store_tiktok_label
-- $1 order, $2 the label PDF, $3 TikTok's tracking number ('' when it gave none).
UPDATE tiktok_fulfilments
SET label_pdf = $2, tracking_number = coalesce(nullif($3, ''), tracking_number),
    label_at = now(), last_error = NULL, updated_at = now()
WHERE order_id = $1 AND label_at IS NULL
RETURNING order_id;

-- name: note_tiktok_fulfilment_error
UPDATE tiktok_fulfilments SET last_error = $2, updated_at = now() WHERE order_id = $1;

-- name: unfinished_tiktok_fulfilments
-- $1 seconds untouched, $2 limit. Packed orders TikTok ships whose label chotdon does not hold:
-- no fulfilment row yet (the job was lost) or one still without its label.
SELECT o.id
FROM orders o
LEFT JOIN tiktok_fulfilments f ON f.order_id = o.id
WHERE o.status = 'packed' AND f.label_at IS NULL AND chotdon_platform_ships(o.id)
  AND o.updated_at < now() - make_interval(secs => $1)
  AND (f.updated_at IS NULL OR f.updated_at < now() - make_interval(secs => $1))
ORDER BY o.id
LIMIT $2;

-- name: tiktok_label_of_order
-- $1 tenant id, $2 order id. TikTok's label of the order, once chotdon holds it.
SELECT f.label_pdf, f.tracking_number, o.order_no
FROM tiktok_fulfilments f JOIN orders o ON o.id = f.order_id
WHERE f.tenant_id = $1 AND f.order_id = $2 AND f.label_at IS NOT NULL;

-- name: tiktok_label_state
-- $1 tenant id, $2 order id. For the pick list: whether TikTok ships the order, and its label.
SELECT chotdon_platform_ships(o.id) AS platform_ships,
       f.label_at IS NOT NULL AS label_ready, f.tracking_number, f.last_error
FROM orders o LEFT JOIN tiktok_fulfilments f ON f.order_id = o.id
WHERE o.tenant_id = $1 AND o.id = $2;
