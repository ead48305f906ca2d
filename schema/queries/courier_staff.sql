-- Staff side of couriers: the order page's courier panel, address fixes, the block list.

-- name: staff_order_courier
-- $1 tenant id, $2 order id. The address as stored, why the order needs one (the latest reason
-- it was moved to needs_address), and its live shipment if any, with the courier's latest news.
SELECT o.id, o.status, o.province_code, o.ward_code, o.address_line,
       (SELECT e.reason FROM order_events e
        WHERE e.order_id = o.id AND e.to_status = 'needs_address'
        ORDER BY e.at DESC, e.id DESC LIMIT 1) AS needs_address_reason,
       s.courier, s.tracking_code, s.status AS shipment_status, s.courier_status,
       s.status_reason, s.last_event_at
FROM orders o
LEFT JOIN shipments s ON s.order_id = o.id AND s.status <> 'cancelled'
WHERE o.tenant_id = $1 AND o.id = $2;

-- name: fix_order_address
-- $1 tenant id, $2 order id, $3 province code, $4 ward code, $5 street. Only while it waits.
UPDATE orders SET province_code = $3, ward_code = $4, address_line = $5, updated_at = now()
WHERE tenant_id = $1 AND id = $2 AND status = 'needs_address'
RETURNING id;

-- name: blocked_phones_of_tenant
-- $1 tenant id. Newest first.
SELECT phone, reason, blocked_by, created_at FROM blocked_phones
WHERE tenant_id = $1 ORDER BY created_at DESC, phone LIMIT 500;

-- name: block_phone
-- $1 tenant id, $2 phone (normalised), $3 reason, $4 who. A second block updates the reason.
INSERT INTO blocked_phones (tenant_id, phone, reason, blocked_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id, phone)
DO UPDATE SET reason = EXCLUDED.reason, blocked_by = EXCLUDED.blocked_by, created_at = now();

-- name: unblock_phone
-- $1 tenant id, $2 phone.
DELETE FROM blocked_phones WHERE tenant_id = $1 AND phone = $2 RETURNING phone;

-- name: blocked_orders_of_queue
-- $1 tenant id, $2 order ids. The ones whose buyer or recipient phone is blocked.
SELECT o.id FROM orders o JOIN buyers b ON b.id = o.buyer_id
WHERE o.tenant_id = $1 AND o.id = ANY($2::bigint[])
  AND EXISTS (SELECT 1 FROM blocked_phones bp
              WHERE bp.tenant_id = o.tenant_id AND bp.phone IN (o.recipient_phone, b.phone));
