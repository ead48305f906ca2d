-- Staff web app: accounts, sessions, login rate limit, order queue, packing.
-- Every query of a cooperative's data takes the logged-in staff member's tenant id.

-- name: insert_staff
-- $1 tenant id, $2 login, $3 display name, $4 role, $5 argon2 hash.
INSERT INTO staff (tenant_id, login, display_name, role, password_hash)
VALUES ($1, $2, $3, $4, $5)
RETURNING id;

-- name: staff_for_login
-- $1 login (any case). Active staff only.
SELECT id, tenant_id, login, display_name, role, password_hash
FROM staff WHERE lower(login) = lower($1) AND active;

-- name: update_staff_password_hash
-- $1 staff id, $2 new hash (argon2 parameters changed).
UPDATE staff SET password_hash = $2 WHERE id = $1;

-- name: insert_staff_session
-- $1 staff id, $2 tenant id, $3 token hash, $4 csrf token, $5 lifetime in seconds.
INSERT INTO staff_sessions (staff_id, tenant_id, token_hash, csrf_token, expires_at)
VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5));

-- name: staff_session_by_token
-- $1 token hash. A live session of an active staff member.
SELECT ss.id AS session_id, ss.csrf_token, s.id, s.tenant_id, s.login, s.display_name, s.role,
       t.name AS tenant_name
FROM staff_sessions ss
JOIN staff s ON s.id = ss.staff_id AND s.active AND s.tenant_id = ss.tenant_id
JOIN tenants t ON t.id = s.tenant_id
WHERE ss.token_hash = $1 AND ss.expires_at > now();

-- name: delete_staff_session
-- $1 token hash.
DELETE FROM staff_sessions WHERE token_hash = $1;

-- name: delete_expired_staff_sessions
DELETE FROM staff_sessions WHERE expires_at <= now();

-- name: staff_order_queue
-- $1 tenant id, $2 live session id or NULL, $3 status or NULL, $4 ILIKE name pattern or NULL,
-- $5 phone or NULL, $6 limit, $7 offset, $8 platform or NULL, $9 lowest risk level or NULL
-- (chotdon_risk_level: the buyer's parcels and those of buyers with the recipient's phone, as
-- the order page's risk counts them), $10 shipment statuses or NULL (parcels in trouble: lost,
-- damaged, not picked up…). Newest first.
SELECT o.id, o.order_no, o.status, o.total_vnd, o.created_at, o.session_id,
       coalesce(nullif(o.recipient_name, ''), nullif(b.full_name, ''), b.display_name) AS buyer,
       chotdon_live_label(lv.id) AS live_title,
       chotdon_shown_platform(ch.platform, ch.settings) AS platform, r.level AS risk,
       -- 0019: a confirmed order that may not be packed yet ('unpaid': chờ chuyển khoản; 'empty').
       CASE WHEN o.status = 'confirmed' THEN chotdon_ship_block(o.id) END AS ship_block,
       (SELECT s.status FROM shipments s
        WHERE s.tenant_id = o.tenant_id AND s.order_id = o.id AND s.status <> 'cancelled'
        ORDER BY s.id DESC LIMIT 1) AS parcel
FROM orders o
JOIN buyers b ON b.id = o.buyer_id
LEFT JOIN live_sessions ls ON ls.id = o.session_id
LEFT JOIN lives lv ON lv.id = o.live_id
LEFT JOIN channels ch ON ch.id = ls.channel_id
CROSS JOIN LATERAL (
    SELECT chotdon_risk_level(coalesce(sum(rb.delivered_count), 0)::int,
                              coalesce(sum(rb.returned_count), 0)::int) AS level
    FROM buyers rb
    WHERE rb.tenant_id = o.tenant_id
      AND (rb.id = o.buyer_id OR (o.recipient_phone IS NOT NULL AND rb.phone = o.recipient_phone
                                   AND NOT rb.sandbox))
) r
WHERE o.tenant_id = $1
  AND NOT coalesce(ls.sandbox, false)  -- rehearsals never reach the real queue
  AND ($2::bigint IS NULL OR o.live_id = $2)
  AND ($3::text IS NULL OR o.status = $3)
  AND ($4::text IS NULL
       OR b.display_name ILIKE $4 OR b.full_name ILIKE $4 OR o.recipient_name ILIKE $4
       OR o.order_no ILIKE $4)
  AND ($5::text IS NULL OR b.phone = $5 OR o.recipient_phone = $5)
  AND ($8::text IS NULL OR chotdon_shown_platform(ch.platform, ch.settings) = $8)
  AND ($9::int IS NULL OR r.level >= $9)
  AND ($10::text[] IS NULL OR EXISTS (
      SELECT 1 FROM shipments s
      WHERE s.tenant_id = o.tenant_id AND s.order_id = o.id AND s.status = ANY($10::text[])))
