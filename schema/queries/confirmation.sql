-- Buyer confirmation: the order page, buyer messages and reminders, bank-transfer payments.

-- name: order_for_buyer_page
-- $1 order id. Everything the order page and the buyer's message show, in one row.
SELECT o.id, o.tenant_id, o.order_no, o.status, o.session_id, o.live_id, o.buyer_id,
       o.buyer_identity_id,
       o.subtotal_vnd, o.shipping_vnd, o.discount_vnd, o.total_vnd, o.payment_method, o.paid_at,
       o.recipient_name, o.recipient_phone, o.province_code, o.ward_code, o.address_line, o.note,
       o.confirm_deadline, o.needs_reconfirmation, o.created_at,
       t.name AS tenant_name, t.settings AS tenant_settings,
       coalesce(s.hold_mode, 'first_comment') AS hold_mode,
       o.free_shipping, coalesce(s.promotion, '{}'::jsonb) AS promotion,
       o.payment_deadline, chotdon_paid_vnd(o.id) AS paid_vnd
FROM orders o
JOIN tenants t ON t.id = o.tenant_id
LEFT JOIN lives s ON s.id = o.live_id
WHERE o.id = $1;

-- name: lines_for_buyer_page
-- $1 order id. Live lines with each product's origin (cooperative, province, OCOP, certificate)
-- and its photo's version (NULL: no photo), which the photo's address carries for caching.
SELECT i.id, i.product_id, i.code, i.variant, i.qty, i.unit_price_vnd, i.status,
       p.name, p.origin_name, p.origin_province, p.ocop_stars, p.certificate_no,
       (SELECT floor(extract(epoch FROM f.updated_at))::bigint FROM product_photos f
        WHERE f.product_id = i.product_id) AS photo_version,
       b.public_code AS batch_public_code, b.code AS batch_code
FROM order_items i
LEFT JOIN products p ON p.id = i.product_id
LEFT JOIN product_batches b ON b.id = i.batch_id
WHERE i.order_id = $1 AND i.status <> 'removed'
ORDER BY i.queue_position, i.id;

-- name: lock_order_for_buyer
-- $1 order id. Taken after the session's merge lock, before any line or stock row.
SELECT id, tenant_id, status, session_id, buyer_id FROM orders WHERE id = $1 FOR UPDATE;

-- name: lock_lines_for_buyer
-- $1 order id.
SELECT id, product_id, variant, qty, status, queue_position
FROM order_items
WHERE order_id = $1 AND status <> 'removed'
ORDER BY id
FOR UPDATE;

-- name: buyer_last_address
-- $1 buyer id. What a returning buyer confirmed last time, to prefill the form.
SELECT b.full_name, b.province_code, b.ward_code, b.address_line,
       coalesce(b.phone, (
           SELECT o.recipient_phone FROM orders o
           WHERE o.buyer_id = b.id AND o.recipient_phone IS NOT NULL
           ORDER BY o.updated_at DESC LIMIT 1
       )) AS phone
FROM buyers b
WHERE b.id = $1;

-- name: save_buyer_confirmation
-- $1 order id, $2 name, $3 phone, $4 province code, $5 ward code, $6 address line, $7 note,
-- $8 payment method.
UPDATE orders
SET recipient_name = $2, recipient_phone = $3, province_code = $4, ward_code = $5,
    address_line = $6, note = $7, payment_method = $8, updated_at = now()
WHERE id = $1;

-- name: save_buyer_address
-- $1 buyer id, $2 name, $3 province code, $4 ward code, $5 address line.
UPDATE buyers
SET full_name = $2, province_code = $3, ward_code = $4, address_line = $5
WHERE id = $1;

-- name: set_line_statuses
-- $1 line ids, $2 statuses.
UPDATE order_items AS i
SET status = u.status, updated_at = now()
FROM unnest($1::bigint[], $2::text[]) AS u(id, status)
WHERE i.id = u.id;

-- name: order_for_message
-- $1 order id. Where a message about the order goes: the buyer's platform identity and the
-- comment that opened the order (a Facebook private reply answers that comment).
SELECT o.id, o.tenant_id, o.order_no, o.status, o.reminder_sent_at, o.buyer_identity_id,
       bi.external_user_id, bi.display_name,
       coalesce(o.recipient_phone, bi.phone, b.phone) AS buyer_phone,
       (SELECT extract(epoch FROM max(cm.commented_at)) FROM comments cm
        WHERE cm.channel_id = bi.channel_id AND cm.author_external_id = bi.external_user_id)
           AS last_message_at,
       c.id AS channel_id, c.platform, c.external_id, c.name AS channel_name, c.settings,
       c.status AS channel_status, c.credentials_encrypted,
       (SELECT cm.external_id FROM order_items i JOIN comments cm ON cm.id = i.source_comment_id
        WHERE i.order_id = o.id ORDER BY i.queue_position, i.id LIMIT 1) AS first_comment_id,
       (SELECT count(*) FROM outbound_messages m
        WHERE m.order_id = o.id AND m.kind LIKE 'facebook.%') AS facebook_messages,
       chotdon_sandbox(o.session_id) AS sandbox
