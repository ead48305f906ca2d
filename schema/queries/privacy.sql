-- A buyer's personal data: export, erasure (keeping order totals and lines for tax records),
-- and the retention of raw webhook bodies. Every query is scoped by the cooperative.

-- name: privacy_buyer_ids
-- $1 tenant, $2 normalised phone. The buyer with that phone and buyers linked by an identity.
SELECT id FROM buyers WHERE tenant_id = $1 AND phone = $2
UNION
SELECT buyer_id FROM buyer_identities WHERE tenant_id = $1 AND phone = $2
ORDER BY 1;

-- name: privacy_buyers
SELECT * FROM buyers WHERE tenant_id = $1 AND id = ANY($2::bigint[]) ORDER BY id;

-- name: privacy_identities
SELECT bi.*, c.platform, c.external_id AS channel_external_id
FROM buyer_identities bi JOIN channels c ON c.id = bi.channel_id
WHERE bi.tenant_id = $1 AND bi.buyer_id = ANY($2::bigint[]) ORDER BY bi.id;

-- name: privacy_orders
SELECT * FROM orders WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[]) ORDER BY id;

-- name: privacy_order_items
SELECT i.* FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]) ORDER BY i.id;

-- name: privacy_order_events
SELECT e.* FROM order_events e JOIN orders o ON o.id = e.order_id
WHERE o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]) ORDER BY e.id;

-- name: privacy_shipments
SELECT s.* FROM shipments s JOIN orders o ON o.id = s.order_id
WHERE o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]) ORDER BY s.id;

-- name: privacy_payments
SELECT p.* FROM payments p JOIN orders o ON o.id = p.order_id
WHERE o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]) ORDER BY p.id;

-- name: privacy_comments
SELECT cm.* FROM comments cm
JOIN buyer_identities bi
  ON bi.channel_id = cm.channel_id AND bi.external_user_id = cm.author_external_id
WHERE bi.tenant_id = $1 AND cm.tenant_id = $1 AND bi.buyer_id = ANY($2::bigint[])
ORDER BY cm.id;

-- name: privacy_messages
SELECT m.* FROM outbound_messages m
WHERE m.tenant_id = $1
  AND (m.buyer_identity_id IN (SELECT id FROM buyer_identities
                               WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[]))
       OR m.order_id IN (SELECT id FROM orders WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[])))
ORDER BY m.id;

-- name: privacy_blocked
SELECT * FROM blocked_phones WHERE tenant_id = $1 AND phone = $2;

-- name: privacy_open_orders
-- $1 tenant, $2 buyer ids. Orders still being worked on: erasure waits until they end.
SELECT count(*) FROM orders
WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[])
  AND status NOT IN ('delivered', 'cancelled', 'expired', 'returned');

-- name: erase_buyer_deliveries
-- $1 tenant, $2 strings identifying the buyer (phone, platform user ids). Raw bodies naming them.
UPDATE webhook_deliveries SET body = ''::bytea, headers = '{}'::jsonb
WHERE tenant_id = $1 AND octet_length(body) > 0
  AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS s(needle)
              WHERE length(s.needle) >= 6 AND position(convert_to(s.needle, 'UTF8') IN body) > 0);

-- name: erase_buyer_comments
UPDATE comments cm SET author_name = '', body = '', phone = NULL, parsed = '{}'::jsonb,
                       author_external_id = 'erased:' || bi.id
FROM buyer_identities bi
WHERE bi.channel_id = cm.channel_id AND bi.external_user_id = cm.author_external_id
  AND bi.tenant_id = $1 AND cm.tenant_id = $1 AND bi.buyer_id = ANY($2::bigint[]);

-- name: erase_buyer_messages
UPDATE outbound_messages SET body = '', target = '{}'::jsonb
WHERE tenant_id = $1
  AND (buyer_identity_id IN (SELECT id FROM buyer_identities
                             WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[]))
       OR order_id IN (SELECT id FROM orders WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[])));

-- name: erase_buyer_order_details
-- Name, phone and address go; the number, lines, totals, payment and dates stay (tax records).
UPDATE orders SET recipient_name = NULL, recipient_phone = NULL, province_code = NULL,
                  ward_code = NULL, address_line = NULL, note = '', updated_at = now()
WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[]);

-- name: erase_buyer_order_event_data
UPDATE order_events e
SET data = e.data - ARRAY['phone', 'recipient_phone', 'recipient_name', 'name', 'full_name',
                          'address', 'address_line', 'text', 'comment', 'body']
FROM orders o
WHERE o.id = e.order_id AND o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]);

-- name: erase_buyer_platform_payloads
UPDATE platform_orders p SET payload = '{"erased": true}'::jsonb
FROM orders o
WHERE o.id = p.order_id AND o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]);

-- name: erase_buyer_shipment_events
UPDATE shipment_events se SET raw = '{}'::jsonb
FROM shipments s JOIN orders o ON o.id = s.order_id
WHERE se.shipment_id = s.id AND o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]);

-- name: erase_buyer_payment_texts
UPDATE payments p SET content = ''
FROM orders o
WHERE o.id = p.order_id AND o.tenant_id = $1 AND o.buyer_id = ANY($2::bigint[]);

-- name: erase_buyer_identities
-- The platform user id goes too (replaced by a placeholder that keeps the unique key unique).
UPDATE buyer_identities SET display_name = '', phone = NULL, external_user_id = 'erased:' || id
WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[]);

-- name: erase_buyers
UPDATE buyers SET display_name = '', phone = NULL, full_name = NULL, province_code = NULL,
                  ward_code = NULL, address_line = NULL
WHERE tenant_id = $1 AND id = ANY($2::bigint[]);

-- name: audit_buyer_erasure
-- $1 tenant, $2 buyer ids, $3 actor: one event on each of their orders.
INSERT INTO order_events (tenant_id, order_id, actor, kind, reason)
SELECT tenant_id, id, $3, 'buyer_erased', 'theo yêu cầu của khách'
FROM orders WHERE tenant_id = $1 AND buyer_id = ANY($2::bigint[]);

-- name: record_privacy_request
-- $1 tenant, $2 kind, $3 phone hint, $4 buyer ids, $5 actor, $6 counts.
INSERT INTO privacy_requests (tenant_id, kind, phone_hint, buyer_ids, actor, counts)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: purge_webhook_bodies
-- $1 cutoff, $2 batch size. Empties raw bodies and headers of old deliveries, a batch at a time;
-- the rows stay (their delivery keys still make a retried delivery a duplicate).
UPDATE webhook_deliveries SET body = ''::bytea, headers = '{}'::jsonb
WHERE id IN (SELECT id FROM webhook_deliveries
             WHERE received_at < $1 AND octet_length(body) > 0
             ORDER BY received_at LIMIT $2);
