-- Orders the platforms record themselves (TikTok Shop) becoming orders in our queue.

-- name: unapplied_platform_orders
-- $1 channel id, $2 batch size. Rows whose newest state is not applied yet, locked for this
-- transaction; SKIP LOCKED lets two jobs of one shop split the work instead of waiting.
SELECT p.id, p.tenant_id, p.channel_id, p.external_order_id, p.external_status, p.payload,
       p.order_id, p.updated_at
FROM platform_orders p
WHERE p.channel_id = $1 AND p.applied_updated_at IS DISTINCT FROM p.updated_at
ORDER BY p.id
LIMIT $2
FOR UPDATE OF p SKIP LOCKED;

-- name: shop_live_on_air
-- $1 channel id. The live the shop's channel has on air, newest first; its stock holds the lines.
SELECT id, live_id FROM live_sessions
WHERE channel_id = $1 AND status = 'live'
ORDER BY started_at DESC NULLS LAST, id DESC
LIMIT 1;

-- name: set_platform_order_delivery
-- $1 order ids, $2 payment methods, $3 names, $4 phones, $5 address lines. Only orders not yet
-- packed take the platform's recipient (an address update after packing is for staff to see).
UPDATE orders AS o
SET payment_method = u.payment, recipient_name = coalesce(u.name, o.recipient_name),
    recipient_phone = coalesce(u.phone, o.recipient_phone),
    address_line = coalesce(u.address, o.address_line),
    paid_at = CASE WHEN u.payment = 'platform' THEN coalesce(o.paid_at, now()) ELSE o.paid_at END,
    updated_at = now()
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
     AS u(id, payment, name, phone, address)
WHERE o.id = u.id AND o.status IN ('draft', 'awaiting_confirmation', 'confirmed');

-- name: mark_platform_orders_applied
-- $1 platform order ids, $2 our order ids (NULL: none yet), $3 the update times applied.
UPDATE platform_orders AS p
SET order_id = coalesce(u.order_id, p.order_id), applied_updated_at = u.applied
FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) AS u(id, order_id, applied)
WHERE p.id = u.id;

-- name: channels_with_unapplied_platform_orders
-- $1 seconds: states stored longer ago than this and still not applied (their job was lost).
SELECT DISTINCT channel_id FROM platform_orders
WHERE applied_updated_at IS DISTINCT FROM updated_at
  AND greatest(received_at, updated_at) < now() - make_interval(secs => $1);

-- name: platform_shipped_orders
-- $1 order ids. Those TikTok ships with its own logistics (chotdon_platform_ships).
SELECT id FROM orders WHERE id = ANY($1::bigint[]) AND chotdon_platform_ships(id);
