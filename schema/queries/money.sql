-- Money gates (migration 0019): what may ship, payment deadlines, the director's money rules,
-- messages staff send by hand.

-- name: ship_blocks_of_orders
-- $1 order ids. Each order that may not be claimed, packed or booked now, and why ('empty' or
-- 'unpaid'); orders that may are not returned.
SELECT id, chotdon_ship_block(id) AS block
FROM unnest($1::bigint[]) AS ids(id)
WHERE chotdon_ship_block(id) IS NOT NULL;

-- name: claim_next_order
-- $1 tenant id, $2 staff id. See chotdon_claim_next_order (0019): the same rule for every caller.
SELECT chotdon_claim_next_order($1, $2);

-- name: start_payment_deadline
-- $1 order id, $2 hours to pay. An order that must prepay and is not paid gets its deadline and
-- its reminder time (half-way) once, when it is confirmed; others are left alone.
UPDATE orders
SET payment_deadline = now() + make_interval(secs => $2 * 3600),
    payment_remind_at = now() + make_interval(secs => $2 * 1800),
    payment_reminded_at = NULL
WHERE id = $1 AND paid_at IS NULL AND payment_deadline IS NULL AND chotdon_must_prepay(id)
RETURNING payment_deadline;

-- name: tenant_settings_of_order
-- $1 order id.
SELECT t.settings FROM orders o JOIN tenants t ON t.id = o.tenant_id WHERE o.id = $1;

-- name: claim_due_payment_reminders
-- $1 batch size. Confirmed orders still unpaid whose reminder is due and not sent: stamped here,
-- in the statement that picks them, so each is reminded once, ever.
UPDATE orders AS o
SET payment_reminded_at = now()
FROM (
    SELECT id FROM orders
    WHERE status = 'confirmed' AND paid_at IS NULL AND payment_reminded_at IS NULL
      AND payment_remind_at <= now() AND payment_deadline > now()
    ORDER BY payment_remind_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
) AS due
WHERE o.id = due.id
RETURNING o.id;

-- name: sessions_with_unpaid_overdue
-- The lives (NULL: orders of no live) with confirmed orders still unpaid past their deadline.
SELECT DISTINCT session_id FROM orders
WHERE status = 'confirmed' AND paid_at IS NULL AND payment_deadline < now();

-- name: unpaid_orders_past_deadline
-- $1 live (NULL: orders of no live), $2 batch size. Taken after the live's merge lock. An order
-- that no longer must prepay (the director lowered the rule) is not expired: it may ship.
SELECT id FROM orders
WHERE session_id IS NOT DISTINCT FROM $1
  AND status = 'confirmed' AND paid_at IS NULL AND payment_deadline < now()
  AND chotdon_must_prepay(id)
ORDER BY payment_deadline
LIMIT $2
FOR UPDATE SKIP LOCKED;

-- name: unpaid_overdue_not_prepay
-- $1 live (NULL: orders of no live). Past their deadline, unpaid, but no longer must prepay.
SELECT id FROM orders
WHERE session_id IS NOT DISTINCT FROM $1
  AND status = 'confirmed' AND paid_at IS NULL AND payment_deadline < now()
  AND NOT chotdon_must_prepay(id);

-- name: clear_payment_deadline
-- $1 order ids. Orders that may ship after all: no deadline, so the sweep does not look again.
UPDATE orders SET payment_deadline = NULL, payment_remind_at = NULL
WHERE id = ANY($1::bigint[]);

-- name: merge_tenant_settings
-- $1 tenant id, $2 keys to set (a JSON null removes the key).
UPDATE tenants
SET settings = (settings || jsonb_strip_nulls($2::jsonb))
    - ARRAY(SELECT key FROM jsonb_each($2::jsonb) WHERE jsonb_typeof(value) = 'null')
WHERE id = $1
RETURNING settings;

-- name: tenant_settings
-- $1 tenant id.
SELECT settings FROM tenants WHERE id = $1;

-- name: messages_to_send_by_hand
-- $1 tenant id, $2 limit. Messages no platform would carry (no route, no sender, or the platform
-- cannot write to the buyer: TikTok LIVE viewers), newest first, with the order they are about.
SELECT m.id, m.body, m.created_at, m.last_error, m.order_id, o.order_no, c.platform,
       c.name AS channel_name,
       coalesce(nullif(bi.display_name, ''), b.display_name, '') AS buyer_name,
       coalesce(o.recipient_phone, bi.phone, b.phone) AS buyer_phone
FROM outbound_messages m
JOIN channels c ON c.id = m.channel_id
LEFT JOIN orders o ON o.id = m.order_id
LEFT JOIN buyer_identities bi ON bi.id = m.buyer_identity_id
LEFT JOIN buyers b ON b.id = coalesce(o.buyer_id, bi.buyer_id)
WHERE m.tenant_id = $1 AND m.status = 'unsent'
ORDER BY m.created_at DESC, m.id DESC
LIMIT $2;

-- name: mark_sent_by_hand
-- $1 tenant id, $2 message id, $3 staff id. Only a message still unsent (a second tap: nothing).
UPDATE outbound_messages
SET status = 'sent', sent_at = now(), sent_by_hand_by = $3
WHERE tenant_id = $1 AND id = $2 AND status = 'unsent'
RETURNING id, order_id;

-- name: orders_needing_payment_deadline
-- $1 batch size. Confirmed, unpaid orders that came to need prepayment after they were confirmed
-- (the buyer's phone was blocked, the director lowered the threshold): no deadline yet.
SELECT o.id, t.settings AS tenant_settings
FROM orders o JOIN tenants t ON t.id = o.tenant_id
WHERE o.status = 'confirmed' AND o.paid_at IS NULL AND o.payment_deadline IS NULL
  AND chotdon_must_prepay(o.id)
ORDER BY o.id
LIMIT $1;

-- name: set_payment_deadlines
-- $1 order ids, $2 hours each. From now; an order given one meanwhile keeps its own.
UPDATE orders AS o
SET payment_deadline = now() + make_interval(secs => u.hours * 3600),
    payment_remind_at = now() + make_interval(secs => u.hours * 1800)
FROM unnest($1::bigint[], $2::int[]) AS u(id, hours)
WHERE o.id = u.id AND o.payment_deadline IS NULL AND o.paid_at IS NULL
RETURNING o.id;
