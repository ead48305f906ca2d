-- Consent, buyers' requests from their link, staff reads of phones and addresses, the breach log,
-- the retention schedule and its runs. Every query is scoped by the cooperative.

-- name: retention_overrides
-- $1 tenant. The director's own figures (the rest take the defaults).
SELECT kind, days FROM retention_rules WHERE tenant_id = $1;

-- name: save_retention_rule
-- $1 tenant, $2 kind, $3 days, $4 who.
INSERT INTO retention_rules (tenant_id, kind, days, updated_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant_id, kind) DO UPDATE
SET days = excluded.days, updated_by = excluded.updated_by, updated_at = now();

-- name: save_privacy_notice
-- $1 tenant, $2 sha256, $3 text. The notice's id, stored once per distinct text.
WITH inserted AS (
    INSERT INTO privacy_notices (tenant_id, sha256, body) VALUES ($1, $2, $3)
    ON CONFLICT (tenant_id, sha256) DO NOTHING
    RETURNING id
)
SELECT id FROM inserted
UNION ALL
SELECT id FROM privacy_notices WHERE tenant_id = $1 AND sha256 = $2
LIMIT 1;

-- name: record_consent
-- $1 tenant, $2 order, $3 buyer, $4 notice, $5 source, $6 actor, $7 user agent.
INSERT INTO privacy_consents (tenant_id, order_id, buyer_id, notice_id, source, actor, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: consents_of_buyer
-- $1 tenant, $2 buyer. What the buyer agreed to, and when (newest first).
SELECT c.id, c.order_id, o.order_no, c.source, c.at, n.body AS notice, n.sha256
FROM privacy_consents c
JOIN privacy_notices n ON n.id = c.notice_id
JOIN orders o ON o.id = c.order_id
WHERE c.tenant_id = $1 AND c.buyer_id = $2
ORDER BY c.at DESC, c.id DESC;

-- name: open_buyer_request
-- $1 tenant, $2 order, $3 kind, $4 phone hint, $5 buyer ids, $6 due at. The request stays one
-- while open: asking again returns the one already open.
WITH inserted AS (
    INSERT INTO privacy_requests (tenant_id, kind, phone_hint, buyer_ids, actor, status, source,
                                  order_id, due_at)
    VALUES ($1, $3, $4, $5, 'buyer', 'open', 'buyer_link', $2, $6)
    ON CONFLICT (tenant_id, order_id, kind) WHERE status = 'open' DO NOTHING
    RETURNING id, due_at
)
SELECT id, due_at FROM inserted
UNION ALL
SELECT id, due_at FROM privacy_requests
WHERE tenant_id = $1 AND order_id = $2 AND kind = $3 AND status = 'open'
LIMIT 1;

-- name: buyer_requests_of_order
-- $1 tenant, $2 order. What the buyer asked from this link, for their page.
SELECT id, kind, status, at, due_at, handled_at, answer
FROM privacy_requests WHERE tenant_id = $1 AND order_id = $2
ORDER BY at DESC, id DESC;

-- name: privacy_requests_for_staff
-- $1 tenant. Open requests first by due date, then the last 50 handled ones.
(SELECT r.id, r.kind, r.status, r.source, r.phone_hint, r.at, r.due_at, r.handled_by,
        r.handled_at, r.answer, r.order_id, o.order_no
 FROM privacy_requests r LEFT JOIN orders o ON o.id = r.order_id
 WHERE r.tenant_id = $1 AND r.status = 'open'
 ORDER BY r.due_at, r.id)
UNION ALL
(SELECT r.id, r.kind, r.status, r.source, r.phone_hint, r.at, r.due_at, r.handled_by,
        r.handled_at, r.answer, r.order_id, o.order_no
 FROM privacy_requests r LEFT JOIN orders o ON o.id = r.order_id
 WHERE r.tenant_id = $1 AND r.status <> 'open'
 ORDER BY coalesce(r.handled_at, r.at) DESC, r.id DESC
 LIMIT 50);

-- name: lock_open_request
-- $1 tenant, $2 request id.
SELECT id, kind, order_id, buyer_ids, phone_hint FROM privacy_requests
WHERE tenant_id = $1 AND id = $2 AND status = 'open'
FOR UPDATE;

-- name: close_privacy_request
-- $1 tenant, $2 id, $3 status (done | refused), $4 who, $5 answer, $6 counts.
UPDATE privacy_requests
SET status = $3, handled_by = $4, handled_at = now(), answer = $5, counts = $6
WHERE tenant_id = $1 AND id = $2 AND status = 'open';

-- name: order_buyer_for_privacy
-- $1 order. The order's cooperative, buyer, and the phone that identifies them (if any).
SELECT o.id, o.tenant_id, o.order_no, o.buyer_id, t.name AS tenant_name,
       coalesce(b.phone, o.recipient_phone) AS phone
FROM orders o JOIN buyers b ON b.id = o.buyer_id JOIN tenants t ON t.id = o.tenant_id
WHERE o.id = $1;

-- name: log_data_access
-- $1 tenant, $2 staff, $3 order ids, $4 fields, $5 place. One row per order read.
INSERT INTO data_access_log (tenant_id, staff_id, order_id, fields, place)
SELECT $1, $2, o.id, $4, $5 FROM orders o
WHERE o.tenant_id = $1 AND o.id = ANY($3::bigint[]);

-- name: data_access_recent
-- $1 tenant, $2 limit, $3 order id or NULL. The newest reads, with who read and which order.
SELECT a.at, a.fields, a.place, s.display_name AS staff_name, o.order_no, a.order_id
FROM data_access_log a JOIN staff s ON s.id = a.staff_id JOIN orders o ON o.id = a.order_id
WHERE a.tenant_id = $1 AND ($3::bigint IS NULL OR a.order_id = $3)
ORDER BY a.at DESC, a.id DESC
LIMIT $2;

-- name: record_breach
-- $1 tenant, $2 detected at, $3 who, $4 description, $5 data kinds, $6 buyers affected,
-- $7 measures.
INSERT INTO data_breaches (tenant_id, detected_at, recorded_by, description, data_kinds,
                           buyers_affected, measures)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: breaches_of_tenant
-- $1 tenant. Newest first.
SELECT * FROM data_breaches WHERE tenant_id = $1 ORDER BY detected_at DESC, id DESC;

-- name: mark_breach
-- $1 tenant, $2 id, $3 step (reported | buyers_told | closed), $4 measures to add ('' none).
UPDATE data_breaches
SET reported_at = CASE WHEN $3 = 'reported' THEN coalesce(reported_at, now()) ELSE reported_at END,
    buyers_told_at = CASE WHEN $3 = 'buyers_told' THEN coalesce(buyers_told_at, now())
                          ELSE buyers_told_at END,
    closed_at = CASE WHEN $3 = 'closed' THEN coalesce(closed_at, now()) ELSE closed_at END,
    measures = CASE WHEN $4 = '' THEN measures
                    WHEN measures = '' THEN $4 ELSE measures || E'\n' || $4 END
WHERE tenant_id = $1 AND id = $2;

-- name: register_counts
-- $1 tenant. The figures the register of processing prints.
SELECT
    (SELECT count(*) FROM buyers WHERE tenant_id = $1) AS buyers,
    (SELECT count(*) FROM orders WHERE tenant_id = $1 AND NOT chotdon_sandbox(session_id)) AS orders,
    (SELECT count(*) FROM privacy_consents WHERE tenant_id = $1) AS consents,
    (SELECT count(*) FROM privacy_requests WHERE tenant_id = $1 AND status = 'open') AS open_requests,
    (SELECT count(*) FROM privacy_requests WHERE tenant_id = $1 AND status <> 'open') AS handled_requests,
    (SELECT count(*) FROM data_breaches WHERE tenant_id = $1) AS breaches,
    (SELECT count(*) FROM data_access_log WHERE tenant_id = $1) AS reads;

-- name: register_platforms
-- $1 tenant. The platforms the cooperative sells on (sources of the data).
SELECT DISTINCT platform FROM channels WHERE tenant_id = $1 ORDER BY platform;

-- name: last_retention_runs
-- $1 tenant. The last run of each kind.
SELECT DISTINCT ON (kind) kind, cutoff, rows, at FROM retention_runs
WHERE tenant_id = $1 ORDER BY kind, at DESC;

-- name: tenants_for_retention
SELECT id FROM tenants ORDER BY id;

-- name: record_retention_run
-- $1 tenant, $2 kind, $3 cutoff, $4 rows.
INSERT INTO retention_runs (tenant_id, kind, cutoff, rows) VALUES ($1, $2, $3, $4);

-- name: retain_comments
-- $1 tenant, $2 cutoff, $3 batch. Comments past the schedule lose who wrote them and what they
-- said; the row stays (its key keeps a redelivered comment a duplicate; order lines point at it).
UPDATE comments SET author_name = '', body = '', phone = NULL, parsed = '{}'::jsonb,
                    author_external_id = 'retained:' || id
WHERE id IN (SELECT id FROM comments
             WHERE tenant_id = $1 AND commented_at < $2 AND status <> 'pending'
               AND NOT author_external_id LIKE 'retained:%'
               AND NOT author_external_id LIKE 'erased:%'
             ORDER BY id LIMIT $3);

-- name: retain_deliveries
-- $1 tenant, $2 cutoff, $3 batch. Raw bodies and headers emptied; the row and its key stay.
UPDATE webhook_deliveries SET body = ''::bytea, headers = '{}'::jsonb
WHERE id IN (SELECT id FROM webhook_deliveries
             WHERE tenant_id = $1 AND received_at < $2 AND octet_length(body) > 0
             ORDER BY id LIMIT $3);

-- name: retain_return_details
-- $1 tenant, $2 cutoff, $3 batch. Returns that ended (refused or refunded) before the cutoff lose
-- the buyer's photos, note and refund bank account; cause, decision, amounts and dates stay.
WITH due AS (
    SELECT r.id FROM returns r
    WHERE r.tenant_id = $1 AND r.status IN ('refused', 'refunded') AND r.updated_at < $2
      AND (r.refund_account_no <> '' OR r.refund_account_name <> '' OR r.buyer_note <> ''
           OR EXISTS (SELECT 1 FROM return_photos p WHERE p.return_id = r.id))
    ORDER BY r.id LIMIT $3
), photos AS (
    DELETE FROM return_photos p WHERE p.return_id IN (SELECT id FROM due)
)
UPDATE returns SET refund_bank_bin = '', refund_account_no = '', refund_account_name = '',
                   buyer_note = ''
WHERE id IN (SELECT id FROM due);

-- name: retain_order_addresses
-- $1 tenant, $2 cutoff, $3 batch. Orders that ended before the cutoff lose name, phone and
-- address (and the copies in their events, platform payloads and courier news); number, lines,
-- totals and dates stay for the tax books. RETURNING the orders touched.
WITH due AS (
    SELECT id FROM orders
    WHERE tenant_id = $1 AND status IN ('delivered', 'cancelled', 'expired', 'returned')
      AND updated_at < $2
      AND (recipient_name IS NOT NULL OR recipient_phone IS NOT NULL
           OR address_line IS NOT NULL OR note <> '')
    ORDER BY id LIMIT $3
), events AS (
    UPDATE order_events e
    SET data = e.data - ARRAY['phone', 'recipient_phone', 'recipient_name', 'name', 'full_name',
                              'address', 'address_line', 'province_code', 'ward_code', 'note']
    WHERE e.order_id IN (SELECT id FROM due)
), payloads AS (
    UPDATE platform_orders p SET payload = '{"retained": true}'::jsonb
    WHERE p.order_id IN (SELECT id FROM due)
), courier AS (
    UPDATE shipment_events se SET raw = '{}'::jsonb
    FROM shipments s WHERE se.shipment_id = s.id AND s.order_id IN (SELECT id FROM due)
)
UPDATE orders SET recipient_name = NULL, recipient_phone = NULL, province_code = NULL,
                  ward_code = NULL, address_line = NULL, note = ''
WHERE id IN (SELECT id FROM due);

-- name: retain_buyer_addresses
-- $1 tenant, $2 cutoff, $3 batch. The address a buyer's last order saved for prefill goes once
-- they have had no order since the cutoff. Phone and delivered/returned counts stay: they are the
-- cooperative's own "bom hàng" record for this phone (never shared with another cooperative).
UPDATE buyers b SET full_name = NULL, province_code = NULL, ward_code = NULL, address_line = NULL
WHERE b.id IN (
    SELECT b2.id FROM buyers b2
    WHERE b2.tenant_id = $1 AND (b2.full_name IS NOT NULL OR b2.address_line IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.buyer_id = b2.id
                      AND (o.updated_at >= $2
                           OR o.status NOT IN ('delivered', 'cancelled', 'expired', 'returned')))
    ORDER BY b2.id LIMIT $3);

-- name: retain_messages
-- $1 tenant, $2 cutoff, $3 batch. Texts sent to buyers emptied once past the schedule (the row,
-- its kind and status stay: a resend key is still a duplicate).
UPDATE outbound_messages SET body = '', target = '{}'::jsonb
WHERE id IN (SELECT id FROM outbound_messages
             WHERE tenant_id = $1 AND created_at < $2 AND body <> ''
               AND status <> 'pending'
             ORDER BY id LIMIT $3);

-- name: record_buyer_export
-- $1 tenant, $2 phone hint, $3 buyer ids, $4 counts, $5 order. A download from the buyer's link.
INSERT INTO privacy_requests (tenant_id, kind, phone_hint, buyer_ids, actor, counts, source,
                              order_id, handled_by, handled_at)
VALUES ($1, 'export', $2, $3, 'buyer', $4, 'buyer_link', $5, 'buyer', now());

-- name: register_tenant
-- $1 tenant. The cooperative as the register names it.
SELECT name, province FROM tenants WHERE id = $1;

-- name: buyer_has_consented
-- $1 tenant, $2 buyer. Whether this buyer agreed to the notice on an earlier confirmation.
SELECT EXISTS (SELECT 1 FROM privacy_consents WHERE tenant_id = $1 AND buyer_id = $2);

-- name: retain_orphaned_comments
-- $1 cutoff, $2 batch. Comments no cooperative claimed (unknown channel or live) past the
-- default comment days: emptied like any other, installation-wide.
UPDATE comments SET author_name = '', body = '', phone = NULL, parsed = '{}'::jsonb,
                    author_external_id = 'retained:' || id
WHERE id IN (SELECT id FROM comments
             WHERE tenant_id IS NULL AND status = 'orphaned' AND received_at < $1
               AND NOT author_external_id LIKE 'retained:%'
             ORDER BY id LIMIT $2);

-- name: privacy_overdue
-- $1 now. Per cooperative: open requests past their due date, and breaches found more than 72
-- hours ago and not yet reported (the daily job logs them so operators see them too).
SELECT t.id AS tenant_id,
       (SELECT count(*) FROM privacy_requests r
        WHERE r.tenant_id = t.id AND r.status = 'open' AND r.due_at < $1) AS requests,
       (SELECT count(*) FROM data_breaches b
        WHERE b.tenant_id = t.id AND b.reported_at IS NULL AND b.closed_at IS NULL
          AND b.detected_at < $1 - interval '72 hours') AS breaches
FROM tenants t ORDER BY t.id;