FROM orders o
JOIN buyer_identities bi ON bi.id = o.buyer_identity_id
JOIN buyers b ON b.id = o.buyer_id
JOIN channels c ON c.id = bi.channel_id
WHERE o.id = $1;

-- name: record_unsent_message
-- $1 tenant, $2 channel, $3 buyer identity, $4 order, $5 kind, $6 idempotency key, $7 body,
-- $8 target, $9 why it is not sent. Written for the record (and for staff); no job sends it.
INSERT INTO outbound_messages (tenant_id, channel_id, buyer_identity_id, order_id, kind,
                               idempotency_key, body, target, status, last_error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'unsent', $9)
RETURNING id;  -- a repeated key is skipped by outbound_messages_once (migration 0034)

-- name: claim_due_reminders
-- $1 seconds after creation, $2 batch size. Marks at most one reminder per order, ever: the
-- reminder_sent_at stamp is taken here, in the same statement that picks the order.
UPDATE orders AS o
SET reminder_sent_at = now()
FROM (
    SELECT id FROM orders
    WHERE status = 'awaiting_confirmation' AND reminder_sent_at IS NULL
      AND created_at < now() - make_interval(secs => $1)
      AND (confirm_deadline IS NULL OR confirm_deadline > now())
    ORDER BY created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
) AS due
WHERE o.id = due.id
RETURNING o.id, o.tenant_id;

-- name: order_for_payment
-- $1 order number. Locked: two transfers for one order are counted one after the other.
SELECT id, tenant_id, total_vnd, paid_at, status FROM orders WHERE order_no = $1 FOR UPDATE;

-- name: order_of_tenant_for_payment
-- $1 order number, $2 tenant. The same, but only an order of the cooperative whose own account
-- received the transfer: money paid into one cooperative's account never pays another's order.
SELECT id, tenant_id, total_vnd, paid_at, status FROM orders
WHERE order_no = $1 AND tenant_id = $2
FOR UPDATE;

-- name: insert_payment
-- $1 tenant, $2 delivery, $3 transaction id, $4 amount, $5 content, $6 order number, $7 order,
-- $8 status, $9 source ('payments', 'bank:sepay'…), $10 when the bank moved it (or NULL).
-- No row back: that source's transaction is stored already (a redelivery, a replay).
INSERT INTO payments (tenant_id, delivery_id, transaction_id, amount_vnd, content, order_no,
                      order_id, status, source, transferred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (source, transaction_id) DO NOTHING
RETURNING id;

-- name: paid_so_far
-- $1 order id. What earlier transfers for this order added up to.
SELECT coalesce(sum(amount_vnd), 0)::bigint FROM payments
WHERE order_id = $1 AND status IN ('matched', 'partial', 'overpaid');

-- name: mark_order_paid
-- $1 order id. Once: a paid order stays paid at its first time.
UPDATE orders SET paid_at = now(), payment_method = 'vietqr', updated_at = now()
WHERE id = $1 AND paid_at IS NULL
RETURNING id;

-- name: payments_for_staff
-- $1 tenant id (NULL: payments that matched no cooperative, for the operator). Partial,
-- overpaid and unmatched transfers nobody has resolved yet, oldest first.
SELECT id, transaction_id, amount_vnd, content, order_no, order_id, status, received_at
FROM payments
WHERE status <> 'matched' AND resolved_at IS NULL AND tenant_id IS NOT DISTINCT FROM $1
ORDER BY received_at, id;

-- name: orders_of_buyer_identity
-- $1 channel id, $2 external user id. The buyer's open orders on this channel, newest first.
SELECT o.id FROM orders o
JOIN buyer_identities bi ON bi.id = o.buyer_identity_id
WHERE bi.channel_id = $1 AND bi.external_user_id = $2
  AND o.status IN ('draft', 'awaiting_confirmation')
ORDER BY o.created_at DESC;

-- name: order_session
-- $1 order id. The live an order belongs to (it never changes), read before any lock is taken.
SELECT session_id FROM orders WHERE id = $1;

-- name: lock_order_messages
-- $1 order id. One message composer per order at a time (until the transaction ends).
SELECT pg_advisory_xact_lock(hashtext('chotdon.order-message'), $1::int);

-- name: order_message_recorded
-- $1 order id, $2 message key. Was a message with this key already queued for the order?
SELECT EXISTS (
    SELECT 1 FROM order_events
    WHERE order_id = $1 AND kind = 'buyer_messaged' AND data ->> 'key' = $2
);

-- name: channel_by_platform_id
-- $1 platform, $2 the platform's id of the channel (Page id, OA id).
SELECT id FROM channels WHERE platform = $1 AND external_id = $2;

-- name: photo_for_buyer_page
-- $1 order id, $2 product id. The product's photo, only for a product on a line of that order:
-- the link opens its own order's pictures and nothing else of the cooperative.
SELECT f.content_type, f.data, f.updated_at
FROM product_photos f
WHERE f.product_id = $2
  AND EXISTS (SELECT 1 FROM order_items i
              WHERE i.order_id = $1 AND i.product_id = $2 AND i.status <> 'removed');