ORDER BY o.created_at DESC, o.id DESC
LIMIT $6 OFFSET $7;

-- name: staff_lives
-- $1 tenant id. Lives for the queue's filter, newest first.
SELECT id, chotdon_live_label(l.id) AS title, started_at FROM lives l
WHERE tenant_id = $1 AND NOT chotdon_live_sandbox(l.id)
ORDER BY started_at DESC NULLS LAST, id DESC LIMIT 50;

-- name: staff_order
-- $1 tenant id, $2 order id. NULL for an order of another cooperative.
SELECT o.id, o.order_no, o.status, o.session_id, o.subtotal_vnd, o.shipping_vnd,
       o.discount_vnd, o.free_shipping, o.total_vnd, o.payment_method, o.paid_at, o.recipient_name,
       o.recipient_phone, o.address_line, o.note, o.created_at, o.claimed_by,
       o.payment_deadline, chotdon_paid_vnd(o.id) AS paid_vnd, chotdon_ship_block(o.id) AS ship_block,
       b.display_name AS buyer_name, b.phone AS buyer_phone,
       chotdon_live_label(lv.id) AS live_title
FROM orders o
JOIN buyers b ON b.id = o.buyer_id
LEFT JOIN lives lv ON lv.id = o.live_id
WHERE o.tenant_id = $1 AND o.id = $2;

-- name: staff_order_lines
-- $1 tenant id, $2 order id.
SELECT i.id, i.code, i.variant, i.qty, i.unit_price_vnd, i.status, p.name
FROM order_items i
LEFT JOIN products p ON p.id = i.product_id
WHERE i.tenant_id = $1 AND i.order_id = $2 AND i.status <> 'removed'
ORDER BY i.queue_position, i.id;

-- name: staff_order_comments
-- $1 tenant id, $2 order id. The comments that made the order's lines.
SELECT c.id, c.platform, c.author_name, c.body, c.commented_at
FROM comments c
WHERE c.tenant_id = $1
  AND c.id IN (SELECT source_comment_id FROM order_items WHERE order_id = $2 AND tenant_id = $1)
ORDER BY c.commented_at, c.id;

-- name: staff_order_events
-- $1 tenant id, $2 order id. Oldest first.
-- staff_name: the staff member's name when a staff member did it.
SELECT e.at, e.actor, e.kind, e.from_status, e.to_status, e.reason, s.display_name AS staff_name
FROM order_events e
LEFT JOIN staff s ON e.actor = 'staff:' || s.id::text AND s.tenant_id = e.tenant_id
WHERE e.tenant_id = $1 AND e.order_id = $2
ORDER BY e.at, e.id;

-- name: lock_packing_claim
-- $1 tenant id, $2 order id. Who claimed the order for packing, its row locked until the packing
-- transaction ends (so the claim cannot change between this check and the move); no row for
-- another cooperative's order.
SELECT claimed_by FROM orders WHERE tenant_id = $1 AND id = $2 FOR UPDATE;

-- name: packing_orders_of_staff
-- $1 tenant id, $2 staff id. Orders this packer claimed and has not packed yet.
SELECT id, order_no, created_at FROM orders
WHERE tenant_id = $1 AND claimed_by = $2 AND status = 'packing'
  AND NOT chotdon_sandbox(session_id)
ORDER BY updated_at, id;

-- name: confirmation_rates
-- $1 tenant id. For the director: of the orders each recent live took from comments, how many
-- buyers confirmed (or went further), how many let the hold expire.
SELECT ls.id, chotdon_live_label(ls.id) AS title,
       count(o.id) AS orders,
       count(o.id) FILTER (WHERE o.status IN ('confirmed', 'packing', 'packed', 'shipped',
                                              'delivered', 'returned')) AS confirmed,
       count(o.id) FILTER (WHERE o.status = 'expired') AS expired
FROM lives ls
LEFT JOIN orders o ON o.live_id = ls.id AND o.source = 'comment'
WHERE ls.tenant_id = $1 AND NOT chotdon_live_sandbox(ls.id)
GROUP BY ls.id, ls.title, ls.started_at
ORDER BY ls.started_at DESC NULLS LAST, ls.id DESC
LIMIT 10;
